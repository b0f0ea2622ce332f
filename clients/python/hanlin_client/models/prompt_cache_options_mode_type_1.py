from enum import StrEnum


class PromptCacheOptionsModeType1(StrEnum):
    EXPLICIT = "explicit"
    IMPLICIT = "implicit"

    def __str__(self) -> str:
        return str(self.value)
