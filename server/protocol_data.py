"""Wire types of the data routes: OpenAI's file object and list pages, and hanlin's dataset
object (a cleaning run with its per-step, per-reason report)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import msgspec
from msgspec import Meta

from datapipe.report import StepReport
from server.protocol import Request

Purpose = Literal["fine-tune", "batch", "evals", "user_data"]
PipelineName = Literal["chat", "text", "code", "long_context"]
DatasetStatus = Literal["queued", "running", "succeeded", "failed"]


class FileObject(msgspec.Struct, kw_only=True):
    id: str
    object: Literal["file"] = "file"
    bytes: int
    created_at: int
    filename: str
    purpose: str
    # Stored files are complete when the row exists (the blob is renamed in first).
    status: Literal["uploaded", "processed", "error"] = "processed"
    status_details: str | None = None
    expires_at: int | None = None


class FileList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[FileObject]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


class FileDeleted(msgspec.Struct, kw_only=True):
    id: str
    object: Literal["file"] = "file"
    deleted: bool = True


Overrides = Annotated[dict[str, dict[str, Any]], Meta(max_length=32)]


class CreateDatasetRequest(Request):
    """`POST /v1/datasets` as JSON: clean a stored file. (A multipart form with `file` instead of
    `file_id` uploads and cleans in one call.)"""

    file_id: str
    pipeline: PipelineName = "chat"
    # Per step: {"minhash_dedup": {"threshold": 0.8}, "toxicity": {"enabled": false}}. Each step's
    # settings are checked against its typed, bounded Settings struct (datapipe): an unknown or
    # out-of-range field is a 400 naming it; files (a toxicity lexicon) are named by file id.
    overrides: Overrides = {}


class DatasetReport(msgspec.Struct, kw_only=True):
    """What cleaning did: every non-blank input line is kept or rejected, with its step and
    reason; per step the documents in, kept, removed and a few examples per reason."""

    lines: int
    kept: int
    rejected: int
    blank_lines: int
    steps: list[StepReport]
    settings: dict[str, dict[str, Any]]
    workers: int
    seconds: float


class DatasetError(msgspec.Struct, kw_only=True):
    code: str
    message: str


class DatasetObject(msgspec.Struct, kw_only=True):
    id: str
    object: Literal["dataset"] = "dataset"
    created_at: int
    pipeline: str
    input_file_id: str
    overrides: dict[str, dict[str, Any]]
    status: DatasetStatus
    progress: float  # 0..1 over the pipeline's passes
    attempts: int
    started_at: int | None = None
    finished_at: int | None = None
    report: DatasetReport | None = None
    cleaned_file_id: str | None = None
    rejected_file_id: str | None = None
    error: DatasetError | None = None


class DatasetList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[DatasetObject]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


Page = TypeVar("Page", bound=msgspec.Struct)


def page(cls: type[Page], data: list[Any], has_more: bool) -> Page:
    """A cursor page in OpenAI's shape: the items, the first and last ids, whether more follow."""
    return cls(data=data, first_id=data[0].id if data else None,  # type: ignore[call-arg]
               last_id=data[-1].id if data else None, has_more=has_more)
