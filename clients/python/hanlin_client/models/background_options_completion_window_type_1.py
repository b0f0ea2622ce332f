from enum import StrEnum


class BackgroundOptionsCompletionWindowType1(StrEnum):
    SOONEST = "soonest"
    VALUE_1 = "2h"
    VALUE_2 = "8h"

    def __str__(self) -> str:
        return str(self.value)
