from enum import StrEnum


class ListEvalRunOutputItemsStatusType3Type1(StrEnum):
    ERROR = "error"
    FAIL = "fail"
    PASS = "pass"

    def __str__(self) -> str:
        return str(self.value)
