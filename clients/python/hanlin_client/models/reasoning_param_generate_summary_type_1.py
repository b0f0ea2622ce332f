from enum import StrEnum


class ReasoningParamGenerateSummaryType1(StrEnum):
    AUTO = "auto"
    CONCISE = "concise"
    DETAILED = "detailed"

    def __str__(self) -> str:
        return str(self.value)
