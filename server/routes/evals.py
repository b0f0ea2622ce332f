"""OpenAI's Evals API, the evals themselves: `POST /v1/evals`, list (cursor), get, update
(`POST /v1/evals/{id}`) and delete. An eval is refused here if a run could never grade with it;
runs and output items are in `server.routes.eval_runs`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import jsonschema
import msgspec
from litestar import delete, get, post
from litestar.params import Parameter

from evals.graders import GraderError, check
from server.errors import ERROR_RESPONSES, APIError
from server.jobs.evals import EvalRunner
from server.protocol_data import page
from server.protocol_evals import (
    CreateEvalRequest,
    CustomDataSourceConfig,
    CustomDataSourceConfigObject,
    EvalDeleted,
    EvalList,
    EvalObject,
    Grader,
    LabelModelGrader,
    ScoreModelGrader,
    UpdateEvalRequest,
)
from server.state.evals import EvalNotFound, EvalStore
from server.state.tables import EvalRow

Limit = Annotated[int, Parameter(ge=1, le=100)]
Order = Literal["asc", "desc"]
# What graders see as `sample` in a completions run (OpenAI's sample namespace).
SAMPLE_SCHEMA = {
    "type": "object",
    "properties": {"model": {"type": "string"}, "output_text": {"type": "string"},
                   "output_json": {"type": "object"}, "output_tools": {"type": "array"},
                   "choices": {"type": "array"}},
    "required": ["output_text"],
}


def eval_object(row: EvalRow) -> EvalObject:
    config = row.data_source_config
    properties, required = {"item": config["item_schema"]}, ["item"]
    if config.get("include_sample_schema"):
        properties["sample"], required = SAMPLE_SCHEMA, ["item", "sample"]
    schema = {"type": "object", "properties": properties, "required": required}
    return EvalObject(id=row.id, created_at=row.created_at, name=row.name, metadata=row.meta,
                      data_source_config=CustomDataSourceConfigObject(schema=schema),
                      testing_criteria=msgspec.convert(row.testing_criteria, list[Grader]))


def no_such_eval(eval_id: str, param: str = "eval_id") -> APIError:
    return APIError(f"No such eval: {eval_id}", status_code=404, param=param, code="not_found")


async def get_eval(evals: EvalStore, eval_id: str) -> EvalRow:
    try:
        return await evals.get_eval(eval_id)
    except EvalNotFound:
        raise no_such_eval(eval_id) from None


def _check_config(config: Any) -> CustomDataSourceConfig:
    if not isinstance(config, CustomDataSourceConfig):
        kind = config.__struct_config__.tag
        raise APIError(f"data_source_config type {kind!r} is not supported: this server keeps "
                       "no completion logs to query; use 'custom' with an item_schema.",
                       param="data_source_config.type", code="invalid_value")
    try:
        jsonschema.validators.validator_for(config.item_schema).check_schema(config.item_schema)
    except Exception as exc:  # a schema can break jsonschema in more ways than SchemaError
        reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        raise APIError(f"Invalid 'data_source_config.item_schema': {reason}",
                       param="data_source_config.item_schema", code="invalid_value") from None
    return config


def _check_criteria(criteria: list[Any]) -> list[Grader]:
    """Graders this server can run, under unique names (results are counted by name)."""
    names: set[str] = set()
    for i, grader in enumerate(criteria):
        where = f"testing_criteria[{i}]"
        if isinstance(grader, LabelModelGrader | ScoreModelGrader):
            kind = grader.__struct_config__.tag
            raise APIError(f"Grader type {kind!r} is not supported: model-graded criteria are "
                           "not implemented; use string_check, text_similarity or python.",
                           param=f"{where}.type", code="invalid_value")
        try:
            check(grader)
        except GraderError as exc:
            raise APIError(str(exc), param=f"{where}.{exc.field}", code="invalid_value") from None
        if grader.name in names:
            raise APIError(f"Two testing criteria are named {grader.name!r}; names must be "
                           "unique within an eval.", param=f"{where}.name", code="invalid_value")
        names.add(grader.name)
    return criteria


@post("/v1/evals", status_code=200, summary="Create an eval", responses=ERROR_RESPONSES)
async def create_eval(data: CreateEvalRequest, evals: EvalStore) -> EvalObject:
    config = _check_config(data.data_source_config)
    criteria = _check_criteria(data.testing_criteria)
    row = await evals.create_eval(name=data.name or "Untitled eval", meta=data.metadata,
                                  data_source_config=msgspec.to_builtins(config),
                                  testing_criteria=msgspec.to_builtins(criteria))
    return eval_object(row)


@get("/v1/evals", summary="List evals", responses=ERROR_RESPONSES)
async def list_evals(evals: EvalStore, after: str | None = None, limit: Limit = 20,
                     order: Order = "asc",
                     order_by: Literal["created_at", "updated_at"] = "created_at") -> EvalList:
    try:
        rows, has_more = await evals.list_evals(after=after, limit=limit, order=order,
                                                order_by=order_by)
    except EvalNotFound:
        raise no_such_eval(after or "", "after") from None
    return page(EvalList, [eval_object(r) for r in rows], has_more)


@get("/v1/evals/{eval_id:str}", summary="Retrieve an eval", responses=ERROR_RESPONSES)
async def retrieve_eval(eval_id: str, evals: EvalStore) -> EvalObject:
    return eval_object(await get_eval(evals, eval_id))


@post("/v1/evals/{eval_id:str}", status_code=200, summary="Update an eval's name or metadata",
      responses=ERROR_RESPONSES)
async def update_eval(eval_id: str, data: UpdateEvalRequest, evals: EvalStore) -> EvalObject:
    values: dict[str, Any] = {}
    if data.name is not None:
        values["name"] = data.name
    if data.metadata is not None:
        values["meta"] = data.metadata
    try:
        return eval_object(await evals.update_eval(eval_id, **values))
    except EvalNotFound:
        raise no_such_eval(eval_id) from None


@delete("/v1/evals/{eval_id:str}", status_code=200, summary="Delete an eval and its runs",
        responses=ERROR_RESPONSES)
async def delete_eval(eval_id: str, evals: EvalStore, eval_runs: EvalRunner) -> EvalDeleted:
    try:
        runs = await evals.delete_eval(eval_id)
    except EvalNotFound:
        raise no_such_eval(eval_id) from None
    for run_id in runs:
        eval_runs.cancel(run_id)
    return EvalDeleted(eval_id=eval_id)
