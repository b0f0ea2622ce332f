"""JSON Schema for a tool from its function: parameter types from the type hints (through
msgspec), descriptions from the Google-style docstring (`Args:`) or `Annotated[T, "text"]`."""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from typing import Any

import msgspec

_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Returns|Raises|Yields|Examples?|Notes?):\s*$")
_ARG = re.compile(r"^\s*(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """(the description before the sections, {argument: description})."""
    lines = inspect.cleandoc(doc or "").splitlines()
    summary: list[str] = []
    args: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    arg_indent = 0
    for line in lines:
        if match := _SECTION.match(line):
            section, current = match.group(1), None
        elif section is None:
            summary.append(line)
        elif section in ("Args", "Arguments", "Parameters") and line.strip():
            indent = len(line) - len(line.lstrip())
            match = _ARG.match(line)
            if match and (current is None or indent <= arg_indent):
                current, arg_indent = match.group(1).lstrip("*"), indent
                args[current] = match.group(2).strip()
            elif current is not None:  # a continuation line
                args[current] = f"{args[current]} {line.strip()}".strip()
    return " ".join(" ".join(summary).split()), args


def parameters_of(fn: Callable[..., Any]) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(JSON Schema of the arguments object, {name: type} to validate with, description)."""
    hints = typing.get_type_hints(fn, include_extras=True)
    description, arg_docs = parse_docstring(fn.__doc__)
    names, types, required, notes = [], {}, [], {}
    for name, param in inspect.signature(fn).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise TypeError(f"{fn.__name__}: *args / **kwargs cannot be described to a model")
        if name not in hints:
            raise TypeError(f"{fn.__name__}: parameter {name!r} needs a type hint")
        hint = hints[name]
        if typing.get_origin(hint) is typing.Annotated:
            hint, *extra = typing.get_args(hint)
            notes[name] = next((e for e in extra if isinstance(e, str)), None)
        names.append(name)
        types[name] = hint
        if param.default is param.empty:
            required.append(name)
    schemas, defs = msgspec.json.schema_components([types[n] for n in names],
                                                   ref_template="#/$defs/{name}")
    properties = {}
    for name, schema in zip(names, schemas, strict=True):
        text = notes.get(name) or arg_docs.get(name)
        properties[name] = {**schema, "description": text} if text else schema
    parameters: dict[str, Any] = {"type": "object", "properties": properties,
                                  "required": required, "additionalProperties": False}
    if defs:
        parameters["$defs"] = defs
    return parameters, types, description
