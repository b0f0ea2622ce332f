from enum import StrEnum


class TextConfigVerbosityType1(StrEnum):
    MEDIUM = "medium"

    def __str__(self) -> str:
        return str(self.value)
