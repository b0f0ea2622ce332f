"""`POST /v1/datasets` (JSON with a `file_id`, or a multipart upload with `file`), `GET /v1/datasets`
and `GET /v1/datasets/{id}`: cleaning runs with their status, progress and per-reason report.
The cleaning itself runs in a worker process (`server.jobs.cleaning`), never on the event loop."""

from __future__ import annotations

import json
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import Parameter

from datapipe.pipelines import PIPELINES, build_pipeline, file_ids
from datapipe.steps import SettingError
from server.errors import ERROR_RESPONSES, APIError, from_msgspec
from server.jobs.cleaning import CleaningRunner
from server.protocol_data import (
    CreateDatasetRequest,
    DatasetError,
    DatasetList,
    DatasetObject,
    DatasetReport,
    page,
)
from server.redact import public_message
from server.routes.files import check_purpose, get_file
from server.state.datasets import DatasetNotFound, DatasetStore
from server.state.files import FileStore
from server.state.tables import DatasetRow
from server.uploads import body_operation, form_schema, read_form

_STRING = Schema(type=OpenAPIType.STRING)
_PIPELINE = Schema(type=OpenAPIType.STRING, enum=list(PIPELINES), default="chat")
_OVERRIDES = Schema(type=OpenAPIType.OBJECT, additional_properties=Schema(type=OpenAPIType.OBJECT),
                    description='Per-step settings, e.g. {"minhash_dedup": {"threshold": 0.8}}; '
                                '{"enabled": false} leaves a step out.')
_CREATE = body_operation({
    "application/json": Schema(type=OpenAPIType.OBJECT, required=["file_id"], properties={
        "file_id": _STRING, "pipeline": _PIPELINE, "overrides": _OVERRIDES}),
    "multipart/form-data": form_schema(
        ["file"], pipeline=_PIPELINE, purpose=_STRING,
        overrides=Schema(type=OpenAPIType.STRING, description="the overrides object as JSON")),
})

MAX_JSON_BODY = 1 << 20


def dataset_object(row: DatasetRow) -> DatasetObject:
    error = (DatasetError(code=row.error_code, message=public_message(row.error_message or ""))
             if row.error_code else None)
    report = msgspec.convert(row.report, DatasetReport) if row.report else None
    return DatasetObject(id=row.id, created_at=row.created_at, pipeline=row.pipeline,
                         input_file_id=row.input_file_id, overrides=row.overrides,
                         status=row.status, progress=row.progress, attempts=row.attempts,  # type: ignore[arg-type]
                         started_at=row.started_at, finished_at=row.finished_at, report=report,
                         cleaned_file_id=row.cleaned_file_id,
                         rejected_file_id=row.rejected_file_id, error=error)


async def check_overrides(files: FileStore, pipeline: str,
                          overrides: dict[str, dict[str, Any]]) -> None:
    """Unknown steps or settings, values of the wrong type or out of bounds, and files the caller
    cannot read are a 400 (or 404) naming the field now, not a failed job."""
    try:
        build_pipeline(pipeline, overrides, scorer=lambda first, second: (0.0, 0.0))
    except SettingError as exc:
        reason = str(exc).removeprefix(f"{exc.field}: ")
        raise APIError(f"Invalid 'overrides.{exc.field}': {reason}",
                       param=f"overrides.{exc.field}", code="invalid_value") from None
    for field, file_id in file_ids(overrides).items():
        await get_file(files, file_id, f"overrides.{field}")


def _check_form_field(name: str, value: str) -> None:
    if name == "pipeline" and value not in PIPELINES:
        raise APIError(f"Invalid value for 'pipeline': {value!r}; expected one of "
                       f"{', '.join(PIPELINES)}.", param="pipeline", code="invalid_value")
    if name == "purpose":
        check_purpose(value)


async def _from_upload(request: Request[Any, Any, Any], files: FileStore, state: State
                       ) -> CreateDatasetRequest:
    form = await read_form(request, files.blobs, state.max_file_bytes,
                           frozenset({"pipeline", "overrides", "purpose"}), _check_form_field)
    try:
        if form.file is None or form.file.size == 0:
            raise APIError("Missing or empty 'file'.", param="file", code="invalid_value")
        try:
            overrides = json.loads(form.fields.get("overrides") or "{}")
            spec = msgspec.convert({"file_id": "", "pipeline": form.fields.get("pipeline", "chat"),
                                    "overrides": overrides}, CreateDatasetRequest)
        except (ValueError, msgspec.ValidationError) as exc:
            raise APIError(f"Invalid 'overrides': {exc}", param="overrides",
                           code="invalid_value") from None
        await check_overrides(files, spec.pipeline, spec.overrides)
        row = await files.create(form.file, filename=form.filename or "upload.jsonl",
                                 purpose=form.fields.get("purpose", "fine-tune"))
    except BaseException:
        if form.file is not None:
            form.file.path.unlink(missing_ok=True)
        raise
    return msgspec.structs.replace(spec, file_id=row.id)


async def _from_json(request: Request[Any, Any, Any], files: FileStore) -> CreateDatasetRequest:
    body = await request.body()
    if len(body) > MAX_JSON_BODY:
        raise APIError("The request body is too large.", status_code=413, code="too_large")
    try:
        spec = msgspec.json.decode(body, type=CreateDatasetRequest)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise from_msgspec(exc) from None
    await get_file(files, spec.file_id)
    await check_overrides(files, spec.pipeline, spec.overrides)
    return spec


@post("/v1/datasets", status_code=200, request_max_body_size=None, responses=ERROR_RESPONSES,
      summary="Clean a file into a dataset (JSON with file_id, or multipart with file)",
      operation_class=_CREATE)
async def create_dataset(request: Request[Any, Any, Any], files: FileStore,
                         datasets: DatasetStore, cleaning: CleaningRunner, state: State
                         ) -> DatasetObject:
    if request.headers.get("content-type", "").startswith("multipart/"):
        spec = await _from_upload(request, files, state)
    else:
        spec = await _from_json(request, files)
    row = await datasets.create(file_id=spec.file_id, pipeline=spec.pipeline,
                                overrides=spec.overrides)
    cleaning.submit(row.id)
    return dataset_object(row)


@get("/v1/datasets", summary="List datasets", responses=ERROR_RESPONSES)
async def list_datasets(
    datasets: DatasetStore,
    after: str | None = None,
    limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
) -> DatasetList:
    try:
        rows, has_more = await datasets.list(after=after, limit=limit)
    except DatasetNotFound:
        raise _no_such_dataset(after or "", "after") from None
    data = [dataset_object(r) for r in rows]
    return page(DatasetList, data, has_more)


@get("/v1/datasets/{dataset_id:str}", summary="Retrieve a dataset", responses=ERROR_RESPONSES)
async def retrieve_dataset(dataset_id: str, datasets: DatasetStore) -> DatasetObject:
    try:
        return dataset_object(await datasets.get(dataset_id))
    except DatasetNotFound:
        raise _no_such_dataset(dataset_id) from None


def _no_such_dataset(dataset_id: str, param: str = "dataset_id") -> APIError:
    return APIError(f"No such dataset: {dataset_id}", status_code=404, param=param,
                    code="not_found")
