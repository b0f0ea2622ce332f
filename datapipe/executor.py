"""The local executor: passes over shards in a process pool. Workers run per-document steps and
emit small keys for global steps (hashes; MinHash bands + signature); the parent decides (LSH,
union-find, ordering) and the next pass applies it. Shard-order merging makes N workers equal 1.
"""

from __future__ import annotations

import heapq
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

import msgspec

from datapipe.io import ReadSettings, Shard, plan_shards
from datapipe.report import Progress, Report, StepStats
from datapipe.steps import GlobalStep, Step
from datapipe.worker import PassResult, PassTask, run_pass

ProgressCallback = Callable[[Progress], None]


@dataclass
class _Pass:
    steps: list[Step] = field(default_factory=list)
    key_steps: list[GlobalStep] = field(default_factory=list)  # decided after this pass
    in_parent: bool = False


def plan_passes(steps: list[Step]) -> list[_Pass]:
    """Cut the step list after every run of global steps and wherever steps switch between
    workers and the parent; a trailing pass applies the last global decision."""
    passes = [_Pass()]
    for step in steps:
        cur = passes[-1]
        if isinstance(step, GlobalStep):
            cur.key_steps.append(step)
        elif cur.key_steps or (cur.steps and step.in_parent != cur.in_parent):
            passes.append(_Pass([step], in_parent=step.in_parent))
        else:
            cur.steps.append(step)
            cur.in_parent = step.in_parent
    if passes[-1].key_steps:
        passes.append(_Pass())
    return passes


