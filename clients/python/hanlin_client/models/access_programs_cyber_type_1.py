from enum import StrEnum


class AccessProgramsCyberType1(StrEnum):
    DAYBREAK_BLUE = "daybreak_blue"
    DAYBREAK_RED = "daybreak_red"
    STANDARD = "standard"

    def __str__(self) -> str:
        return str(self.value)
