from enum import StrEnum


class TemplateMessageTypeType3Type1(StrEnum):
    MESSAGE = "message"

    def __str__(self) -> str:
        return str(self.value)
