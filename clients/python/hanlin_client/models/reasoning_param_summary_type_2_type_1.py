from enum import StrEnum


class ReasoningParamSummaryType2Type1(StrEnum):
    AUTO = "auto"
    CONCISE = "concise"
    DETAILED = "detailed"

    def __str__(self) -> str:
        return str(self.value)
