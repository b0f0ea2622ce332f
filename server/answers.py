"""One choice's generated text read as OpenAI's answer — reasoning, content and tool calls — by
one object fed the whole text or its deltas, so whole and streamed answers agree. The thought is
split off first; tool calls are read in what follows it only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.tokenizer import Tokenizer
from server.reasoning import ThinkParser, thought_tokens
from server.tool_parsers import CallDelta, ParsedDelta, ToolCallParser, collect


@dataclass
class AnswerDelta:
    reasoning: str = ""
    content: str = ""
    calls: list[CallDelta] = field(default_factory=list)


@dataclass
class Answer:
    """A whole answer: content is None when there are calls or a thought and no text;
    reasoning None when there was no thought (or answers are not read for one)."""

    reasoning: str | None
    content: str | None
    calls: list[tuple[str, str, str]]  # (id, name, arguments)


class AnswerParser:
    """`tools` reads calls out of the content, `think` the thought out of the text; either may
    be None. Feed deltas, then `finish`."""

    def __init__(self, tools: ToolCallParser | None, think: ThinkParser | None) -> None:
        self.tools, self.think = tools, think
        self._text: list[str] = []  # everything fed, for counting the thought's tokens

    @property
    def num_calls(self) -> int:
        return self.tools.num_calls if self.tools else 0

    def feed(self, text: str) -> AnswerDelta:
        self._text.append(text)
        reasoning, content = self.think.feed(text) if self.think else ("", text)
        if self.tools is None:
            return AnswerDelta(reasoning, content)
        parsed = self.tools.feed(content)
        return AnswerDelta(reasoning, parsed.content, parsed.calls)

    def finish(self) -> AnswerDelta:
        reasoning, content = self.think.finish() if self.think else ("", "")
        if self.tools is None:
            return AnswerDelta(reasoning, content)
        parsed, end = self.tools.feed(content), self.tools.finish()
        return AnswerDelta(reasoning, parsed.content + end.content, parsed.calls + end.calls)

    def reasoning_tokens(self, tokenizer: Tokenizer, token_ids: Sequence[int],
                         skip_special: bool) -> int | None:
        """The thought's tokens among `token_ids` (all that was generated); None when answers
        are not read for a thought."""
        if self.think is None:
            return None
        return thought_tokens(tokenizer, token_ids, "".join(self._text), self.think.span,
                              skip_special)


def parse_answer(parser: AnswerParser, text: str) -> Answer:
    """A whole answer, through the same parser a stream uses."""
    deltas = [parser.feed(text), parser.finish()]
    reasoning = "".join(d.reasoning for d in deltas)
    content, calls = collect([ParsedDelta(d.content, d.calls) for d in deltas])
    if parser.think is not None and reasoning and not content:
        content = None
    return Answer(reasoning or None, content, calls)
