"""What flows through a pipeline (`Document`) and what it leaves behind (`Rejected`).

A document holds either `text` (text, code, long-context pipelines) or `messages` (chat).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec


class Document(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One record of an upload. `metadata` keeps every other field of the record, so the
    cleaned file has the shape of the uploaded one."""

    id: str
    text: str | None = None
    messages: list[Any] | None = None
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    line: int = 0  # 1-based line in the uploaded file, so a user can find the record

    def content(self) -> str:
        """The text that text filters read: the text, or a chat's message contents joined."""
        if self.text is not None:
            return self.text
        return "\n\n".join(iter_contents(self.messages or []))


class Rejected(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A removed record with the step and reason that removed it. Bad lines that never became a
    document keep their raw text (undecodable bytes backslash-escaped) instead."""

    line: int
    step: str
    reason: str
    detail: str | None = None
    document: Document | None = None
    raw: str | None = None


def iter_contents(messages: list[Any]):
    """Yield every text string of OpenAI-style messages: string contents and text parts."""
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            yield content
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    yield part["text"]


def map_text(doc: Document, fn: Callable[[str], str]) -> bool:
    """Apply `fn` to the document's text, or to every message content; True when anything
    changed. Transforms use it so one code path serves text and chat documents."""
    if doc.text is not None:
        new = fn(doc.text)
        changed = new != doc.text
        doc.text = new
        return changed
    changed = False
    for message in doc.messages or []:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            new = fn(content)
            if new != content:
                message["content"], changed = new, True
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    new = fn(part["text"])
                    if new != part["text"]:
                        part["text"], changed = new, True
    return changed
