"""Per-step statistics (counted in workers, merged in the parent) and the run's `Report`:
mutable `StepStats` counters, and frozen msgspec Structs that serialize to JSON.
"""

from __future__ import annotations

from typing import Any

import msgspec

from datapipe.document import Document

MAX_EXAMPLES = 3
SNIPPET_CHARS = 200


class Example(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    line: int
    snippet: str
    detail: str | None = None


class ReasonReport(msgspec.Struct, kw_only=True):
    count: int
    examples: list[Example]


class StepReport(msgspec.Struct, kw_only=True):
    name: str
    kind: str  # read | transform | filter | dedup | order
    docs_in: int
    kept: int
    removed: int
    changed: int = 0  # documents a step rewrote (ftfy repair, masked PII, removed lines)
    changes: dict[str, int] = {}  # what it rewrote, e.g. {"email": 3, "phone": 1}
    reasons: dict[str, ReasonReport] = {}


class Report(msgspec.Struct, kw_only=True):
    pipeline: str
    input_path: str
    lines: int  # non-blank lines of the input; every one is kept or rejected
    kept: int
    rejected: int
    blank_lines: int
    steps: list[StepReport]
    settings: dict[str, dict[str, Any]]  # the effective settings of every step
    cleaned_path: str
    rejected_path: str
    workers: int
    seconds: float

    def to_json(self) -> bytes:
        return msgspec.json.encode(self)


class Progress(msgspec.Struct, kw_only=True):
    """Handed to the progress callback after each shard: pass `stage` of `stages`."""

    stage: int
    stages: int
    docs_done: int  # documents that finished this pass so far
    bytes_done: int  # bytes of this pass's input read so far
    bytes_total: int

    @property
    def fraction(self) -> float:
        within = self.bytes_done / self.bytes_total if self.bytes_total else 1.0
        return (self.stage + within) / self.stages


class StepStats:
    """Counts for one step in one shard; `merge` adds shards in shard order, so the examples
    (the first three per reason) do not depend on how many workers ran."""

    def __init__(self, name: str, kind: str) -> None:
        self.name, self.kind = name, kind
        self.docs_in = 0
        self.changed = 0
        self.changes: dict[str, int] = {}
        self.reasons: dict[str, int] = {}
        self.examples: dict[str, list[Example]] = {}

    def count_reason(self, reason: str, doc: Document | None, line: int,
                     detail: str | None = None, raw: str | None = None) -> None:
        self.reasons[reason] = self.reasons.get(reason, 0) + 1
        examples = self.examples.setdefault(reason, [])
        if len(examples) < MAX_EXAMPLES:
            text = doc.content() if doc is not None else (raw or "")
            examples.append(Example(id=doc.id if doc is not None else f"line-{line}", line=line,
                                    snippet=text[:SNIPPET_CHARS], detail=detail))

    def count_change(self, changes: dict[str, int] | None = None) -> None:
        self.changed += 1
        for kind, n in (changes or {}).items():
            self.changes[kind] = self.changes.get(kind, 0) + n

    def merge(self, other: StepStats) -> None:
        self.docs_in += other.docs_in
        self.changed += other.changed
        for kind, n in other.changes.items():
            self.changes[kind] = self.changes.get(kind, 0) + n
        for reason, n in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + n
            mine = self.examples.setdefault(reason, [])
            mine.extend(other.examples.get(reason, [])[: MAX_EXAMPLES - len(mine)])

    @property
    def removed(self) -> int:
        return sum(self.reasons.values())

    def to_report(self) -> StepReport:
        reasons = {r: ReasonReport(count=n, examples=self.examples.get(r, []))
                   for r, n in sorted(self.reasons.items())}
        return StepReport(name=self.name, kind=self.kind, docs_in=self.docs_in,
                          kept=self.docs_in - self.removed, removed=self.removed,
                          changed=self.changed, changes=dict(sorted(self.changes.items())),
                          reasons=reasons)
