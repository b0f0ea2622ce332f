"""The four pipelines as plain lists of configured steps, and `run_pipeline`, the entry point for
the server and the CLI. Overrides are per step (`{"minhash_dedup": {"threshold": 0.8}}`);
`{"enabled": False}` leaves a step out; `read` configures the reader (`{"text_key": "content"}`).
"""

from __future__ import annotations

from typing import Any

import msgspec

from datapipe.chat import ChatSchema
from datapipe.code.depsort import DependencySort
from datapipe.code.format import CodeFormat
from datapipe.code.quality import CodeDedup, CodeQuality
from datapipe.dedup.exact import ExactDedup
from datapipe.dedup.minhash import MinHashDedup
from datapipe.executor import ProgressCallback, execute
from datapipe.filters.boilerplate import Boilerplate
from datapipe.filters.garbled import Garbled
from datapipe.filters.normalize import Normalize
from datapipe.filters.pii import PIIMask
from datapipe.filters.quality import C4Lines, FineWebQuality, GopherQuality
from datapipe.filters.repetition import GopherRepetition
from datapipe.filters.toxicity import Toxicity
from datapipe.io import ReadSettings
from datapipe.longctx import LengthSelect, LongStats, PerplexityGain, Scorer
from datapipe.report import Report
from datapipe.steps import Step

PIPELINES = ("text", "code", "long_context", "chat")
Overrides = dict[str, dict[str, Any]]


def step_classes(pipeline: str) -> list[type[Step]]:
    match pipeline:
        case "text":  # DESIGN.md "Data pipeline"; quality in FineWeb's order
            return [Normalize, ExactDedup, MinHashDedup, Garbled, Toxicity, Boilerplate,
                    GopherRepetition, GopherQuality, C4Lines, FineWebQuality, PIIMask]
        case "code":
            return [CodeFormat, CodeDedup, CodeQuality, DependencySort]
        case "long_context":
            return [LengthSelect, Garbled, LongStats, PerplexityGain]
        case "chat":
            return [ChatSchema, Normalize, ExactDedup, Garbled, Toxicity, PIIMask]
    raise ValueError(f"unknown pipeline {pipeline!r}; choose one of {', '.join(PIPELINES)}")


def pipeline_defaults(pipeline: str) -> Overrides:
    """Settings a pipeline changes from a step's published defaults, before user overrides."""
    if pipeline == "chat":
        # Chat turns are short and often hold code or math: the symbol share (a web-page rule,
        # whitespace counted) would drop "OK!" or "x**2 + 1"; the other garbled rules stay.
        return {"garbled": {"max_symbol_ratio": 1.0}}
    return {}


def _settings(cls: type[Step], fields: dict[str, Any]) -> Any:
    base = msgspec.structs.asdict(cls.Settings())
    unknown = set(fields) - set(base)
    if unknown:
        raise ValueError(f"{cls.name}: unknown setting(s) {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(base)}")
    try:
        return msgspec.convert({**base, **fields}, cls.Settings)
    except msgspec.ValidationError as exc:
        raise ValueError(f"{cls.name}: {exc}") from exc


def build_pipeline(pipeline: str, overrides: Overrides | None = None, *,
                   scorer: Scorer | None = None) -> list[Step]:
    """Configured steps of a pipeline; `{"enabled": False}` leaves a step out."""
    classes = step_classes(pipeline)
    overrides = {**(overrides or {})}
    for name, fields in pipeline_defaults(pipeline).items():
        overrides[name] = {**fields, **overrides.get(name, {})}
    names = {cls.name for cls in classes} | {"read"}
    unknown = set(overrides) - names
    if unknown:
        raise ValueError(f"pipeline {pipeline!r} has no step(s) {', '.join(sorted(unknown))}; "
                         f"its steps: {', '.join(c.name for c in classes)}")
    steps: list[Step] = []
    for cls in classes:
        fields = dict(overrides.get(cls.name, {}))
        if not fields.pop("enabled", True):
            continue
        settings = _settings(cls, fields)
        steps.append(cls(settings, scorer=scorer) if cls is PerplexityGain else cls(settings))
    return steps


def run_pipeline(input_path: str, pipeline: str, out_dir: str, overrides: Overrides | None = None,
                 workers: int = 1, progress: ProgressCallback | None = None, *,
                 scorer: Scorer | None = None, shard_bytes: int | None = None) -> Report:
    """Clean `input_path` (JSONL) with a named pipeline. Writes `cleaned.jsonl`, `rejected.jsonl`
    (every removed record with its step and reason) and `report.json` into `out_dir`."""
    steps = build_pipeline(pipeline, overrides, scorer=scorer)
    read_fields = dict((overrides or {}).get("read", {}))
    try:
        read = msgspec.convert({**msgspec.structs.asdict(ReadSettings()), **read_fields},
                               ReadSettings)
    except msgspec.ValidationError as exc:
        raise ValueError(f"read: {exc}") from exc
    settings = {"read": msgspec.to_builtins(read)}
    settings.update({s.name: msgspec.to_builtins(s.settings) for s in steps})
    return execute(steps, input_path=str(input_path), out_dir=str(out_dir), pipeline=pipeline,
                   chat=pipeline == "chat", read=read, settings=settings, workers=workers,
                   progress=progress, shard_bytes=shard_bytes)
