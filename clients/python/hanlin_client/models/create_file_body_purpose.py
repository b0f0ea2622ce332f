from enum import StrEnum


class CreateFileBodyPurpose(StrEnum):
    BATCH = "batch"
    EVALS = "evals"
    FINE_TUNE = "fine-tune"
    USER_DATA = "user_data"

    def __str__(self) -> str:
        return str(self.value)
