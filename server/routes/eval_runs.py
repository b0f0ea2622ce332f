"""OpenAI's Evals API, runs and output items: create (items read once, checked against the
item_schema), list, get, cancel (`POST .../runs/{run_id}`, and `.../cancel` as the Python SDK
sends it), delete, output items. The work itself is `server.jobs.evals`."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any, Literal

import jsonschema
import msgspec
from litestar import Request, delete, get, post
from litestar.datastructures import State

from server.errors import ERROR_RESPONSES, APIError
from server.jobs.evals import EvalRunner
from server.protocol_data import page
from server.protocol_evals import (
    ACTIVE,
    CompletionsDataSource,
    CreateRunRequest,
    CriterionResult,
    DataSource,
    EvalError,
    FileContentSource,
    ItemReferenceInput,
    OutputItemList,
    OutputItemObject,
    RunDeleted,
    RunList,
    RunObject,
    RunStatus,
    RunTally,
)
from server.redact import public_message
from server.routes import check_model
from server.routes.evals import Limit, Order, get_eval
from server.routes.files import get_file
from server.state.evals import EvalStore, ItemNotFound, RunNotFound
from server.state.files import FileStore
from server.state.ownership import creator
from server.state.tables import EvalOutputItemRow, EvalRunRow

SOURCE = "data_source.source"


def run_object(row: EvalRunRow, base_url: str) -> RunObject:
    tally = msgspec.convert(row.tally, RunTally)
    error = (EvalError(code=row.error_code, message=public_message(row.error_message or ""))
             if row.error_code else None)
    return RunObject(id=row.id, eval_id=row.eval_id, name=row.name, model=row.model,
                     status=row.status, created_at=row.created_at,  # type: ignore[arg-type]
                     report_url=f"{base_url.rstrip('/')}/v1/evals/{row.eval_id}/runs/{row.id}",
                     result_counts=tally.result_counts,
                     per_testing_criteria_results=tally.per_testing_criteria_results,
                     per_model_usage=tally.per_model_usage,
                     data_source=msgspec.convert(row.data_source, DataSource), error=error,
                     metadata=row.meta)


def item_object(row: EvalOutputItemRow) -> OutputItemObject:
    return msgspec.convert({"id": row.id, "run_id": row.run_id, "eval_id": row.eval_id,
                            "created_at": row.created_at, "status": row.status,
                            "datasource_item_id": row.datasource_item_id,
                            "datasource_item": row.datasource_item, "results": row.results,
                            "sample": row.sample}, OutputItemObject)


async def _run(evals: EvalStore, eval_id: str, run_id: str) -> EvalRunRow:
    await get_eval(evals, eval_id)
    try:
        return await evals.get_run(run_id, eval_id)
    except RunNotFound:
        raise _no_such_run(run_id) from None


def _no_such_run(run_id: str, param: str = "run_id") -> APIError:
    return APIError(f"No such eval run: {run_id}", status_code=404, param=param,
                    code="not_found")


# ---- the items a run grades -------------------------------------------------------------------


def _check_completions(source: CompletionsDataSource, state: State) -> None:
    if source.model is None:
        raise APIError("Missing required parameter: 'data_source.model'.",
                       param="data_source.model", code="missing_required_parameter")
    try:  # the chat route's rule: the base model or a served fine-tuned one the caller may use
        check_model(state, source.model)
    except APIError as exc:
        raise APIError(exc.detail, status_code=exc.status_code, param="data_source.model",
                       code=exc.code) from None
    if source.input_messages is None:
        raise APIError("Missing required parameter: 'data_source.input_messages'.",
                       param="data_source.input_messages", code="missing_required_parameter")
    messages = source.input_messages
    if isinstance(messages, ItemReferenceInput) and not (
            messages.item_reference == "item" or messages.item_reference.startswith("item.")):
        raise APIError("item_reference must name a field of the item, e.g. 'item.messages'.",
                       param="data_source.input_messages.item_reference", code="invalid_value")


def _jsonl_rows(path: Path) -> list[dict[str, Any]]:
    """A file's `{"item": {...}, "sample"?: {...}}` lines; blank lines are skipped."""
    rows = []
    with path.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise _bad_line(number, f"not JSON ({exc})") from None
            if not isinstance(row, dict) or not isinstance(row.get("item"), dict):
                raise _bad_line(number, 'expected an object with an "item" object')
            if not isinstance(row.get("sample", {}), dict | None) or set(row) - {"item", "sample"}:
                raise _bad_line(number, 'only "item" and an optional "sample" object may be set')
            rows.append(row)
    return rows


