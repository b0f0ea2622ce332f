"""Wire types of the Fine-tuning API, in OpenAI's shape (job, event, checkpoint, list pages),
plus hanlin's extensions to a job request under `hanlin` (LoRA, QLoRA, ZeRO, step caps)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from server.protocol import Request

MAX_LORA_RANK = 1024  # and at most the model's hidden size
ModuleName = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_.]{1,64}$")]
JobStatus = Literal["validating_files", "queued", "running", "succeeded", "failed", "cancelled"]
Auto = Literal["auto"]


class Hyperparameters(Request):
    """"auto" or a number each; the job object reports the values it resolved them to."""

    n_epochs: Auto | int = "auto"
    batch_size: Auto | int = "auto"
    learning_rate_multiplier: Auto | float = "auto"


class DpoHyperparameters(Hyperparameters):
    beta: Auto | float = "auto"


class SupervisedMethod(Request):
    hyperparameters: Hyperparameters | None = None


class DpoMethod(Request):
    hyperparameters: DpoHyperparameters | None = None


class Method(Request):
    type: Literal["supervised", "dpo"]
    supervised: SupervisedMethod | None = None
    dpo: DpoMethod | None = None


class HanlinOptions(Request):
    """hanlin's extensions. lora_rank 0 = full fine-tuning; zero_stage set = a DeepSpeed run.
    Every number has a fixed upper bound here; the machine's and the model's (cores, context,
    hidden size) are checked per request (`server.jobs.finetune_plan.check_bounds`)."""

    lora_rank: Annotated[int, Meta(ge=0, le=MAX_LORA_RANK)] = 8
    lora_alpha: Annotated[float, Meta(gt=0.0, le=1e4)] | None = None  # default: 2 x rank
    # default: every attention and MLP projection
    lora_targets: Annotated[list[ModuleName], Meta(max_length=64)] | None = None
    qlora: bool = False
    zero_stage: Literal[0, 1, 2, 3] | None = None
    nproc: Annotated[int, Meta(ge=1, le=1024)] = 1
    max_steps: Annotated[int, Meta(ge=1, le=10_000_000)] | None = None
    seq_len: Annotated[int, Meta(ge=8, le=1 << 20)] | None = None  # default: min(1024, context)
    checkpoint_every: Annotated[int, Meta(ge=0, le=10_000_000)] = 0  # 0: only at the end
    # torch threads per trainer rank (default: HANLIN_FINETUNE_THREADS)
    threads: Annotated[int, Meta(ge=1, le=4096)] | None = None
    # Who may use the models it makes besides their owner and admins (server/model_access.py);
    # `POST /v1/models/{id}` changes it later, per model.
    visibility: Literal["private", "public"] = "private"


class CreateJobRequest(Request):
    # A served model's name: the base model, or a fine-tuned model the caller may use (never a
    # path: the server resolves names to its own files).
    model: Annotated[str, Meta(max_length=256)]
    training_file: str
    validation_file: str | None = None
    suffix: str | None = None
    seed: Annotated[int, Meta(ge=0, le=2**32 - 1)] | None = None
    method: Method | None = None
    hyperparameters: Hyperparameters | None = None  # the legacy place, supervised only
    integrations: list[Any] | None = None
    metadata: Annotated[dict[str, Annotated[str, Meta(max_length=512)]],
                        Meta(max_length=16)] | None = None
    hanlin: HanlinOptions | None = None


class JobError(msgspec.Struct, kw_only=True):
    code: str
    message: str
    param: str | None = None


class JobObject(msgspec.Struct, kw_only=True, omit_defaults=False):
    id: str
    object: Literal["fine_tuning.job"] = "fine_tuning.job"
    created_at: int
    finished_at: int | None
    model: str
    fine_tuned_model: str | None
    organization_id: str = "org-hanlin"
    result_files: list[str]
    status: JobStatus
    validation_file: str | None
    training_file: str
    hyperparameters: dict[str, Any]
    method: dict[str, Any]
    trained_tokens: int | None
    error: JobError | None
    seed: int
    estimated_finish: int | None
    integrations: list[Any] = []
    metadata: dict[str, str] | None = None
    user_provided_suffix: str | None = None
    hanlin: dict[str, Any] = {}  # extensions, the cleaned file and the validation report


class JobList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[JobObject]
    has_more: bool = False


class EventObject(msgspec.Struct, kw_only=True):
    id: str
    object: Literal["fine_tuning.job.event"] = "fine_tuning.job.event"
    created_at: int
    level: Literal["info", "warn", "error"]
    message: str
    type: Literal["message", "metrics"]
    data: dict[str, Any] | None = None


class EventList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[EventObject]
    has_more: bool = False


class CheckpointMetrics(msgspec.Struct, kw_only=True):
    step: float | None = None
    train_loss: float | None = None
    train_mean_token_accuracy: float | None = None
    valid_loss: float | None = None
    valid_mean_token_accuracy: float | None = None
    full_valid_loss: float | None = None
    full_valid_mean_token_accuracy: float | None = None


class CheckpointObject(msgspec.Struct, kw_only=True):
    id: str
    object: Literal["fine_tuning.job.checkpoint"] = "fine_tuning.job.checkpoint"
    created_at: int
    fine_tuned_model_checkpoint: str
    fine_tuning_job_id: str
    metrics: CheckpointMetrics
    step_number: int


class CheckpointList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[CheckpointObject]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False
