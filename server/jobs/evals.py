"""Eval runs: a bounded set of asyncio workers, each running one run at a time with a few items
in flight (the engine batches their samples). Each graded item is recorded with the run's tallies
as it finishes, so a restart resumes a run where it stopped; a cancel stops it at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import msgspec
from litestar import Litestar

from agents.sandbox import SandboxConfig, SandboxLimits
from evals.graders import GradeResult, grade
from server.jobs.eval_samples import Sampler, given_sample
from server.jobs.run_queue import RunQueue
from server.protocol_evals import (
    CompletionsDataSource,
    CriterionResult,
    DataSource,
    EvalError,
    Grader,
    ModelUsage,
    RunTally,
    SampleObject,
)
from server.redact import public_message
from server.state.evals import EvalNotFound, EvalStore, RunNotFound, output_item_id
from server.state.tables import EvalOutputItemRow, EvalRunRow

log = logging.getLogger("hanlin.jobs")



class EvalConfig(msgspec.Struct, frozen=True, kw_only=True):
    max_concurrent: int = 1  # HANLIN_MAX_CONCURRENT_EVALS: runs at a time
    items_in_flight: int = 4  # HANLIN_EVAL_ITEMS_IN_FLIGHT: items of one run sampled at once
    grader_seconds: float = 10.0  # HANLIN_EVAL_GRADER_SECONDS: a python grader's wall clock

    @classmethod
    def from_env(cls) -> EvalConfig:
        env = os.environ
        return cls(max_concurrent=int(env.get("HANLIN_MAX_CONCURRENT_EVALS", "1")),
                   items_in_flight=int(env.get("HANLIN_EVAL_ITEMS_IN_FLIGHT", "4")),
                   grader_seconds=float(env.get("HANLIN_EVAL_GRADER_SECONDS", "10")))

    def sandbox(self) -> SandboxConfig:
        """The agents sandbox, with a grader's limits: CPU time as much as the wall clock."""
        seconds = max(1, round(self.grader_seconds))
        return msgspec.structs.replace(SandboxConfig.from_env(), limits=SandboxLimits(
            cpu_seconds=seconds, wall_seconds=self.grader_seconds))


class _RunGone(Exception):
    """The run was cancelled or deleted while an item was being graded."""


