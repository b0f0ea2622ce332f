"""Reasoning models' thoughts: `<think>…</think>` where an answer begins (or from its first
character, when the template opened the thought in the prompt) split off as reasoning, by one
parser fed whole answers or deltas alike; the thought's token count; and the template variables a
request sets (`chat_template_kwargs`, `reasoning_effort`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.tokenizer import Tokenizer
from server.tool_parsers.base import partial_suffix

START, END = "<think>", "</think>"
# `--reasoning-parser` names: "think" (vLLM's qwen3 and deepseek_r1 are the same tags), "none".
REASONING_PARSERS = ("think", "qwen3", "deepseek_r1", "none")
# The efforts that mean "do not think", where the template has a switch for it.
_NO_THINKING = ("none", "minimal")
# Template variables a request may not set: the renderer passes them itself.
RESERVED_KWARGS = ("messages", "tools", "add_generation_prompt", "bos_token", "eos_token",
                   "unk_token", "pad_token")


def reasoning_on(tokenizer: Tokenizer, name: str | None) -> bool:
    """Whether answers are read for a thought: as `--reasoning-parser` says, else when the
    template writes `<think>` or the vocabulary has both tags as tokens."""
    if name is not None:
        return name != "none"
    if START in (tokenizer.chat_template or ""):
        return True
    return all(tokenizer.token_to_id(tag) is not None for tag in (START, END))


def prefilled(prompt: str) -> bool:
    """Whether the rendered prompt opened the thought (DeepSeek-R1's and Qwen3-Thinking's
    templates end the generation prompt with `<think>`): the answer starts inside it."""
    return prompt.rstrip().endswith(START)


def template_kwargs(template: str | None, kwargs: dict[str, Any] | None,
                    effort: str | None) -> dict[str, Any]:
    """The variables the template gets: `reasoning_effort` where the template reads it, and
    "none" / "minimal" as `enable_thinking: false` where it has that switch (else the effort
    changes nothing); the request's `chat_template_kwargs` over both."""
    text = template or ""
    out: dict[str, Any] = {}
    if effort is not None and "reasoning_effort" in text:
        out["reasoning_effort"] = effort
    if effort in _NO_THINKING and "enable_thinking" in text:
        out["enable_thinking"] = False
    return out | (kwargs or {})


class ThinkParser:
    """Splits generated text into (reasoning, content). The thought's surrounding whitespace
    and the whitespace after `</think>` are layout, not text. An answer that does not begin with
    `<think>` (and was not opened in the prompt: `inside`) is all content; one that stops inside
    the thought is all reasoning. Where the prompt opened the thought, a `<think>` the model
    writes again is dropped, as vLLM does. `span` is where the thought is in the text fed,
    (start, end), end None while it is open."""

    def __init__(self, inside: bool = False) -> None:
        self._inside = inside
        self._state = "start"  # start -> thought -> answer
        self._buf = ""
        self._held = ""  # whitespace at the thought's end so far: dropped if the thought ends
        self._lead = True  # the part just begun drops its leading whitespace
        self._fed = 0  # characters fed before `_buf`
        self.span: tuple[int, int | None] | None = None

    def feed(self, text: str) -> tuple[str, str]:
        self._buf += text
        reasoning = content = ""
        while self._buf:
            if self._state == "start" and not self._begin():
                break
            if self._state == "thought":
                piece, closed = self._thought()
                reasoning += piece
                if not closed:
                    break
            if self._state == "answer":
                content += self._answer()
        return reasoning, content

    def finish(self) -> tuple[str, str]:
        """What is held when the answer ends: an unopened tag's start is content, an unclosed
        thought's last characters reasoning."""
        if self._state == "start" and self._inside:
            self._open(0)
        text, self._buf = self._buf, ""
        if self._state == "thought":
            return self._trim(text).rstrip(), ""
        return "", text if self._state == "start" or not self._lead else text.lstrip()

    def _begin(self) -> bool:
        body = self._buf.lstrip()
        if body.startswith(START):
            self._open(len(self._buf) - len(body) + len(START))
        elif START.startswith(body):  # nothing yet, or a start of the tag: wait
            return False
        elif self._inside:  # the prompt opened the thought: this is its text
            self._open(0)
        else:
            self._state, self._lead = "answer", False
        return True

    def _open(self, tag: int) -> None:
        """The thought begins after the first `tag` characters of `_buf`."""
        self._take(tag)
        self._state, self._lead, self.span = "thought", True, (self._fed, None)

    def _thought(self) -> tuple[str, bool]:
        """The thought's text in `_buf` up to `</think>` (or what cannot be part of it), and
        whether it closed."""
        end = self._buf.find(END)
        if end < 0:
            keep = len(self._buf) - partial_suffix(self._buf, END)
            piece = self._trim(self._buf[:keep])
            self._take(keep)
            body = piece.rstrip()
            self._held = piece[len(body):]
            return body, False
        piece = self._trim(self._buf[:end]).rstrip()
        assert self.span is not None
        self.span = (self.span[0], self._fed + end)
        self._take(end + len(END))
        self._state, self._lead, self._held = "answer", True, ""
        return piece, True

    def _answer(self) -> str:
        text, self._buf = self._buf, ""
        self._fed += len(text)
        if self._lead:
            text = text.lstrip()
            self._lead = not text
        return text

    def _trim(self, text: str) -> str:
        """The held whitespace back in front of `text`; leading whitespace off at the start."""
        text, self._held = self._held + text, ""
        if self._lead:
            text = text.lstrip()
            self._lead = not text
        return text

    def _take(self, n: int) -> None:
        self._buf, self._fed = self._buf[n:], self._fed + n


def thought_tokens(tokenizer: Tokenizer, token_ids: Sequence[int], text: str,
                   span: tuple[int, int | None] | None, skip_special: bool) -> int:
    """How many of the generated tokens are the thought's: those that begin inside `span` of
    `text` (the tags' own tokens do not). Tokens are laid end to end by their bytes; special
    tokens take no room when the text skipped them."""
    if span is None:
        return 0
    start = len(text[: span[0]].encode())
    end = len(text.encode()) if span[1] is None else len(text[: span[1]].encode())
    at, count = 0, 0
    for i in token_ids:
        if start <= at < end:
            count += 1
        if not (skip_special and i in tokenizer.special_ids):
            at += len(tokenizer.id_to_bytes(i))
    return count
