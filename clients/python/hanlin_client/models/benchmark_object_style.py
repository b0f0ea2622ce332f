from enum import StrEnum


class BenchmarkObjectStyle(StrEnum):
    CHAT = "chat"
    COMPLETION = "completion"

    def __str__(self) -> str:
        return str(self.value)
