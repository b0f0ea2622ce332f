"""JSON call bodies, `{"name": ..., "arguments": ...}` (or `"parameters"`), shared by the Hermes,
InternLM2, Llama 3 and Mistral formats: reading a whole one, and its head while it streams."""

from __future__ import annotations

import json
import re

Call = tuple[str, str]  # (name, arguments as JSON text)

# `{"name": "<name>", "arguments": ` at the start of a call: once this much is in, the call is
# announced and the arguments stream as they arrive.
_HEAD = re.compile(
    r'\s*\{\s*"name"\s*:\s*"((?:[^"\\]|\\.)*)"\s*,\s*"(?:arguments|parameters)"\s*:\s*'
)
_TAIL = re.compile(r"\s*\}\s*")


def head(text: str) -> tuple[str, int] | None:
    """(name, where the arguments begin) once they have begun (until then more whitespace may
    follow), else None."""
    match = _HEAD.match(text)
    if match is None or match.end() == len(text):
        return None
    name = _unquote(match.group(1))
    return None if name is None else (name, match.end())


def parse_call(text: str) -> Call | None:
    """(name, arguments JSON text) of one call's JSON, or None if it is not a call. The
    arguments are the model's own text when the call is name-first, else re-serialized."""
    match = _HEAD.match(text)
    if match is not None and (name := _unquote(match.group(1))) is not None:
        try:
            value, end = json.JSONDecoder().raw_decode(text, match.end())
        except ValueError:
            value, end = None, 0
        if isinstance(value, dict) and _TAIL.fullmatch(text, end):
            return name, text[match.end() : end]
    try:
        call = json.loads(text)
    except ValueError:
        return None
    return from_object(call)


def from_object(call: object) -> Call | None:
    """A decoded call object as (name, arguments JSON text), or None if it is not one."""
    if not isinstance(call, dict) or not isinstance(call.get("name"), str):
        return None
    arguments = call.get("arguments", call.get("parameters"))
    if isinstance(arguments, str):  # some models write the arguments as a JSON string
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return None
    if not isinstance(arguments, dict) or set(call) - {"name", "arguments", "parameters"}:
        return None
    return call["name"], json.dumps(arguments, ensure_ascii=False)


def parse_sequence(text: str, separator: str) -> list[Call] | None:
    """Calls written one after another, `separator` between them (whitespace around it is
    free), each in its own JSON object; None unless all of `text` is such calls."""
    decoder, calls, at = json.JSONDecoder(), [], 0
    while True:
        at = _skip_space(text, at)
        try:
            _, end = decoder.raw_decode(text, at)
        except ValueError:
            return None
        call = parse_call(text[at:end])
        if call is None:
            return None
        calls.append(call)
        at = _skip_space(text, end)
        if at == len(text):
            return calls
        if not text.startswith(separator, at):
            return None
        at += len(separator)


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _unquote(body: str) -> str | None:
    try:
        return json.loads(f'"{body}"')
    except ValueError:
        return None
