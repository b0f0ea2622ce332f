from enum import StrEnum


class ContainerAutoMemoryLimitType2Type1(StrEnum):
    VALUE_0 = "1g"

    def __str__(self) -> str:
        return str(self.value)
