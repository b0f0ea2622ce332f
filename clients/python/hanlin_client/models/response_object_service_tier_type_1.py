from enum import StrEnum


class ResponseObjectServiceTierType1(StrEnum):
    DEFAULT = "default"

    def __str__(self) -> str:
        return str(self.value)
