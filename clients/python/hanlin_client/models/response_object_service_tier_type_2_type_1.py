from enum import StrEnum


class ResponseObjectServiceTierType2Type1(StrEnum):
    DEFAULT = "default"

    def __str__(self) -> str:
        return str(self.value)