def default_shard_bytes(size: int, workers: int) -> int:
    # Several shards per worker keep workers busy to the end; 32 MiB caps a shard's memory.
    return max(1 << 20, min(32 << 20, size // (4 * max(1, workers)) + 1))


def execute(steps: list[Step], *, input_path: str, out_dir: str, pipeline: str, chat: bool,
            read: ReadSettings, settings: dict[str, dict], workers: int = 1,
            progress: ProgressCallback | None = None, shard_bytes: int | None = None) -> Report:
    """Run `steps` over the JSONL file; write cleaned / rejected / report into `out_dir`."""
    started = time.perf_counter()
    os.makedirs(out_dir, exist_ok=True)
    size = os.path.getsize(input_path)
    shards = plan_shards(input_path, shard_bytes or default_shard_bytes(size, workers))
    passes = plan_passes(steps)
    run = _Run(steps, os.path.join(out_dir, f".work-{os.getpid()}-{time.monotonic_ns()}"),
               read, chat, progress)
    pool = None
    try:
        if workers > 1 and len(shards) > 1 and any(not p.in_parent for p in passes):
            pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
        sources: list[Shard | str] = list(shards)
        for index, plan in enumerate(passes):
            total = size if index == 0 else sum(os.path.getsize(str(s)) for s in sources)
            sources = run.one_pass(index, len(passes), plan, sources, total,
                                   None if plan.in_parent else pool)
        cleaned = _merge(os.path.join(out_dir, "cleaned.jsonl"), run.work, run.final_parts)
        rejected_path = _write_rejected(os.path.join(out_dir, "rejected.jsonl"),
                                        [run.rejected_parts[i] for i in range(len(shards))])
    finally:
        if pool is not None:
            pool.shutdown()
        shutil.rmtree(run.work, ignore_errors=True)
    step_reports = [s.to_report() for s in run.stats.values()]
    rejected = sum(r.removed for r in step_reports)
    lines = step_reports[0].docs_in
    report = Report(pipeline=pipeline, input_path=input_path, lines=lines, kept=lines - rejected,
                    rejected=rejected, blank_lines=run.blank, steps=step_reports,
                    settings=settings, cleaned_path=cleaned, rejected_path=rejected_path,
                    workers=workers, seconds=round(time.perf_counter() - started, 3))
    _atomic_write(os.path.join(out_dir, "report.json"), msgspec.json.format(report.to_json()))
    return report


class _Run:
    """The parent's state across passes: merged stats, the pending global decision, the parts
    each pass wrote."""

    def __init__(self, steps: list[Step], work: str, read: ReadSettings, chat: bool,
                 progress: ProgressCallback | None) -> None:
        self.steps, self.work, self.read, self.chat = steps, work, read, chat
        self.progress = progress
        os.makedirs(work)
        self.stats = {"read": StepStats("read", "read")}
        self.stats.update({s.name: StepStats(s.name, s.kind) for s in steps})
        self.pending: dict[int, dict] = {}  # shard -> drops / notes decided by the parent
        self.drop_steps: list[tuple[str, str]] = []
        self.rejected_parts: dict[int, list[tuple[str, list[int]]]] = defaultdict(list)
        self.final_parts: list[tuple[str, list | None]] = []
        self.blank = 0

    def one_pass(self, index: int, stages: int, plan: _Pass, sources: list[Shard | str],
                 total: int, pool: ProcessPoolExecutor | None) -> list[Shard | str]:
        final = index == stages - 1
        tasks = [PassTask(
            shard_index=i, source=src, read=self.read, chat=self.chat, steps=plan.steps,
            key_steps=plan.key_steps, final=final,
            out_path=os.path.join(self.work, f"p{index}-s{i}.jsonl"),
            rejected_path=os.path.join(self.work, f"r{index}-s{i}.jsonl"),
            drops=self.pending.get(i, {}).get("drops", {}), drop_steps=self.drop_steps,
            annotations=self.pending.get(i, {}).get("notes", {}),
            sorter=_last_sorter(self.steps) if final else None)
            for i, src in enumerate(sources)]
        results = _run_tasks(tasks, pool, self.progress, index, stages, total)
        for task, result in zip(tasks, results, strict=True):
            self.blank += result.blank
            for s in result.stats:
                self.stats[s.name].merge(s)
            self.rejected_parts[task.shard_index].append(
                (task.rejected_path, result.rejected_lines))
        self.pending, self.drop_steps = _decide(plan.key_steps, results, self.stats)
        self.final_parts = [(t.out_path, r.sort_keys) for t, r in zip(tasks, results, strict=True)]
        return [t.out_path for t in tasks]


def _last_sorter(steps: list[Step]) -> GlobalStep | None:
    sorters = [s for s in steps if isinstance(s, GlobalStep) and s.orders]
    return sorters[-1] if sorters else None


def _run_tasks(tasks: list[PassTask], pool: ProcessPoolExecutor | None,
               progress: ProgressCallback | None, stage: int, stages: int,
               total: int) -> list[PassResult]:
    done_docs = done_bytes = 0

    def report(result: PassResult) -> None:
        nonlocal done_docs, done_bytes
        done_docs += result.docs_out
        done_bytes += result.bytes_read
        if progress is not None:
            progress(Progress(stage=stage, stages=stages, docs_done=done_docs,
                              bytes_done=done_bytes, bytes_total=total))

    if pool is None:
        results = []
        for task in tasks:
            results.append(run_pass(task))
            report(results[-1])
        return results
    futures: list[Future[PassResult]] = [pool.submit(run_pass, t) for t in tasks]
    for future in futures:  # in shard order: progress lags a little, results stay ordered
        report(future.result())
    return [f.result() for f in futures]


def _decide(key_steps: list[GlobalStep], results: list[PassResult],
            stats: dict[str, StepStats]) -> tuple[dict[int, dict], list[tuple[str, str]]]:
    """Run the global steps in the parent, in order; each sees only what the previous kept."""
    pending: dict[int, dict] = {r.shard_index: {"drops": {}, "notes": {}} for r in results}
    lines = [r.lines for r in results]
    for k, step in enumerate(key_steps):
        skip = [set(pending[r.shard_index]["drops"]) for r in results]
        stats[step.name].docs_in += sum(len(li) - len(s) for li, s in zip(lines, skip, strict=True))
        decision = step.decide([r.keys[k] for r in results], lines, skip)
        for r, drops in zip(results, decision.drops, strict=True):
            for i, (reason, detail) in drops.items():
                pending[r.shard_index]["drops"][i] = (step.name, reason, detail)
        for r, notes in zip(results, decision.annotations or [], strict=False):
            for i, fields in notes.items():
                pending[r.shard_index]["notes"].setdefault(i, {}).update(fields)
    return pending, [(s.name, s.kind) for s in key_steps]


_FAN_IN = 64  # files open at once in a merge


def _merge(path: str, work: str, parts: list[tuple[str, list | None]]) -> str:
    """Concatenate shard files in shard order, or, when an ordering step gave sort keys, k-way
    merge them by key (in rounds of at most _FAN_IN files)."""
    tmp = path + ".tmp"
    if all(keys is None for _, keys in parts):
        with open(tmp, "wb") as out:
            for part, _ in parts:
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
    else:
        keyed = [(part, keys or []) for part, keys in parts]
        while len(keyed) > _FAN_IN:
            keyed = [_merge_keyed(os.path.join(work, f"merge-{len(keyed)}-{i}.jsonl"),
                                  keyed[i:i + _FAN_IN]) for i in range(0, len(keyed), _FAN_IN)]
        _merge_keyed(tmp, keyed)
    os.replace(tmp, path)
    return path


def _merge_keyed(path: str, parts: list[tuple[str, list]]) -> tuple[str, list]:
    keys: list = []
    with open(path, "wb") as out:
        for key, line in heapq.merge(*(_keyed(p, k) for p, k in parts), key=lambda kv: kv[0]):
            keys.append(key)
            out.write(line)
    return path, keys


def _write_rejected(path: str, per_shard: list[list[tuple[str, list[int]]]]) -> str:
    """Rejected records in input order: a shard's lines all come before the next shard's, so
    only each shard's passes need merging (by line)."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as out:
        for parts in per_shard:
            for _, line in heapq.merge(*(_keyed(p, k) for p, k in parts), key=lambda kv: kv[0]):
                out.write(line)
    os.replace(tmp, path)
    return path


def _keyed(path: str, keys: list) -> Iterator[tuple]:
    with open(path, "rb") as f:
        yield from zip(keys, f, strict=True)


def _atomic_write(path: str, data: bytes) -> None:
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)
