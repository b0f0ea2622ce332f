"""Benchmark runs: a bounded set of workers, each running one built-in task (`evals.run_task`) on
a served model through this app's own routes, in-process. Answers go to a per-run SQLite cache,
so a run a restart interrupted is requeued and resumes without asking again."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from agents.sandbox import SandboxUnavailable
from evals import CodeExecution, EndpointConfig, EvalRun, ItemRecord, Task, get_task, run_task
from evals.data import DataUnavailable
from evals.report import write_run
from server.auth import acting_for
from server.jobs.run_queue import RunQueue
from server.protocol_benchmarks import BenchmarkTally
from server.protocol_evals import CriterionResult
from server.state.benchmarks import BenchmarkRunNotFound, BenchmarkStore
from server.state.config import DEFAULT_MAX_FILE_BYTES, StateConfig
from server.state.files import FileStore
from server.state.tables import BenchmarkRunRow, FileRow

log = logging.getLogger("hanlin.jobs")

BASE_URL = "http://hanlin/v1"  # the app itself, through ASGI: no socket, same routes and checks
FULL_MARKS = 1.0 - 1e-9  # an item passes a metric it scores 1 on (floats: pass@k is c/n)


class BenchmarkConfig(msgspec.Struct, frozen=True, kw_only=True):
    root: str  # HANLIN_HOME/benchmarks: a folder per run (cache, results, items, report)
    max_concurrent: int = 1  # HANLIN_MAX_CONCURRENT_BENCHMARKS: runs at a time
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES

    @classmethod
    def from_env(cls, state: StateConfig) -> BenchmarkConfig:
        return cls(root=str(state.home_path / "benchmarks"),
                   max_concurrent=int(os.environ.get("HANLIN_MAX_CONCURRENT_BENCHMARKS", "1")),
                   max_file_bytes=state.max_file_bytes)


class _RunGone(Exception):
    """The run was cancelled while its results were being registered."""


def configured(task: Task, params: dict[str, Any] | None) -> Task:
    """The task with the run's sampling settings in place of its own."""
    if not params:
        return task
    code = task.mode if isinstance(task.mode, CodeExecution) else None
    gen = code.generate if code is not None else task.mode
    # `seed` has no field in the task: `_Seeded` adds it to each request instead.
    names = {"temperature": "temperature", "max_completion_tokens": "max_tokens", "top_p": "top_p"}
    gen = msgspec.structs.replace(gen, **{names[k]: v for k, v in params.items()
                                          if k in names and v is not None})
    mode = msgspec.structs.replace(code, generate=gen) if code is not None else gen
    return msgspec.structs.replace(task, mode=mode)


def empty_tally(metrics: tuple[str, ...]) -> BenchmarkTally:
    return BenchmarkTally(per_testing_criteria_results=[
        CriterionResult(testing_criteria=name) for name in metrics])


def count(tally: BenchmarkTally, record: ItemRecord) -> None:
    """Add one item: it passes when the first metric gives it full marks; per metric likewise."""
    counts, per = tally.result_counts, tally.per_testing_criteria_results
    counts.total += 1
    if record.error is not None:
        counts.errored += 1
        for entry in per:
            entry.errored += 1
        return
    first = per[0].testing_criteria if per else None
    if record.scores.get(first or "", 0.0) >= FULL_MARKS:
        counts.passed += 1
    else:
        counts.failed += 1
    for entry in per:
        score = record.scores.get(entry.testing_criteria)
        if score is not None:  # e.g. pass@10 of an item with fewer answers
            field = "passed" if score >= FULL_MARKS else "failed"
            setattr(entry, field, getattr(entry, field) + 1)


class _Seeded(httpx.AsyncBaseTransport):
    """Adds the run's `seed` to every request: the tasks' generation settings have none."""

    def __init__(self, inner: httpx.AsyncBaseTransport, seed: int) -> None:
        self.inner, self.seed = inner, seed

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) | {"seed": self.seed}
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"content-length"]
        return await self.inner.handle_async_request(httpx.Request(
            request.method, request.url, headers=headers, content=json.dumps(body).encode()))


