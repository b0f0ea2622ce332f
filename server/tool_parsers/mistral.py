"""Mistral calls: `[TOOL_CALLS]` then a JSON list of `{"name", "arguments"}` (v3 tokenizers), or
`[TOOL_CALLS]name[ARGS]{json}` once per call (v11 and later, told by `[ARGS]` in the template).
The calls run to the end of the answer; call ids are 9 letters and digits, as its templates ask."""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Sequence

from engine.protocol import Grammar
from engine.tokenizer import Tokenizer
from server.tool_parsers.base import Call, Function, ToolFormat, token_literal
from server.tool_parsers.json_calls import from_object

TOOL_CALLS, ARGS, CALL_ID = "[TOOL_CALLS]", "[ARGS]", "[CALL_ID]"
_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_ID_CHARS = string.ascii_letters + string.digits


class Mistral(ToolFormat):
    name = "mistral"
    start = TOOL_CALLS

    def __init__(self, args_form: bool = False, tokenizer: Tokenizer | None = None) -> None:
        self.args_form = args_form  # `name[ARGS]{json}` rather than a JSON list
        self._tokenizer = tokenizer  # names the markers as tokens in a grammar

    @classmethod
    def for_tokenizer(cls, tokenizer: Tokenizer) -> ToolFormat:
        return cls(ARGS in (tokenizer.chat_template or ""), tokenizer)

    def markers(self) -> tuple[str, ...]:
        return TOOL_CALLS, ARGS, CALL_ID

    def read(self, body: str, tools: Sequence[Function]) -> list[Call] | None:
        text = body.strip()
        if text.startswith(("[", "{")):
            return _json_calls(text)
        calls = []
        for part in text.split(TOOL_CALLS):
            name, sep, arguments = part.partition(ARGS)
            name = name.partition(CALL_ID)[0].strip()
            if not sep or not _NAME.fullmatch(name):
                return None
            try:
                value = json.loads(arguments)
            except ValueError:
                return None
            if not isinstance(value, dict):
                return None
            calls.append((name, arguments.strip()))
        return calls

    def head(self, body: str) -> tuple[str, int] | None:
        return None  # calls go out whole, at the end of the answer

    def call_id(self) -> str:
        return "".join(random.choices(_ID_CHARS, k=9))

    def call_text(self, name: str, arguments: str) -> str:
        if self.args_form:
            return f"{TOOL_CALLS}{name}{ARGS}{arguments}"
        return f'{TOOL_CALLS}[{{"name": {json.dumps(name)}, "arguments": {arguments}}}]'

    def grammar(self, tools: list[Function], parallel: bool) -> Grammar:
        mark = token_literal(self._tokenizer, TOOL_CALLS)
        names = [f"fn_{i}" for i in range(len(tools))]
        if self.args_form:
            args = token_literal(self._tokenizer, ARGS)
            lines = [f"start: call{'+' if parallel else ''}",
                     f"call: {mark} ({' | '.join(names)})"]
            lines += [f"{n}: {json.dumps(t.name)} {args} %json "
                      f"{json.dumps(t.arguments_schema())}"
                      for n, t in zip(names, tools, strict=True)]
        else:
            more = ' (", " call)*' if parallel else ""
            lines = [f'start: {mark} "[" call{more} "]"', f"call: {' | '.join(names)}"]
            lines += [f"{n}: %json {json.dumps(t.call_schema('arguments'))}"
                      for n, t in zip(names, tools, strict=True)]
        return Grammar(kind="lark", source="\n".join(lines))


def _json_calls(text: str) -> list[Call] | None:
    try:
        value, end = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return None
    if text[end:].strip():
        return None
    items = value if isinstance(value, list) else [value]
    calls = [from_object(item) for item in items]
    return None if not calls or any(c is None for c in calls) else calls  # type: ignore[return-value]
