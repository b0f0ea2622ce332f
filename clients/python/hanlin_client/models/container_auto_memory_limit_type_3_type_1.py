from enum import StrEnum


class ContainerAutoMemoryLimitType3Type1(StrEnum):
    VALUE_0 = "1g"

    def __str__(self) -> str:
        return str(self.value)
