from enum import StrEnum


class ImageOptionsContextCompressionType3Type1(StrEnum):
    AUTO = "auto"
    DISABLED = "disabled"
    ENABLED = "enabled"

    def __str__(self) -> str:
        return str(self.value)