class _OnBehalf(httpx.AsyncBaseTransport):
    """Names the key a run is for on every request (`server.auth.acting_for`)."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None, owner: str | None) -> None:
        assert inner is not None, "start() sets the transport"
        self.inner, self.headers = inner, acting_for(owner)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers.update(self.headers)
        return await self.inner.handle_async_request(request)


class _Progress:
    """Counts items as they finish (`on_start`, `on_item`); one writer saves the newest counts,
    in order, a write at a time, while the run is in progress."""

    def __init__(self, store: BenchmarkStore, run_id: str, metrics: tuple[str, ...]) -> None:
        self.store, self.run_id, self.tally = store, run_id, empty_tally(metrics)
        self._changed, self._closed = asyncio.Event(), False
        self._writer = asyncio.create_task(self._save())

    def start(self, items: int) -> None:
        self.tally.items = items
        self._changed.set()

    def add(self, record: ItemRecord) -> None:
        count(self.tally, record)
        self._changed.set()

    async def _save(self) -> None:
        while True:
            await self._changed.wait()
            if self._closed:
                return
            self._changed.clear()
            await self.store.move(self.run_id, ("in_progress",),
                                  tally=msgspec.to_builtins(self.tally))

    async def close(self) -> None:
        """Let a write under way finish (never cut a transaction), then stop."""
        self._closed = True
        self._changed.set()
        for outcome in await asyncio.gather(self._writer, return_exceptions=True):
            if isinstance(outcome, Exception):
                log.error("saving the progress of %s failed", self.run_id, exc_info=outcome)


class BenchmarkRunner:
    def __init__(self, store: BenchmarkStore, files: FileStore, config: BenchmarkConfig) -> None:
        self.store, self.files, self.config = store, files, config
        self.root = Path(config.root)
        self._runs = RunQueue("benchmark", self._run, self._crashed, store)
        self._transport: httpx.AsyncBaseTransport | None = None
        self._api_key: str | None = None

    async def start(self, app: Litestar | None,
                    transport: httpx.AsyncBaseTransport | None = None) -> None:
        """Runs call `app`'s routes (or `transport`, a test double): start once it serves."""
        self._transport = transport or httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        # The app's own key for in-process calls: its guard lets the server's jobs through.
        self._api_key = getattr(app.state, "internal_token", None) if app is not None else None
        await self._runs.start(self.config.max_concurrent, self._attempts, self._give_up)

    def submit(self, run_id: str) -> None:
        self._runs.submit(run_id)

    def cancel(self, run_id: str) -> None:
        """Stop a run now (the store already says canceled)."""
        self._runs.cancel(run_id)

    async def stop(self, requeue: bool = False) -> None:
        """Runs in progress resume at the next start: queued again (`requeue`, a shutdown), or
        left in_progress for the next start to requeue, the path a crash takes."""
        await self._runs.stop(requeue)

    async def _attempts(self, run_id: str) -> int:
        return (await self.store.get(run_id)).attempts

    async def _give_up(self, run_id: str, attempts: int) -> None:
        await self._fail(run_id, "interrupted",
                         f"The server stopped during this run {attempts} times; giving up.")

    async def _crashed(self, run_id: str, exc: BaseException) -> None:
        await self._fail(run_id, "internal_error", f"{type(exc).__name__}: {exc}")

    async def _fail(self, run_id: str, code: str, message: str) -> None:
        await self.store.move(run_id, ("queued", "in_progress"), status="failed",
                              error_code=code, error_message=message, finished_at=_now())

    async def _run(self, run_id: str) -> None:
        try:
            run = await self.store.get(run_id)
        except BenchmarkRunNotFound:
            return
        task = configured(get_task(run.task), run.sampling_params)
        # A resumed run counts again from zero: its cached answers come back as items finish.
        if not await self.store.move(run_id, ("queued",), status="in_progress",
                                     attempts=run.attempts + 1, started_at=_now(),
                                     tally=msgspec.to_builtins(empty_tally(
                                         task.metric_names()))):
            return  # cancelled while queued
        progress = _Progress(self.store, run_id, task.metric_names())
        seed = (run.sampling_params or {}).get("seed")
        # As the run's key: its requests reach only the models that key may use.
        transport = _OnBehalf(self._transport, run.owner)
        transport = transport if seed is None else _Seeded(transport, seed)
        endpoint = EndpointConfig(base_url=BASE_URL, model=run.model, concurrency=run.concurrency,
                                  api_key=self._api_key)
        try:
            result = await run_task(task, endpoint, limit=run.item_limit, run_id=run_id,
                                    cache_path=self.root / run_id / "cache.sqlite",
                                    transport=transport, on_start=progress.start,
                                    on_item=progress.add)
        except SandboxUnavailable as exc:
            await self._fail(run_id, "sandbox_unavailable", f"{task.name} runs the model's "
                             f"code, and the sandbox cannot run here: {exc}")
            return
        except DataUnavailable as exc:
            await self._fail(run_id, "data_unavailable", str(exc))
            return
        finally:
            await progress.close()
        await asyncio.to_thread(write_run, result, self.root)
        await self._complete(run, result, task.metric_names())

    async def _complete(self, run: BenchmarkRunRow, result: EvalRun,
                        metrics: tuple[str, ...]) -> None:
        """Register report.html and items.jsonl as Files and mark the run completed in one
        transaction: a cancel that came first keeps neither."""
        folder = self.root / run.id
        staged = [(await self.files.blobs.stage(_read(folder / name), self.config.max_file_bytes),
                   f"{run.id}-{name}", "evals") for name in ("report.html", "items.jsonl")]
        tally = empty_tally(metrics)
        tally.items = len(result.items)
        for record in result.items:
            count(tally, record)

        async def completed(session: AsyncSession, rows: list[FileRow]) -> None:
            if not await BenchmarkStore.move_in(
                    session, run.id, ("in_progress",), status="completed", finished_at=_now(),
                    tally=msgspec.to_builtins(tally), unparsed_rate=result.results.unparsed_rate,
                    metrics=msgspec.to_builtins(result.results.metrics),
                    report_file_id=rows[0].id, items_file_id=rows[1].id):
                raise _RunGone(run.id)

        try:
            await self.files.create_many(staged, then=completed, owner=run.owner)
        except _RunGone:
            pass


async def _read(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while chunk := await asyncio.to_thread(f.read, 1 << 20):
            yield chunk


def _now() -> int:
    return int(time.time())
