from enum import StrEnum


class ResponseCreateRequestTruncationType1(StrEnum):
    DISABLED = "disabled"

    def __str__(self) -> str:
        return str(self.value)
