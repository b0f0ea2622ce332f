"""Llama 3.x JSON calls: the whole answer is `{"name": ..., "parameters": {...}}`, optionally after
`<|python_tag|>` (vLLM's llama3_json parser); calls are read only where the answer begins, and
several may follow one another separated by `;`. Llama 3.1's template lays out one call a turn."""

from __future__ import annotations

import json
from collections.abc import Sequence

from engine.protocol import Grammar
from server.tool_parsers.base import Call, Function, ToolFormat
from server.tool_parsers.json_calls import parse_sequence

PYTHON_TAG = "<|python_tag|>"


class Llama3Json(ToolFormat):
    name = "llama3_json"
    start = PYTHON_TAG
    args_key = "parameters"
    parallel = False

    def find_start(self, text: str, at_start: bool) -> tuple[int, int] | None:
        if not at_start:
            return None
        body = text.lstrip()
        lead = len(text) - len(body)
        if body.startswith(PYTHON_TAG):
            return lead, lead + len(PYTHON_TAG)
        return (lead, lead) if body.startswith("{") else None  # the brace is the body's

    def held(self, text: str, at_start: bool) -> int:
        body = text.lstrip()
        return len(text) if at_start and PYTHON_TAG.startswith(body) else 0

    def read(self, body: str, tools: Sequence[Function]) -> list[Call] | None:
        return parse_sequence(body, ";")

    def call_text(self, name: str, arguments: str) -> str:
        return f'{{"name": {json.dumps(name)}, "parameters": {arguments}}}'

    def grammar(self, tools: list[Function], parallel: bool) -> Grammar:
        names = [f"fn_{i}" for i in range(len(tools))]
        lines = [f"start: {' | '.join(names)}"]
        lines += [f"{n}: %json {json.dumps(t.call_schema(self.args_key))}"
                  for n, t in zip(names, tools, strict=True)]
        return Grammar(kind="lark", source="\n".join(lines))
