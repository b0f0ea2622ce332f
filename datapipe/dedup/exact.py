"""Exact dedup: xxh64 of the whitespace-normalized text (or of a chat's messages), first kept.

Workers hash; the parent groups the hashes with numpy, so its memory is 16 bytes a document.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec
import numpy as np
import xxhash

from datapipe.document import Document
from datapipe.steps import Decision, GlobalStep, Settings


class ExactDedupSettings(Settings):
    # Ours: whitespace runs are one space (a re-wrapped copy is still a copy); case is kept.
    lowercase: bool = False


def content_key(doc: Document, lowercase: bool = False) -> str:
    if doc.text is not None:
        text = " ".join(doc.text.split())
    else:  # the conversation itself, with every content whitespace-normalized
        text = msgspec.json.encode(_normalized(doc.messages), order="sorted").decode()
    return text.lower() if lowercase else text


def _normalized(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalized(v) for k, v in value.items()}
    return value


def first_occurrence_drops(hashes: list[np.ndarray], lines: list[np.ndarray],
                           skip: list[set[int]], reason: str) -> Decision:
    """Keep the first document of every hash value (in input order), drop the others."""
    sizes = [len(h) for h in hashes]
    flat = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
    all_lines = np.concatenate(lines) if lines else np.zeros(0, np.int64)
    alive = np.ones(len(flat), bool)
    offsets = np.cumsum([0, *sizes])
    for s, dropped in enumerate(skip):
        for i in dropped:
            alive[offsets[s] + i] = False
    index = np.flatnonzero(alive)
    _, first, inverse = np.unique(flat[index], return_index=True, return_inverse=True)
    keeper = index[first][inverse]  # for each alive document, the first one with its hash
    drops: list[dict[int, tuple[str, str | None]]] = [{} for _ in hashes]
    for g, k in zip(index[keeper != index], keeper[keeper != index], strict=True):
        shard = int(np.searchsorted(offsets, g, side="right") - 1)
        drops[shard][int(g - offsets[shard])] = (reason, f"same as line {int(all_lines[k])}")
    return Decision(drops=drops)


class ExactDedup(GlobalStep):
    name: ClassVar[str] = "exact_dedup"
    Settings = ExactDedupSettings

    def key(self, doc: Document) -> int:
        return xxhash.xxh64_intdigest(content_key(doc, self.settings.lowercase).encode())

    def pack(self, keys: list[Any]) -> np.ndarray:
        return np.asarray(keys, dtype=np.uint64)

    def decide(self, packed: list[Any], lines: list[np.ndarray], skip: list[set[int]]) -> Decision:
        return first_occurrence_drops(packed, lines, skip, "exact_duplicate")