def _bad_line(number: int, reason: str) -> APIError:
    return APIError(f"Line {number} of the file: {reason}.", param=f"{SOURCE}.id",
                    code="invalid_value")


def _check_items(rows: list[dict[str, Any]], schema: dict[str, Any], inline: bool) -> None:
    """Every item must match the eval's item_schema, as OpenAI requires."""
    if not rows:
        raise APIError("The data source has no items.", param=SOURCE, code="invalid_value")
    validator = jsonschema.validators.validator_for(schema)(schema)
    for i, row in enumerate(rows):
        try:
            error = jsonschema.exceptions.best_match(validator.iter_errors(row["item"]))
        except Exception as exc:  # e.g. a $ref that resolves nowhere
            error = exc
        if error is not None:
            where = f"{SOURCE}.content[{i}].item" if inline else f"{SOURCE}.id"
            path = "".join(f"[{p!r}]" for p in getattr(error, "absolute_path", ()))
            at = f" (at {path})" if path else ""
            raise APIError(f"Item {i} does not match the eval's item_schema: "
                           f"{getattr(error, 'message', error)}{at}", param=where,
                           code="invalid_value")


async def _items(source: Any, files: FileStore, schema: dict[str, Any]) -> list[dict[str, Any]]:
    if isinstance(source, FileContentSource):
        rows = [{k: v for k, v in msgspec.to_builtins(r).items() if v is not None}
                for r in source.content]
    else:
        row = await get_file(files, source.id, f"{SOURCE}.id")
        rows = await asyncio.to_thread(_jsonl_rows, files.content_path(row))
    # Off the event loop: a file of many items takes a while to check.
    await asyncio.to_thread(_check_items, rows, schema, isinstance(source, FileContentSource))
    return rows


# ---- routes -----------------------------------------------------------------------------------


@post("/v1/evals/{eval_id:str}/runs", status_code=200, summary="Start a run of an eval",
      responses=ERROR_RESPONSES)
async def create_eval_run(eval_id: str, data: CreateRunRequest, evals: EvalStore,
                          eval_runs: EvalRunner, files: FileStore,
                          request: Request[Any, Any, Any]) -> RunObject:
    row = await get_eval(evals, eval_id)
    source = data.data_source
    model = None
    if isinstance(source, CompletionsDataSource):
        _check_completions(source, request.app.state)
        model = source.model
    items = await _items(source.source, files, row.data_source_config["item_schema"])
    tally = RunTally(per_testing_criteria_results=[
        CriterionResult(testing_criteria=c["name"]) for c in row.testing_criteria])
    # Its samples ask the model as this caller (`owner`), who may use it (checked above).
    run = await evals.create_run(eval_id=eval_id, name=data.name or model or "jsonl",
                                 owner=creator(), model=model,
                                 data_source=msgspec.to_builtins(source),
                                 meta=data.metadata, items=items,
                                 tally=msgspec.to_builtins(tally))
    eval_runs.submit(run.id)
    return run_object(run, str(request.base_url))


@get("/v1/evals/{eval_id:str}/runs", summary="List an eval's runs", responses=ERROR_RESPONSES)
async def list_eval_runs(eval_id: str, evals: EvalStore, request: Request[Any, Any, Any],
                         after: str | None = None, limit: Limit = 20, order: Order = "asc",
                         status: RunStatus | None = None) -> RunList:
    await get_eval(evals, eval_id)
    try:
        rows, has_more = await evals.list_runs(eval_id, after=after, limit=limit, order=order,
                                               status=status)
    except RunNotFound:
        raise _no_such_run(after or "", "after") from None
    base = str(request.base_url)
    return page(RunList, [run_object(r, base) for r in rows], has_more)


