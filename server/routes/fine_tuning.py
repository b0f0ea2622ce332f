"""OpenAI's Fine-tuning API: `POST /v1/fine_tuning/jobs`, list (cursor), get, `POST .../cancel`,
`GET .../events` and `GET .../checkpoints`. Requests the trainer could not run are 400s here; the
work itself happens in `server.jobs.finetune`."""

from __future__ import annotations

import os
import random
import re
import time
from typing import Annotated, Any

import msgspec
from litestar import get, post
from litestar.datastructures import State
from litestar.params import Parameter

from engine.loaders import read_config
from server.errors import ERROR_RESPONSES, APIError, unsupported
from server.jobs.finetune import FineTuneRunner
from server.jobs.finetune_plan import (
    PlanError,
    check_bounds,
    check_trainer_config,
    resolve_method,
    trainer_config,
)
from server.model_registry import ModelRegistry, Served
from server.protocol_data import page
from server.protocol_finetune import (
    CheckpointList,
    CheckpointMetrics,
    CheckpointObject,
    CreateJobRequest,
    EventList,
    EventObject,
    HanlinOptions,
    JobError,
    JobList,
    JobObject,
)
from server.redact import public_message
from server.routes.files import get_file
from server.state.files import FileStore
from server.state.finetune import ACTIVE, FineTuneStore, JobNotFound, event_id, root_model
from server.state.tables import FineTuneJobRow

_SUFFIX = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_Limit = Annotated[int, Parameter(ge=1, le=100)]


def job_object(row: FineTuneJobRow) -> JobObject:
    error = (JobError(code=row.error_code, message=public_message(row.error_message or ""),
                      param=row.error_param) if row.error_code else None)
    # The options by name only: the row also keeps the resolved base's path, which no client reads.
    options = {k: v for k, v in row.extensions.items() if k in HanlinOptions.__struct_fields__}
    hanlin = {"options": options, "cleaned_file": row.cleaned_file,
              "validation_report": row.validation_report, "attempts": row.attempts,
              "step": row.last_step, "total_steps": row.total_steps,
              "visibility": row.visibility}
    return JobObject(id=row.id, created_at=row.created_at, finished_at=row.finished_at,
                     model=row.model, fine_tuned_model=row.fine_tuned_model,
                     result_files=row.result_files, status=row.status,  # type: ignore[arg-type]
                     validation_file=row.validation_file, training_file=row.training_file,
                     hyperparameters=row.method[row.method["type"]]["hyperparameters"],
                     method=row.method, trained_tokens=row.trained_tokens, error=error,
                     seed=row.seed, estimated_finish=row.estimated_finish,
                     user_provided_suffix=row.suffix, hanlin=hanlin)


def _base(model: str, registry: ModelRegistry) -> Served:
    """The model a job starts from, found by a served model's name only (never a path the
    client gives): a base model, or a full fine-tune the caller may use."""
    found = registry.lookup(model)
    if found.kind == "lora":
        raise APIError(f"Invalid 'model': {model} is a LoRA adapter, and fine-tuning an adapter "
                       f"is not supported yet; fine-tune its base model, {found.parent}.",
                       param="model", code="invalid_value")
    return found


async def _check_request(spec: CreateJobRequest, files: FileStore, registry: ModelRegistry
                         ) -> tuple[dict[str, Any], dict[str, Any]]:
    if spec.integrations:
        raise unsupported("integrations")
    if spec.suffix is not None and not _SUFFIX.match(spec.suffix):
        raise APIError("Invalid 'suffix': use 1 to 64 letters, digits, '-' or '_'.",
                       param="suffix", code="invalid_value")
    base = _base(spec.model, registry)
    path = str(base.path)
    training = await get_file(files, spec.training_file, "training_file")
    if training.purpose != "fine-tune":
        raise APIError(f"File {training.id} has purpose {training.purpose!r}; a training file "
                       "needs purpose 'fine-tune'.", param="training_file", code="invalid_value")
    if spec.validation_file is not None:
        await get_file(files, spec.validation_file, "validation_file")
    try:
        options = check_bounds(spec.hanlin or HanlinOptions(), cpus=os.cpu_count() or 1,
                               context=registry.max_model_len(base),
                               hidden=read_config(base.path).hidden_size)
        method = resolve_method(spec)
        check_trainer_config(trainer_config(model=path, method=method, options=options, seed=0,
                                            train_file="-", output_dir="-"))
    except PlanError as exc:
        raise APIError(str(exc), param=exc.param, code="invalid_value") from None
    # The resolved base goes with the options, kept server-side: job_object shows the options
    # only (a client never reads a server path).
    return method, msgspec.to_builtins(options) | {"base_path": path}


@post("/v1/fine_tuning/jobs", status_code=200, responses=ERROR_RESPONSES,
      summary="Create a fine-tuning job")
