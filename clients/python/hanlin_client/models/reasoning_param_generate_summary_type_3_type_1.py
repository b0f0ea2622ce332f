from enum import StrEnum


class ReasoningParamGenerateSummaryType3Type1(StrEnum):
    AUTO = "auto"
    CONCISE = "concise"
    DETAILED = "detailed"

    def __str__(self) -> str:
        return str(self.value)
