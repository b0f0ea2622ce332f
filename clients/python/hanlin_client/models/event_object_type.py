from enum import StrEnum


class EventObjectType(StrEnum):
    MESSAGE = "message"
    METRICS = "metrics"

    def __str__(self) -> str:
        return str(self.value)