async def create_fine_tuning_job(data: CreateJobRequest, files: FileStore,
                                 fine_tunes: FineTuneStore, fine_tuning: FineTuneRunner,
                                 state: State) -> JobObject:
    method, extensions = await _check_request(data, files, state.registry)
    seed = data.seed if data.seed is not None else random.randrange(2**31)
    # Visibility is the models' (a column, changed by `POST /v1/models/{id}`), not a trainer option.
    visibility = extensions.pop("visibility", "private")
    row = await fine_tunes.create(model=data.model, training_file=data.training_file,
                                  validation_file=data.validation_file, suffix=data.suffix,
                                  seed=seed, method=method, visibility=visibility,
                                  extensions=extensions)
    if data.validation_file is not None:
        await fine_tunes.add_event(row.id, "The validation file is kept with the job; this "
                                   "trainer computes no validation loss yet.", level="warn")
    fine_tuning.submit(row.id)
    return job_object(row)


@get("/v1/fine_tuning/jobs", summary="List fine-tuning jobs", responses=ERROR_RESPONSES)
async def list_fine_tuning_jobs(fine_tunes: FineTuneStore, after: str | None = None,
                                limit: _Limit = 20) -> JobList:
    try:
        rows, has_more = await fine_tunes.list(after=after, limit=limit)
    except JobNotFound:
        raise _no_such_job(after or "", "after") from None
    return JobList(data=[job_object(r) for r in rows], has_more=has_more)


@get("/v1/fine_tuning/jobs/{job_id:str}", summary="Retrieve a fine-tuning job",
     responses=ERROR_RESPONSES)
async def retrieve_fine_tuning_job(job_id: str, fine_tunes: FineTuneStore) -> JobObject:
    return job_object(await _job(fine_tunes, job_id))


@post("/v1/fine_tuning/jobs/{job_id:str}/cancel", status_code=200, responses=ERROR_RESPONSES,
      summary="Cancel a fine-tuning job")
async def cancel_fine_tuning_job(job_id: str, fine_tunes: FineTuneStore,
                                 fine_tuning: FineTuneRunner) -> JobObject:
    job = await _job(fine_tunes, job_id)
    if not await fine_tunes.move(job_id, ACTIVE, "Fine-tuning job cancelled.",
                                 status="cancelled", finished_at=_now(), estimated_finish=None):
        job = await _job(fine_tunes, job_id)
        raise APIError(f"Job {job_id} has already {job.status}: only a job that is "
                       "validating_files, queued or running can be cancelled.",
                       param="job_id", code="invalid_state")
    fine_tuning.cancel(job.id)
    return job_object(await _job(fine_tunes, job_id))


@get("/v1/fine_tuning/jobs/{job_id:str}/events", summary="List a job's events, newest first",
     responses=ERROR_RESPONSES)
async def list_fine_tuning_events(job_id: str, fine_tunes: FineTuneStore,
                                  after: str | None = None, limit: _Limit = 20) -> EventList:
    await _job(fine_tunes, job_id)
    try:
        rows, has_more = await fine_tunes.events(job_id, after=after, limit=limit)
    except ValueError:
        raise APIError(f"No such event: {after}", status_code=404, param="after",
                       code="not_found") from None
    return EventList(data=[EventObject(id=event_id(r), created_at=r.created_at,
                                       level=r.level,  # type: ignore[arg-type]
                                       message=public_message(r.message),
                                       type=r.type, data=r.data)  # type: ignore[arg-type]
                           for r in rows], has_more=has_more)


@get("/v1/fine_tuning/jobs/{job_id:str}/checkpoints", responses=ERROR_RESPONSES,
     summary="List a job's checkpoints, newest first")
async def list_fine_tuning_checkpoints(job_id: str, fine_tunes: FineTuneStore,
                                       after: str | None = None, limit: _Limit = 10
                                       ) -> CheckpointList:
    job = await _job(fine_tunes, job_id)
    try:
        rows, has_more = await fine_tunes.checkpoints(job_id, after=after, limit=limit)
    except ValueError:
        raise APIError(f"No such checkpoint: {after}", status_code=404, param="after",
                       code="not_found") from None
    base = f"ft:{root_model(job.model)}:{job.suffix or 'hanlin'}:{job.id}"
    data = [CheckpointObject(id=r.id, created_at=r.created_at, fine_tuning_job_id=job_id,
                             fine_tuned_model_checkpoint=f"{base}:ckpt-step-{r.step}",
                             metrics=msgspec.convert(r.metrics, CheckpointMetrics),
                             step_number=r.step) for r in rows]
    return page(CheckpointList, data, has_more)


async def _job(fine_tunes: FineTuneStore, job_id: str) -> FineTuneJobRow:
    try:
        return await fine_tunes.get(job_id)
    except JobNotFound:
        raise _no_such_job(job_id) from None


def _no_such_job(job_id: str, param: str = "job_id") -> APIError:
    return APIError(f"No such fine-tuning job: {job_id}", status_code=404, param=param,
                    code="not_found")


def _now() -> int:
    return int(time.time())
