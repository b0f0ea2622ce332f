"""One pass over one shard, as a worker process runs it: read, apply the previous global
decision, run the per-document steps, compute the next global keys, write the shard's outputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec
import numpy as np

from datapipe.document import Document, Rejected
from datapipe.io import ReadSettings, Shard, encode_temp, output_record, read_shard, read_temp
from datapipe.report import StepStats
from datapipe.steps import GlobalStep, Step, StepContext


@dataclass
class PassTask:
    shard_index: int
    source: Shard | str  # the upload's byte range (first pass) or an earlier pass's shard file
    read: ReadSettings
    chat: bool
    steps: list[Step]
    key_steps: list[GlobalStep]
    out_path: str
    rejected_path: str
    final: bool
    # from the previous global steps: local index -> (step, reason, detail) / metadata to add
    drops: dict[int, tuple[str, str, str | None]] = field(default_factory=dict)
    annotations: dict[int, dict[str, Any]] = field(default_factory=dict)
    drop_steps: list[tuple[str, str]] = field(default_factory=list)  # (name, kind) for stats
    sorter: GlobalStep | None = None  # final pass: order the cleaned output by its sort_key


@dataclass
class PassResult:
    shard_index: int
    stats: list[StepStats]
    keys: list[Any]  # one packed value per key step
    lines: np.ndarray  # input line of every document written, in written order
    sort_keys: list[tuple[int, ...]] | None  # when the output was sorted
    rejected_lines: list[int]  # line of every rejected record, in written order
    docs_out: int
    bytes_read: int
    blank: int


class _RejectedBuffer:
    """Rejected records of a shard, written sorted by line so the parent can merge shards and
    passes into one rejected file in input order."""

    def __init__(self) -> None:
        self.items: list[tuple[int, int, bytes]] = []
        self._encode = msgspec.json.Encoder().encode

    def __call__(self, record: Rejected) -> None:
        self.items.append((record.line, len(self.items), self._encode(record)))

    def write(self, path: str) -> list[int]:
        self.items.sort()
        with open(path, "wb") as f:
            for _, _, data in self.items:
                f.write(data + b"\n")
        return [line for line, _, _ in self.items]


def _apply_decision(docs: Iterable[Document], task: PassTask, stats: dict[str, StepStats],
                    sink: _RejectedBuffer) -> Iterator[Document]:
    drops, notes = task.drops, task.annotations
    for i, doc in enumerate(docs):
        if i in drops:
            step, reason, detail = drops[i]
            stats[step].count_reason(reason, doc, doc.line, detail)
            sink(Rejected(line=doc.line, step=step, reason=reason, detail=detail, document=doc))
            continue
        if i in notes:
            doc.metadata.update(notes[i])
        yield doc


def run_pass(task: PassTask) -> PassResult:
    sink = _RejectedBuffer()
    counters: dict[str, int] = {"bytes": 0, "blank": 0}
    all_stats: list[StepStats] = []
    if isinstance(task.source, Shard):
        read_stats = StepStats("read", "read")
        all_stats.append(read_stats)
        docs: Iterable[Document] = read_shard(task.source, task.read, task.chat, read_stats, sink,
                                              counters)
    else:
        docs = read_temp(task.source, counters)
    drop_stats = {name: StepStats(name, kind) for name, kind in task.drop_steps}
    all_stats.extend(drop_stats.values())
    docs = _apply_decision(docs, task, drop_stats, sink)
    for step in task.steps:
        stats = StepStats(step.name, step.kind)
        all_stats.append(stats)
        docs = step.run(docs, StepContext(stats, sink))

    keys: list[list[Any]] = [[] for _ in task.key_steps]
    lines: list[int] = []
    encode = (lambda d: output_record(d, task.read)) if task.final else encode_temp
    sort_keys: list[tuple[int, ...]] | None = None
    with open(task.out_path, "wb") as out:
        if task.sorter is not None:
            # Ordering is global, so the shard is sorted here and shards are merged by the parent;
            # a shard is bounded in size, so this buffer is too.
            buffered = sorted(((task.sorter.sort_key(d), d.line, encode(d)) for d in docs),
                              key=lambda item: item[0])
            sort_keys = [k for k, _, _ in buffered]
            for _, line, data in buffered:
                lines.append(line)
                out.write(data + b"\n")
        else:
            for doc in docs:
                for acc, step in zip(keys, task.key_steps, strict=True):
                    acc.append(step.key(doc))
                lines.append(doc.line)
                out.write(encode(doc) + b"\n")
    rejected_lines = sink.write(task.rejected_path)
    packed = [step.pack(k) for step, k in zip(task.key_steps, keys, strict=True)]
    return PassResult(task.shard_index, all_stats, packed, np.asarray(lines, dtype=np.int64),
                      sort_keys, rejected_lines, len(lines), counters["bytes"], counters["blank"])
