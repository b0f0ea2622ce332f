from enum import StrEnum


class ResponseCreateRequestServiceTierType2Type1(StrEnum):
    AUTO = "auto"
    DEFAULT = "default"

    def __str__(self) -> str:
        return str(self.value)
