"""Text bound for a client (a job's, dataset's or run's error, an event) without server paths or
tracebacks: the last guard behind messages that are built from ids in the first place."""

from __future__ import annotations

import re

# An absolute path (or ~/...) standing on its own: not the tail of a URL ("http://h/x"), of a
# model name ("org/name") or of a ratio ("tokens/s").
_PATH = re.compile(r"(?<![\w:/.~-])~?/[^\s'\"`,;()\[\]{}<>]+")
_TRACEBACK = "Traceback (most recent call last)"
PATH_MARK = "<server path>"


def public_message(text: str, fallback: str = "The job failed.") -> str:
    """`text` with every absolute path replaced and nothing from a traceback on; `fallback`
    when nothing is left."""
    text = text.split(_TRACEBACK, 1)[0]
    text = _PATH.sub(PATH_MARK, text).strip()
    return text or fallback
