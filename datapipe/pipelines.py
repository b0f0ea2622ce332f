"""The four pipelines as plain lists of configured steps, and `run_pipeline`, the entry point for
the server and the CLI. Overrides are per step (`{"minhash_dedup": {"threshold": 0.8}}`);
`{"enabled": False}` leaves a step out; `read` configures the reader (`{"text_key": "content"}`).
Every setting is typed and bounded (the step's Settings struct); none is a path: a file (a
toxicity lexicon) is named by id and resolved by the caller through `files`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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
from datapipe.filters.toxicity import FILE_ID, Toxicity
from datapipe.io import ReadSettings
from datapipe.longctx import LengthSelect, LongStats, PerplexityGain, Scorer
from datapipe.report import Report
from datapipe.steps import SettingError, Step

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


_AT = re.compile(r" - at `\$\.?([^`]*)`$")


def _settings(name: str, settings: type[Any], fields: Any) -> Any:
    if not isinstance(fields, dict):
        raise SettingError(f"{name}: expected an object of settings", name)
    base = msgspec.structs.asdict(settings())
    unknown = sorted(set(fields) - set(base))
    if unknown:
        raise SettingError(f"{name}: unknown setting(s) {', '.join(unknown)}; known: "
                           f"{', '.join(base)}", f"{name}.{unknown[0]}")
    try:
        return msgspec.convert({**base, **fields}, settings)
    except msgspec.ValidationError as exc:
        text = str(exc)
        at = _AT.search(text)
        field = f"{name}.{at.group(1)}" if at and at.group(1) else name
        raise SettingError(f"{field}: {_AT.sub('', text)}", field) from None


def file_ids(overrides: Overrides | None) -> dict[str, str]:
    """The files the overrides name by id (the field -> the id), for the caller to look up."""
    toxicity = (overrides or {}).get("toxicity")
    lexicon = toxicity.get("lexicon") if isinstance(toxicity, dict) else None
    if isinstance(lexicon, str) and re.fullmatch(FILE_ID, lexicon):
        return {"toxicity.lexicon": lexicon}
    return {}


def build_pipeline(pipeline: str, overrides: Overrides | None = None, *,
                   scorer: Scorer | None = None,
                   files: Mapping[str, str] | None = None) -> list[Step]:
    """Configured steps of a pipeline; `{"enabled": False}` leaves a step out. `files`: file id
    -> local path for the files the overrides name (None: only check the settings). A bad
    override is a SettingError naming it."""
    classes = step_classes(pipeline)
    overrides = {**(overrides or {})}
    for name, fields in pipeline_defaults(pipeline).items():
        given = overrides.get(name, {})
        if isinstance(given, dict):
            overrides[name] = {**fields, **given}
    names = {cls.name for cls in classes} | {"read"}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise SettingError(f"pipeline {pipeline!r} has no step(s) {', '.join(unknown)}; "
                           f"its steps: {', '.join(c.name for c in classes)}", unknown[0])
    _settings("read", ReadSettings, overrides.get("read", {}))
    steps: list[Step] = []
    for cls in classes:
        fields = overrides.get(cls.name, {})
        fields = dict(fields) if isinstance(fields, dict) else fields
        enabled = fields.pop("enabled", True) if isinstance(fields, dict) else True
        if not isinstance(enabled, bool):
            raise SettingError(f"{cls.name}.enabled: expected true or false", f"{cls.name}.enabled")
        if not enabled:
            continue
        settings = _settings(cls.name, cls.Settings, fields)
        try:
            if cls is PerplexityGain:
                steps.append(PerplexityGain(settings, scorer=scorer))
            elif cls is Toxicity:
                steps.append(Toxicity(settings, files=files))
            else:
                steps.append(cls(settings))
        except SettingError:
            raise
        except ValueError as exc:  # a rule across settings (MinHash's bands x rows)
            raise SettingError(f"{cls.name}: {exc}", cls.name) from None
    return steps


def run_pipeline(input_path: str, pipeline: str, out_dir: str, overrides: Overrides | None = None,
                 workers: int = 1, progress: ProgressCallback | None = None, *,
                 scorer: Scorer | None = None, shard_bytes: int | None = None,
                 files: Mapping[str, str] | None = None) -> Report:
    """Clean `input_path` (JSONL) with a named pipeline. Writes `cleaned.jsonl`, `rejected.jsonl`
    (every removed record with its step and reason) and `report.json` into `out_dir`."""
    steps = build_pipeline(pipeline, overrides, scorer=scorer, files=files or {})
    read = _settings("read", ReadSettings, (overrides or {}).get("read", {}))
    settings = {"read": msgspec.to_builtins(read)}
    settings.update({s.name: msgspec.to_builtins(s.settings) for s in steps})
    return execute(steps, input_path=str(input_path), out_dir=str(out_dir), pipeline=pipeline,
                   chat=pipeline == "chat", read=read, settings=settings, workers=workers,
                   progress=progress, shard_bytes=shard_bytes)