class EvalRunner:
    def __init__(self, store: EvalStore, config: EvalConfig | None = None) -> None:
        self.store = store
        self.config = config or EvalConfig.from_env()
        self.sandbox = self.config.sandbox()
        self._runs = RunQueue("eval", self._run, self._crashed, store)
        self._sampler: Sampler | None = None

    async def start(self, app: Litestar) -> None:
        """Samples go through `app`'s own routes, so this starts once the engine is up."""
        self._sampler = Sampler(app)
        await self._runs.start(self.config.max_concurrent, self._attempts, self._give_up)

    def submit(self, run_id: str) -> None:
        self._runs.submit(run_id)

    def cancel(self, run_id: str) -> None:
        """Stop a run now (the store already says canceled, or the run is deleted)."""
        self._runs.cancel(run_id)

    async def stop(self, requeue: bool = False) -> None:
        """Runs in progress resume at the next start: queued again (`requeue`, a shutdown), or
        left in_progress for the next start to requeue, the path a crash takes."""
        await self._runs.stop(requeue)
        if self._sampler is not None:
            await self._sampler.close()
            self._sampler = None

    async def _attempts(self, run_id: str) -> int:
        return (await self.store.get_run(run_id)).attempts

    async def _give_up(self, run_id: str, attempts: int) -> None:
        await self._fail(run_id, "interrupted", f"The server stopped during this run {attempts} "
                         "times; giving up. The items graded so far are kept.")

    async def _crashed(self, run_id: str, exc: BaseException) -> None:
        await self._fail(run_id, "internal_error", f"{type(exc).__name__}: {exc}")

    async def _fail(self, run_id: str, code: str, message: str) -> None:
        await self.store.move(run_id, ("queued", "in_progress"), status="failed",
                              error_code=code, error_message=message, finished_at=_now())

    async def _run(self, run_id: str) -> None:
        try:
            run = await self.store.get_run(run_id)
        except RunNotFound:
            return  # deleted while queued
        if not await self.store.move(run_id, ("queued",), status="in_progress",
                                     attempts=run.attempts + 1, started_at=_now()):
            return  # cancelled while queued
        try:
            row = await self.store.get_eval(run.eval_id)
        except EvalNotFound:
            return  # deleted with its eval
        graders = msgspec.convert(row.testing_criteria, list[Grader])
        source = msgspec.convert(run.data_source, DataSource)
        tally = msgspec.convert(run.tally, RunTally)
        done = await self.store.recorded(run_id)
        todo = [i for i in range(len(run.items)) if i not in done]
        lock = asyncio.Lock()  # tallies are written whole: one item's write at a time

        async def one(index: int) -> None:
            item = await self._grade(run, source, graders, index)
            async with lock:
                count(tally, item, graders)
                if not await self.store.record(item, msgspec.to_builtins(tally)):
                    raise _RunGone(run_id)

        try:
            await _bounded(todo, one, self.config.items_in_flight)
        except _RunGone:
            return
        await self.store.move(run_id, ("in_progress",), status="completed", finished_at=_now())

    async def _grade(self, run: EvalRunRow, source: Any, graders: list[Grader],
                     index: int) -> EvalOutputItemRow:
        row = run.items[index]
        item = row["item"]
        if isinstance(source, CompletionsDataSource):
            sample, namespace = await self._sample(source, item, run.owner)
        else:
            sample, namespace = given_sample(row.get("sample"))
        results: list[GradeResult] = []
        if sample.error is None:
            results = [await grade(g, item, namespace, self.sandbox) for g in graders]
        return EvalOutputItemRow(
            id=output_item_id(run.id, index), run_id=run.id, eval_id=run.eval_id,
            created_at=_now(), datasource_item_id=index, status=_status(sample, results),
            datasource_item=item, results=msgspec.to_builtins(results),
            sample=msgspec.to_builtins(sample))

    async def _sample(self, source: CompletionsDataSource, item: dict[str, Any],
                      owner: str | None) -> tuple[SampleObject, dict[str, Any] | None]:
        """The model's answer, asked as the run's key; an unexpected failure errors this item,
        not the whole run."""
        assert self._sampler is not None
        try:
            return await self._sampler.sample(source, item, owner)
        except Exception as exc:
            log.exception("sampling an eval item failed")
            error = EvalError(code="sampling_failed",
                              message=public_message(f"{type(exc).__name__}: {exc}"))
            return SampleObject(model=source.model, error=error), None


def _status(sample: SampleObject, results: list[GradeResult]) -> str:
    if sample.error is not None or any(r.error is not None for r in results):
        return "error"
    return "pass" if all(r.passed for r in results) else "fail"


def count(tally: RunTally, item: EvalOutputItemRow, graders: list[Grader]) -> None:
    """Add one graded item to the run's counts, per grader and per model."""
    counts = tally.result_counts
    counts.total += 1
    key = {"pass": "passed", "fail": "failed"}.get(item.status, "errored")
    setattr(counts, key, getattr(counts, key) + 1)
    per = {c.testing_criteria: c for c in tally.per_testing_criteria_results}
    for grader in graders:
        per.setdefault(grader.name, CriterionResult(testing_criteria=grader.name))
    for result in item.results:
        entry = per[result["name"]]
        field = "errored" if result["error"] is not None else (
            "passed" if result["passed"] else "failed")
        setattr(entry, field, getattr(entry, field) + 1)
    tally.per_testing_criteria_results = [per[g.name] for g in graders]
    _count_usage(tally, item.sample)


def _count_usage(tally: RunTally, sample: dict[str, Any]) -> None:
    usage, model = sample.get("usage"), sample.get("model")
    if usage is None or model is None:
        return
    entry = next((u for u in tally.per_model_usage if u.model_name == model), None)
    if entry is None:
        entry = ModelUsage(model_name=model)
        tally.per_model_usage.append(entry)
    entry.invocation_count += 1
    for name in ("prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens"):
        setattr(entry, name, getattr(entry, name) + usage[name])


async def _bounded(indices: Iterable[int], body: Callable[[int], Awaitable[None]],
                   limit: int) -> None:
    """`body(i)` for each index, at most `limit` at a time; the first error cancels the rest."""
    pending = iter(indices)

    async def lane() -> None:
        for index in pending:
            await body(index)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, limit)):
                group.create_task(lane())
    except BaseExceptionGroup as failed:  # the first cause, as a plain loop would raise it
        raise failed.exceptions[0] from None


def _now() -> int:
    return int(time.time())
