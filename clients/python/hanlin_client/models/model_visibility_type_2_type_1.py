from enum import StrEnum


class ModelVisibilityType2Type1(StrEnum):
    PRIVATE = "private"
    PUBLIC = "public"

    def __str__(self) -> str:
        return str(self.value)