@get("/v1/evals/{eval_id:str}/runs/{run_id:str}", summary="Retrieve an eval run",
     responses=ERROR_RESPONSES)
async def retrieve_eval_run(eval_id: str, run_id: str, evals: EvalStore,
                            request: Request[Any, Any, Any]) -> RunObject:
    return run_object(await _run(evals, eval_id, run_id), str(request.base_url))


async def _cancel(evals: EvalStore, eval_runs: EvalRunner, eval_id: str, run_id: str,
                  base_url: str) -> RunObject:
    await _run(evals, eval_id, run_id)
    if not await evals.move(run_id, ACTIVE, status="canceled", finished_at=int(time.time())):
        run = await _run(evals, eval_id, run_id)
        raise APIError(f"Run {run_id} is {run.status}: only a queued or in_progress run can "
                       "be canceled.", param="run_id", code="invalid_state")
    eval_runs.cancel(run_id)
    return run_object(await _run(evals, eval_id, run_id), base_url)


@post("/v1/evals/{eval_id:str}/runs/{run_id:str}", status_code=200, summary="Cancel an eval run",
      responses=ERROR_RESPONSES)
async def cancel_eval_run(eval_id: str, run_id: str, evals: EvalStore, eval_runs: EvalRunner,
                          request: Request[Any, Any, Any]) -> RunObject:
    return await _cancel(evals, eval_runs, eval_id, run_id, str(request.base_url))


@post("/v1/evals/{eval_id:str}/runs/{run_id:str}/cancel", status_code=200,
      summary="Cancel an eval run (the path the openai Python SDK uses)", responses=ERROR_RESPONSES)
async def cancel_eval_run_alias(eval_id: str, run_id: str, evals: EvalStore,
                                eval_runs: EvalRunner, request: Request[Any, Any, Any]
                                ) -> RunObject:
    return await _cancel(evals, eval_runs, eval_id, run_id, str(request.base_url))


@delete("/v1/evals/{eval_id:str}/runs/{run_id:str}", status_code=200,
        summary="Delete an eval run and its output items", responses=ERROR_RESPONSES)
async def delete_eval_run(eval_id: str, run_id: str, evals: EvalStore,
                          eval_runs: EvalRunner) -> RunDeleted:
    await _run(evals, eval_id, run_id)
    await evals.delete_run(run_id)
    eval_runs.cancel(run_id)
    return RunDeleted(run_id=run_id)


@get("/v1/evals/{eval_id:str}/runs/{run_id:str}/output_items",
     summary="List a run's output items", responses=ERROR_RESPONSES)
async def list_eval_run_output_items(eval_id: str, run_id: str, evals: EvalStore,
                                     after: str | None = None, limit: Limit = 20,
                                     order: Order = "asc",
                                     status: Literal["pass", "fail", "error"] | None = None
                                     ) -> OutputItemList:
    await _run(evals, eval_id, run_id)
    try:
        rows, has_more = await evals.list_items(run_id, after=after, limit=limit, order=order,
                                                status=status)
    except ItemNotFound:
        raise _no_such_item(after or "", "after") from None
    return page(OutputItemList, [item_object(r) for r in rows], has_more)


@get("/v1/evals/{eval_id:str}/runs/{run_id:str}/output_items/{output_item_id:str}",
     summary="Retrieve an output item of a run", responses=ERROR_RESPONSES)
async def retrieve_eval_run_output_item(eval_id: str, run_id: str, output_item_id: str,
                                        evals: EvalStore) -> OutputItemObject:
    await _run(evals, eval_id, run_id)
    try:
        return item_object(await evals.get_item(run_id, output_item_id))
    except ItemNotFound:
        raise _no_such_item(output_item_id) from None


def _no_such_item(item_id: str, param: str = "output_item_id") -> APIError:
    return APIError(f"No such output item: {item_id}", status_code=404, param=param,
                    code="not_found")
