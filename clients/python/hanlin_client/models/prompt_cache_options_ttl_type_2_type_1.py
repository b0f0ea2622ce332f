from enum import StrEnum


class PromptCacheOptionsTtlType2Type1(StrEnum):
    VALUE_0 = "30m"
    VALUE_1 = "12h"

    def __str__(self) -> str:
        return str(self.value)
