from enum import StrEnum


class ReasoningParamContextType1(StrEnum):
    ALL_TURNS = "all_turns"
    AUTO = "auto"
    CURRENT_TURN = "current_turn"

    def __str__(self) -> str:
        return str(self.value)
