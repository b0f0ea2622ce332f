"""What every tool-call format is: how a call opens and closes in the answer, how one call's text
reads as (name, arguments), how a call is written back into a prompt, and the grammar that forces
one. The streaming parser that drives these hooks is `stream.py`; the formats are siblings.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.grammar import JSON_OPTIONS, bounded
from engine.protocol import Grammar
from engine.tokenizer import Tokenizer
from server.tool_parsers.json_calls import Call, head, parse_call

EMPTY_OBJECT = {"type": "object", "properties": {}}


def new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


@dataclass(frozen=True)
class Function:
    """One tool as the formats need it: its name, description and parameters schema."""

    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None

    def as_openai(self) -> dict[str, Any]:
        fn: dict[str, Any] = {"name": self.name}
        if self.description:
            fn["description"] = self.description
        fn["parameters"] = self.parameters or EMPTY_OBJECT
        return {"type": "function", "function": fn}

    def call_schema(self, args_key: str) -> dict[str, Any]:
        """The schema of one call's JSON: this name, then arguments that validate against the
        parameters (name first, so a stream can announce the call before its arguments)."""
        return {
            "type": "object",
            "properties": {
                "name": {"const": self.name},
                args_key: bounded(self.parameters or EMPTY_OBJECT),
            },
            "required": ["name", args_key],
            "additionalProperties": False,
            "x-guidance": JSON_OPTIONS,
        }

    def arguments_schema(self) -> dict[str, Any]:
        """The schema of the arguments object alone, bounded, for formats that name the function
        outside the JSON."""
        return {**bounded(self.parameters or EMPTY_OBJECT), "x-guidance": JSON_OPTIONS}  # type: ignore[dict-item]


class ToolFormat:
    """A model family's tool-call format. Subclasses set the markers and override the hooks
    where the family differs; the defaults are a JSON call between `start` and `end`."""

    name = ""
    start = ""  # the text that opens a call
    end = ""  # the text that closes it; "": a call runs to the end of the answer
    args_key = "arguments"
    parallel = True  # whether the format has several calls in one answer
    tools_in_system = False  # a prompt shows the tools inside the caller's system turn

    @classmethod
    def for_tokenizer(cls, tokenizer: Tokenizer) -> ToolFormat:
        """The format as this vocabulary and template spell it."""
        return cls()

    def markers(self) -> tuple[str, ...]:
        """The texts the parser must see: kept in the answer even where they are special tokens."""
        return self.start, self.end

    def find_start(self, text: str, at_start: bool) -> tuple[int, int] | None:
        """(where a call's opening begins, where its body begins) in `text`, or None.
        `at_start`: nothing but whitespace came before `text` in the answer."""
        at = text.find(self.start)
        return None if at < 0 else (at, at + len(self.start))

    def held(self, text: str, at_start: bool) -> int:
        """How many characters at the end of `text` may still open a call (held back)."""
        return partial_suffix(text, self.start)

    def read(self, body: str, tools: Sequence[Function]) -> list[Call] | None:
        """The calls in one call's body (what is between its markers), or None: not a call."""
        call = parse_call(body)
        return None if call is None else [call]

    def head(self, body: str) -> tuple[str, int] | None:
        """(name, where the arguments begin) once an unfinished body has named its function and
        begun its arguments, for streaming them; None: not yet, or this format cannot."""
        return head(body)

    def call_id(self) -> str:
        return new_call_id()

    def call_text(self, name: str, arguments: str) -> str:
        """One past call as the model writes it (for templates that ignore tools)."""
        raise NotImplementedError

    def system_messages(self, tools: list[Function]) -> list[dict[str, Any]]:
        """The messages that show the tools, placed after the conversation's system message."""
        listing = json.dumps([t.as_openai() for t in tools], ensure_ascii=False)
        example = self.call_text("<function-name>", "<args-json-object>")
        return [{"role": "system", "content": f"You may call these functions:\n{listing}\n\n"
                 f"To call one, answer with:\n{example}"}]

    def result_message(self, content: str) -> dict[str, Any]:
        return {"role": "user", "content": f"Function result:\n{content}"}

    def call_rule(self) -> tuple[str, str]:
        """(opening, closing) of one call as Lark expressions."""
        raise NotImplementedError

    def grammar(self, tools: list[Function], parallel: bool) -> Grammar:
        """Exactly the format's call(s), each naming one of `tools` with valid arguments."""
        opening, closing = self.call_rule()
        names = [f"fn_{i}" for i in range(len(tools))]
        calls = "call" if not (parallel and self.parallel) else 'call ("\\n" call)*'
        lines = [f"start: {calls}", f"call: {opening} ({' | '.join(names)}) {closing}"]
        lines += [f"{n}: %json {json.dumps(t.call_schema(self.args_key))}"
                  for n, t in zip(names, tools, strict=True)]
        return Grammar(kind="lark", source="\n".join(lines))


def partial_suffix(text: str, marker: str) -> int:
    """Length of the longest end of `text` that is a proper start of `marker`."""
    for n in range(min(len(marker) - 1, len(text)), 0, -1):
        if marker.startswith(text[-n:]):
            return n
    return 0


def token_literal(tokenizer: Tokenizer | None, text: str) -> str:
    """`text` as a Lark expression: the special token it is in this vocabulary (by id, so
    `[TOOL_CALLS]` names the token, not the characters), else the quoted string."""
    i = tokenizer.token_to_id(text) if tokenizer is not None else None
    if i is not None and i in tokenizer.special_ids:  # type: ignore[union-attr]
        return f"<[{i}]>"
    return json.dumps(text)
