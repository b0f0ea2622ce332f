"""The step kinds: `Filter` (keep or a reason), `Transform` (rewrite, counting changes) and
`GlobalStep` (needs every document at once: dedup, ordering). All are generators over documents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Annotated, Any, ClassVar

import msgspec
import numpy as np
from msgspec import Meta

from datapipe.document import Document, Rejected
from datapipe.report import StepStats


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every step's settings: frozen, keyword-only, overridable per run. The field types
    (with the bounds below) are the allow-list a server request's overrides are checked against:
    no setting is a server path, and no number is unbounded."""


# The bounds a setting's type carries (msgspec checks them when overrides are converted).
Ratio = Annotated[float, Meta(ge=0.0, le=1.0)]  # a share of characters, words, lines
Amount = Annotated[float, Meta(ge=0.0, le=1e6)]  # a non-negative measure (lengths, rates)
Size = Annotated[int, Meta(ge=0, le=1 << 31)]  # a count of words, lines, characters or bytes
SmallInt = Annotated[int, Meta(ge=1, le=64)]  # n-gram sizes and the like
Key = Annotated[str, Meta(min_length=1, max_length=128)]  # a record field name, a mask
Phrase = Annotated[str, Meta(min_length=1, max_length=256)]
Phrases = Annotated[tuple[Phrase, ...], Meta(max_length=4096)]


class SettingError(ValueError):
    """An override a pipeline refuses; `field` names it (`toxicity.max_flagged_ratio`)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class StepContext:
    """What a step writes to while it runs: its counters and the rejected-records sink."""

    def __init__(self, stats: StepStats, sink: Callable[[Rejected], None]) -> None:
        self.stats, self.sink = stats, sink

    def reject(self, doc: Document, reason: str, detail: str | None = None) -> None:
        self.stats.count_reason(reason, doc, doc.line, detail)
        self.sink(Rejected(line=doc.line, step=self.stats.name, reason=reason, detail=detail,
                           document=doc))


class Step:
    """A configured pipeline step. `in_parent` steps run in the calling process, for steps that
    hold something that cannot travel to a worker (the engine behind a perplexity scorer)."""

    name: ClassVar[str]
    kind: ClassVar[str] = "filter"
    in_parent: ClassVar[bool] = False
    Settings: ClassVar[type[Settings]] = Settings

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings if settings is not None else self.Settings()

    def run(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        raise NotImplementedError


class Filter(Step):
    """datatrove's shape: one method that returns None to keep a document or a reason to drop it.
    A filter may also rewrite the text it keeps (C4 drops lines); that is counted as a change."""

    def filter(self, doc: Document) -> str | None:
        raise NotImplementedError

    def run(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        stats = ctx.stats
        for doc in docs:
            stats.docs_in += 1
            before = doc.text
            reason = self.filter(doc)
            if reason is not None:
                ctx.reject(doc, reason)
                continue
            if doc.text is not before:
                stats.count_change()
            yield doc


class Transform(Step):
    """Rewrites documents and never drops one; `apply` returns what it changed, by kind."""

    kind: ClassVar[str] = "transform"

    def apply(self, doc: Document) -> dict[str, int] | None:
        raise NotImplementedError

    def run(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        stats = ctx.stats
        for doc in docs:
            stats.docs_in += 1
            changes = self.apply(doc)
            if changes:
                stats.count_change(changes)
            yield doc


class Decision(msgspec.Struct, kw_only=True):
    """A global step's verdict, per shard: documents to drop (local index -> reason, detail) and
    metadata to add (local index -> fields)."""

    drops: list[dict[int, tuple[str, str | None]]]
    annotations: list[dict[int, dict[str, Any]]] | None = None


class GlobalStep(Step):
    """A step that needs all documents: workers compute a small `key` per document, the parent
    `decide`s over all keys, and the next pass applies the decision. Ordering steps also give a
    `sort_key` that the final pass sorts the cleaned output by."""

    kind: ClassVar[str] = "dedup"
    orders: ClassVar[bool] = False

    def key(self, doc: Document) -> Any:
        raise NotImplementedError

    def pack(self, keys: list[Any]) -> Any:
        """Turn one shard's keys into what crosses the process boundary (e.g. one numpy array)."""
        return keys

    def decide(self, packed: list[Any], lines: list[np.ndarray], skip: list[set[int]]) -> Decision:
        """`packed[s]`: shard s's keys; `lines[s]`: their input line numbers; `skip[s]`: local
        indices an earlier global step of the same pass already dropped."""
        raise NotImplementedError

    def sort_key(self, doc: Document) -> tuple[int, ...]:
        raise NotImplementedError

    def run(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        raise TypeError(f"{self.name} is a global step; the executor runs it")
