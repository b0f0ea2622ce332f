"""Fixtures for datapipe tests: a prose document that passes every text filter, JSONL writing,
and a reader for the pipeline's output files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

GOOD_TEXT = (
    "The old lighthouse stood at the edge of the harbour for more than a century. "
    "Every evening the keeper climbed the narrow stairs to light the lamp, and ships that "
    "passed the rocks could see its beam from many miles away.\n\n"
    "In the winter of 1921 a storm broke the great lens, and the town had to decide whether "
    "the tower was worth saving. Fishermen argued that the light had saved their lives, while "
    "the council worried about the cost of the repairs.\n\n"
    "After a long debate the town raised the money with a series of concerts and markets. "
    "The new lens arrived by train from the capital, and the keeper's daughter was the first "
    "to see it shine across the water. Today the lighthouse is a museum that welcomes "
    "visitors who want to learn about the sea and the people who worked beside it."
)


def write_jsonl(path: Path, records: list[Any]) -> Path:
    """One JSON value a line; a `bytes` item is written as the raw line."""
    with open(path, "wb") as f:
        for record in records:
            line = record if isinstance(record, bytes) else json.dumps(record).encode()
            f.write(line + b"\n")
    return path


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with open(path, "rb") as f:
        return [json.loads(line) for line in f]


@pytest.fixture
def good_text() -> str:
    return GOOD_TEXT


def run_steps(tmp_path: Path, steps: list, records: list[Any], *, chat: bool = False,
              workers: int = 1, shard_bytes: int | None = None):
    """Run a custom step list through the real executor; returns (report, cleaned, rejected)."""
    import msgspec

    from datapipe.executor import execute
    from datapipe.io import ReadSettings

    source = write_jsonl(tmp_path / "input.jsonl", records)
    out = tmp_path / f"out-{workers}-{shard_bytes}"
    report = execute(steps, input_path=str(source), out_dir=str(out), pipeline="custom",
                     chat=chat, read=ReadSettings(), workers=workers, shard_bytes=shard_bytes,
                     settings={s.name: msgspec.to_builtins(s.settings) for s in steps})
    return report, read_jsonl(report.cleaned_path), read_jsonl(report.rejected_path)


_SUBJECTS = ["the keeper", "a fisherman", "the council", "my neighbour", "the old man",
             "a young teacher", "the children", "the doctor", "her brother", "the baker"]
_VERBS = ["walked to", "talked about", "looked at", "wrote about", "thought of", "worked near",
          "painted", "visited", "dreamed of", "cleaned"]
_OBJECTS = ["the harbour", "the river", "a small garden", "the market", "the station",
            "the library", "an old bridge", "the mountains", "the school", "a quiet beach"]
_TAILS = ["in the morning", "with a friend", "after the storm", "before the winter",
          "during the festival", "for many years", "and then went home", "because of the rain",
          "on a cold day", "without a word"]


def prose(rng: Any, sentences: int = 12) -> str:
    """English-like paragraphs that pass the quality rules; random enough that two documents
    are far from near-duplicates."""
    out = []
    for i in range(sentences):
        s = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} " \
            f"{rng.choice(_TAILS)}, and {rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} " \
            f"{rng.choice(_OBJECTS)}."
        out.append(s[0].upper() + s[1:] + ("\n\n" if i % 4 == 3 else " "))
    return "".join(out).strip()
