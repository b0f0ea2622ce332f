from enum import StrEnum


class PromptCacheOptionsModeType3Type1(StrEnum):
    EXPLICIT = "explicit"
    IMPLICIT = "implicit"

    def __str__(self) -> str:
        return str(self.value)
