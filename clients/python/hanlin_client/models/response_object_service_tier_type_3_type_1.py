from enum import StrEnum


class ResponseObjectServiceTierType3Type1(StrEnum):
    DEFAULT = "default"

    def __str__(self) -> str:
        return str(self.value)
