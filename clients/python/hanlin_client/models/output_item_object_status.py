from enum import StrEnum


class OutputItemObjectStatus(StrEnum):
    ERROR = "error"
    FAIL = "fail"
    PASS = "pass"

    def __str__(self) -> str:
        return str(self.value)
