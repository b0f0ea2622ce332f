from enum import StrEnum


class BenchmarkObjectMode(StrEnum):
    CODE = "code"
    GENERATE = "generate"
    LOGLIKELIHOOD = "loglikelihood"

    def __str__(self) -> str:
        return str(self.value)
