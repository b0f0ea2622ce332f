"""Prompt templates applied to items: chat messages or one completion text, zero- or few-shot.
Few-shot examples come from the end of the set (a `--limit` run takes items from its start)."""

from __future__ import annotations

from collections.abc import Sequence

from evals.records import Doc, Message
from evals.task import PromptTemplate


def fewshot_examples(pool: Sequence[Doc], doc: Doc, k: int) -> list[Doc]:
    """k solved examples for `doc`: the set's last k items, or, if `doc` is one of them, the
    last k+1 without it."""
    if k <= 0:
        return []
    return [d for d in pool[-(k + 1):] if d.id != doc.id][-k:]


def _split(doc: Doc) -> tuple[list[Message], list[Message]]:
    """(leading system messages, the rest) of an item's input."""
    messages = ([Message(role="user", content=doc.input)] if isinstance(doc.input, str)
                else list(doc.input))
    cut = next((i for i, m in enumerate(messages) if m.role != "system"), len(messages))
    return messages[:cut], messages[cut:]


def _instructed(template: PromptTemplate, turns: list[Message]) -> list[Message]:
    """The instruction wraps the last user turn (str.replace: items hold braces, code does)."""
    last = max((i for i, m in enumerate(turns) if m.role == "user"), default=None)
    if last is None:
        return turns
    text = template.instruction.replace("{input}", turns[last].content)
    return [*turns[:last], Message(role="user", content=text), *turns[last + 1:]]


def _answer(doc: Doc) -> str:
    if doc.choices and doc.gold is not None:
        return doc.choices[doc.gold]
    if doc.code is not None:
        return doc.code.canonical_solution
    return doc.references[0] if doc.references else ""


def _system(template: PromptTemplate, doc: Doc) -> list[Message]:
    if template.system is not None:
        return [Message(role="system", content=template.system)]
    return _split(doc)[0]


def chat_messages(template: PromptTemplate, doc: Doc, examples: Sequence[Doc]) -> list[Message]:
    shots: list[Message] = []
    for example in examples:
        shots += _instructed(template, _split(example)[1])
        shots.append(Message(role="assistant", content=_answer(example).strip()))
    return [*_system(template, doc), *shots, *_instructed(template, _split(doc)[1])]


def completion_text(template: PromptTemplate, doc: Doc, examples: Sequence[Doc]) -> str:
    def body(d: Doc) -> str:
        return "\n".join(m.content for m in _instructed(template, _split(d)[1]))

    shots = [body(e) + ("" if e.choices or e.code else template.answer_prefix) + _answer(e)
             for e in examples]
    text = template.example_separator.join([*shots, body(doc)])
    head = "\n".join(m.content for m in _system(template, doc))
    return f"{head}\n{text}" if head else text


def render(template: PromptTemplate, doc: Doc, examples: Sequence[Doc] = ()) -> str | list[Message]:
    if template.style == "chat":
        return chat_messages(template, doc, examples)
    return completion_text(template, doc, examples)
