from enum import StrEnum


class CreateDatasetJsonBodyPipeline(StrEnum):
    CHAT = "chat"
    CODE = "code"
    LONG_CONTEXT = "long_context"
    TEXT = "text"

    def __str__(self) -> str:
        return str(self.value)
