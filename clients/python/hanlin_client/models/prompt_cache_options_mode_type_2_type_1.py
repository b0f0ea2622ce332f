from enum import StrEnum


class PromptCacheOptionsModeType2Type1(StrEnum):
    EXPLICIT = "explicit"
    IMPLICIT = "implicit"

    def __str__(self) -> str:
        return str(self.value)
