"""`/v1/benchmarks` (hanlin's extension of the Evals API): list the built-in tasks, start one on
any served model (fine-tuned ones included), list, retrieve and cancel its runs. The work itself
is `server.jobs.benchmarks`."""

from __future__ import annotations

import asyncio
import functools
import time

import msgspec
from litestar import get, post
from litestar.datastructures import State

from evals import BUILTIN, Loglikelihood, MetricValue, Task
from evals.data import DataUnavailable
from server.errors import ERROR_RESPONSES, APIError
from server.jobs.benchmarks import BenchmarkRunner, empty_tally
from server.protocol_benchmarks import (
    BenchmarkList,
    BenchmarkObject,
    BenchmarkProgress,
    BenchmarkRunList,
    BenchmarkRunObject,
    BenchmarkSamplingParams,
    BenchmarkTally,
    CreateBenchmarkRunRequest,
)
from server.protocol_data import page
from server.protocol_evals import ACTIVE, EvalError, RunStatus
from server.redact import public_message
from server.routes import check_model
from server.routes.evals import Limit, Order
from server.state.benchmarks import BenchmarkRunNotFound, BenchmarkStore
from server.state.tables import BenchmarkRunRow

DEFAULT_CONCURRENCY = 8


@functools.cache
def _item_count(name: str) -> int | None:
    """Counted once per process: it reads the whole set."""
    try:
        return len(BUILTIN[name].load())
    except DataUnavailable:
        return None


def benchmark_object(task: Task, items: int | None) -> BenchmarkObject:
    return BenchmarkObject(id=task.name, description=task.description,
                           mode=task.mode.__struct_config__.tag,  # type: ignore[arg-type]
                           style=task.template.style, metrics=list(task.metric_names()),
                           items=items)


def run_object(row: BenchmarkRunRow) -> BenchmarkRunObject:
    tally = msgspec.convert(row.tally, BenchmarkTally)
    error = (EvalError(code=row.error_code, message=public_message(row.error_message or ""))
             if row.error_code else None)
    params = (msgspec.convert(row.sampling_params, BenchmarkSamplingParams)
              if row.sampling_params else None)
    return BenchmarkRunObject(
        id=row.id, task=row.task, model=row.model, status=row.status,  # type: ignore[arg-type]
        created_at=row.created_at, started_at=row.started_at, finished_at=row.finished_at,
        limit=row.item_limit, concurrency=row.concurrency, sampling_params=params,
        result_counts=tally.result_counts,
        per_testing_criteria_results=tally.per_testing_criteria_results,
        metrics=msgspec.convert(row.metrics or [], list[MetricValue]),
        unparsed_rate=row.unparsed_rate, report_file_id=row.report_file_id,
        items_file_id=row.items_file_id,
        progress=BenchmarkProgress(completed=tally.result_counts.total, total=tally.items),
        error=error, metadata=row.meta)


def _no_such_run(run_id: str, param: str = "run_id") -> APIError:
    return APIError(f"No such benchmark run: {run_id}", status_code=404, param=param,
                    code="not_found")


async def _get(store: BenchmarkStore, run_id: str) -> BenchmarkRunRow:
    try:
        return await store.get(run_id)
    except BenchmarkRunNotFound:
        raise _no_such_run(run_id) from None


def _task(name: str) -> Task:
    task = BUILTIN.get(name)
    if task is None:
        raise APIError(f"Unknown task {name!r}; the built-in tasks are: {', '.join(BUILTIN)} "
                       "(GET /v1/benchmarks).", param="task", code="invalid_value")
    return task


def _sampling(task: Task, params: BenchmarkSamplingParams | None) -> dict[str, object] | None:
    given = {k: v for k, v in msgspec.to_builtins(params or {}).items() if v is not None}
    if given and isinstance(task.mode, Loglikelihood):  # refused, never silently ignored
        raise APIError(f"Task {task.name!r} scores the log-likelihood of each choice and "
                       "samples nothing: sampling_params do not apply.",
                       param="sampling_params", code="invalid_value")
    return given or None


@get("/v1/benchmarks", summary="List the built-in benchmark tasks", responses=ERROR_RESPONSES)
async def list_benchmarks() -> BenchmarkList:
    # Off the event loop: the first listing reads every task's data once.
    counts = await asyncio.to_thread(lambda: [_item_count(name) for name in BUILTIN])
    return BenchmarkList(data=[benchmark_object(task, n)
                               for task, n in zip(BUILTIN.values(), counts, strict=True)])


@post("/v1/benchmarks/runs", status_code=200, summary="Start a benchmark run on a served model",
      responses=ERROR_RESPONSES)
async def create_benchmark_run(data: CreateBenchmarkRunRequest, benchmarks: BenchmarkStore,
                               benchmark_runs: BenchmarkRunner, state: State
                               ) -> BenchmarkRunObject:
    task = _task(data.task)
    check_model(state, data.model)  # the chat route's rule: base or an `ft:` model it may use
    params = _sampling(task, data.sampling_params)
    row = await benchmarks.create(
        task=task.name, model=data.model, item_limit=data.limit,
        concurrency=data.concurrency or DEFAULT_CONCURRENCY, sampling_params=params,
        meta=data.metadata, tally=msgspec.to_builtins(empty_tally(task.metric_names())))
    benchmark_runs.submit(row.id)
    return run_object(row)


@get("/v1/benchmarks/runs", summary="List benchmark runs", responses=ERROR_RESPONSES)
async def list_benchmark_runs(benchmarks: BenchmarkStore, after: str | None = None,
                              limit: Limit = 20, order: Order = "asc",
                              status: RunStatus | None = None) -> BenchmarkRunList:
    try:
        rows, has_more = await benchmarks.list(after=after, limit=limit, order=order,
                                               status=status)
    except BenchmarkRunNotFound:
        raise _no_such_run(after or "", "after") from None
    return page(BenchmarkRunList, [run_object(r) for r in rows], has_more)


@get("/v1/benchmarks/runs/{run_id:str}", summary="Retrieve a benchmark run",
     responses=ERROR_RESPONSES)
async def retrieve_benchmark_run(run_id: str, benchmarks: BenchmarkStore) -> BenchmarkRunObject:
    return run_object(await _get(benchmarks, run_id))


@post("/v1/benchmarks/runs/{run_id:str}/cancel", status_code=200,
      summary="Cancel a queued or running benchmark run", responses=ERROR_RESPONSES)
async def cancel_benchmark_run(run_id: str, benchmarks: BenchmarkStore,
                               benchmark_runs: BenchmarkRunner) -> BenchmarkRunObject:
    await _get(benchmarks, run_id)
    if not await benchmarks.move(run_id, ACTIVE, status="canceled", finished_at=int(time.time())):
        run = await _get(benchmarks, run_id)
        raise APIError(f"Run {run_id} is {run.status}: only a queued or in_progress run can be "
                       "canceled.", param="run_id", code="invalid_state")
    benchmark_runs.cancel(run_id)
    return run_object(await _get(benchmarks, run_id))
