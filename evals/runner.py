"""Runs a task against an OpenAI-compatible endpoint: loads and renders the items, evaluates them
concurrently (requests bounded by the client, sandbox runs by their own semaphore), keeps a
record per item and aggregates the results. `run_task` is the entry point."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import msgspec

from agents.sandbox import SandboxConfig
from evals import scoring
from evals.cache import ResponseCache
from evals.client import EndpointConfig, EndpointError, ModelClient
from evals.modes import ItemContext, evaluate
from evals.prompts import fewshot_examples, render
from evals.records import Doc, EvalResults, ItemRecord
from evals.task import Task


class EvalRun(msgspec.Struct, kw_only=True):
    results: EvalResults
    items: list[ItemRecord]


def new_run_id(task: str) -> str:
    return f"{task}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"


async def _one(ctx: ItemContext, doc: Doc, pool: list[Doc]) -> ItemRecord:
    prompt = render(ctx.task.template, doc, fewshot_examples(pool, doc, ctx.task.template.fewshot))
    try:
        return await evaluate(ctx, doc, prompt)
    except (EndpointError, ValueError, KeyError, TypeError, IndexError) as exc:
        # A refused request or an answer of the wrong shape: recorded, never silently dropped.
        return ItemRecord(id=doc.id, prompt=prompt, references=doc.references,
                          error=f"{type(exc).__name__}: {exc}")


async def _all(ctx: ItemContext, items: list[Doc], pool: list[Doc],
               on_item: Callable[[ItemRecord], None] | None) -> list[ItemRecord]:
    async def one(doc: Doc) -> ItemRecord:
        record = await _one(ctx, doc, pool)
        if on_item is not None:
            on_item(record)
        return record

    try:
        async with asyncio.TaskGroup() as group:  # one failure (no sandbox) stops the rest
            tasks = [group.create_task(one(doc)) for doc in items]
    except BaseExceptionGroup as group_error:
        raise group_error.exceptions[0] from None
    return [t.result() for t in tasks]


async def run_task(task: Task, endpoint: EndpointConfig, *, docs: list[Doc] | None = None,
                   limit: int | None = None,
                   cache_path: str | Path | None = None,
                   transport: httpx.AsyncBaseTransport | None = None,
                   sandbox: SandboxConfig | None = None, sandbox_concurrency: int | None = None,
                   on_start: Callable[[int], None] | None = None,
                   on_item: Callable[[ItemRecord], None] | None = None,
                   run_id: str | None = None) -> EvalRun:
    """Evaluate the first `limit` items of `task` (all by default), or of `docs` when given
    (items the caller loaded, e.g. from an uploaded file). With `cache_path`, answers are read
    from and written to that SQLite file; `on_start(n)` and `on_item(record)` report progress.
    Raises SandboxUnavailable for a code task where the sandbox cannot run."""
    started, clock = time.time(), time.monotonic()
    pool = docs if docs is not None else await asyncio.to_thread(task.load)
    items = pool[:limit] if limit is not None else pool
    if on_start is not None:
        on_start(len(items))
    cache = await ResponseCache.open(cache_path) if cache_path is not None else None
    try:
        async with ModelClient(endpoint, cache=cache, transport=transport) as client:
            ctx = ItemContext(task=task, client=client, sandbox=sandbox or SandboxConfig.from_env(),
                              sandbox_slots=asyncio.Semaphore(
                                  sandbox_concurrency or os.cpu_count() or 1))
            records = await _all(ctx, items, pool, on_item)
    finally:
        if cache is not None:
            await cache.close()
    results = EvalResults(
        run_id=run_id or new_run_id(task.name), task=task.name, model=endpoint.model,
        base_url=endpoint.base_url, created_at=started,
        duration_s=round(time.monotonic() - clock, 3), counts=scoring.counts(records),
        metrics=scoring.metrics(task, records), unparsed_rate=scoring.unparsed_rate(records),
        extraction=task.extraction, task_config=msgspec.json.decode(msgspec.json.encode(task)))
    return EvalRun(results=results, items=records)
