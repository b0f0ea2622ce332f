"""Qwen3-Coder's XML calls: `<tool_call><function=NAME><parameter=P>value</parameter>...</function>
</tool_call>`, one function per call, several calls per answer. Values are text; each is typed by
the tool's parameter schema (numbers, booleans, objects and arrays parsed, strings kept as is)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from engine.grammar import JSON_OPTIONS, bounded
from engine.protocol import Grammar
from server.tool_parsers.base import Call, Function, ToolFormat

_FUNCTION = re.compile(r"\s*<function=([^>\n]+)>(.*)</function>\s*", re.DOTALL)
# A parameter ends at its closing tag, or (as vLLM reads them) where the next one or the
# function's end begins.
_PARAMETER = re.compile(
    r"<parameter=([^>\n]+)>(.*?)(?:</parameter>|(?=<parameter=)|(?=</function>)|\Z)", re.DOTALL)
_MAX_TEXT = 256  # a forced string value's length bound (free text would let a model run on)


class Qwen3Coder(ToolFormat):
    name = "qwen3_coder"
    start = "<tool_call>"
    end = "</tool_call>"

    def read(self, body: str, tools: Sequence[Function]) -> list[Call] | None:
        match = _FUNCTION.fullmatch(body)
        if match is None:
            return None
        name = match.group(1).strip()
        schema = next((t.parameters or {} for t in tools if t.name == name), {})
        properties = schema.get("properties") or {}
        arguments: dict[str, Any] = {}
        for key, raw in _PARAMETER.findall(match.group(2)):
            value = raw[1:] if raw.startswith("\n") else raw
            value = value[:-1] if value.endswith("\n") else value
            arguments[key.strip()] = typed(value, properties.get(key.strip()) or {})
        return [(name, json.dumps(arguments, ensure_ascii=False))]

    def head(self, body: str) -> tuple[str, int] | None:
        return None  # a call goes out whole once it closes

    def call_text(self, name: str, arguments: str) -> str:
        try:
            values = json.loads(arguments)
        except ValueError:
            values = {}
        params = "".join(f"<parameter={k}>\n{v if isinstance(v, str) else json.dumps(v)}\n"
                         "</parameter>\n" for k, v in (values if isinstance(values, dict)
                                                       else {}).items())
        return f"<tool_call>\n<function={name}>\n{params}</function>\n</tool_call>"

    def grammar(self, tools: list[Function], parallel: bool) -> Grammar:
        names = [f"fn_{i}" for i in range(len(tools))]
        calls = 'call ("\\n" call)*' if parallel else "call"
        lines = [f"start: {calls}",
                 f'call: "<tool_call>\\n" ({" | ".join(names)}) "</tool_call>"']
        for i, tool in enumerate(tools):
            schema = tool.parameters or {}
            required = set(schema.get("required") or ())
            params = []
            for j, (key, sub) in enumerate((schema.get("properties") or {}).items()):
                rule = f"p_{i}_{j}"
                lines.append(f'{rule}: "<parameter={key}>\\n" {_value_rule(sub)}')
                params.append(rule if key in required else f"{rule}?")
            lines.append(f'fn_{i}: "<function={tool.name}>\\n" {" ".join(params)} '
                         f'"</function>\\n"')
        return Grammar(kind="lark", source="\n".join(lines))


def typed(text: str, schema: dict[str, Any]) -> Any:
    """A parameter's text as the value its schema types it as; text that does not parse as that
    type stays text (the model's words are not lost)."""
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if text.strip() == "null" and "null" in kinds:
        return None
    for kind in kinds:
        if kind == "string" or kind is None and not schema:
            return text
        try:
            if kind == "integer":
                return int(text.strip())
            if kind == "number":
                number = float(text.strip())
                return int(number) if number.is_integer() and "." not in text else number
            if kind == "boolean" and text.strip().lower() in ("true", "false"):
                return text.strip().lower() == "true"
            if kind in ("object", "array", None):
                return json.loads(text)
        except ValueError:
            continue
    return text


def _value_rule(schema: dict[str, Any]) -> str:
    """A parameter's value and closing tag in a forced call: free text for strings (no `<`,
    which would close the tag, and bounded; its own lexeme takes the newline before the tag),
    the listed strings for an enum, JSON for every other type."""
    close = '"\\n</parameter>\\n"'
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(e, str) and "<" not in e for e in enum):
        return "(" + " | ".join(json.dumps(e) for e in enum) + ") " + close
    if schema.get("type") == "string":
        return f'/[^<]{{0,{_MAX_TEXT}}}/ "</parameter>\\n"'
    value = {**bounded(schema), "x-guidance": JSON_OPTIONS}  # type: ignore[dict-item]
    return f"%json {json.dumps(value)} {close}"
