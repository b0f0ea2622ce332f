"""Which format a model's calls are read in: named by the server's `--tool-call-parser`, else
told by the markers its chat template writes, else by its vocabulary, else Hermes."""

from __future__ import annotations

from engine.tokenizer import Tokenizer
from server.tool_parsers.base import ToolFormat
from server.tool_parsers.hermes import Hermes
from server.tool_parsers.internlm2 import InternLM2
from server.tool_parsers.llama3 import PYTHON_TAG, Llama3Json
from server.tool_parsers.mistral import TOOL_CALLS, Mistral
from server.tool_parsers.qwen3_coder import Qwen3Coder

FORMATS: tuple[type[ToolFormat], ...] = (Hermes, InternLM2, Llama3Json, Mistral, Qwen3Coder)
TOOL_CALL_PARSERS = tuple(f.name for f in FORMATS)

# (marker in the template, format): the first found wins. Qwen3-Coder's template writes
# `<tool_call>` too, so its `<function=` is looked for before Hermes'.
_TEMPLATE_MARKERS: tuple[tuple[str, type[ToolFormat]], ...] = (
    ("<function=", Qwen3Coder), (TOOL_CALLS, Mistral), ("<|action_start|>", InternLM2),
    ("<tool_call>", Hermes), (PYTHON_TAG, Llama3Json))


class UnknownParser(ValueError):
    """A parser name that is not one of ours (the message lists the known ones)."""


def check_name(name: str | None, known: tuple[str, ...], option: str) -> None:
    if name is not None and name not in known:
        raise UnknownParser(f"unknown {option} {name!r} (known: {', '.join(known)})")


def format_for(tokenizer: Tokenizer, name: str | None = None) -> ToolFormat:
    """The format `name` (a `TOOL_CALL_PARSERS` entry), or the one this checkpoint uses."""
    check_name(name, TOOL_CALL_PARSERS, "tool-call parser")
    if name is not None:
        return next(f for f in FORMATS if f.name == name).for_tokenizer(tokenizer)
    template = tokenizer.chat_template or ""
    for marker, fmt in _TEMPLATE_MARKERS:
        if marker in template:
            return fmt.for_tokenizer(tokenizer)
    has = tokenizer.token_to_id
    if has(TOOL_CALLS) is not None:
        return Mistral.for_tokenizer(tokenizer)
    if has("<|action_start|>") is not None and has("<|plugin|>") is not None:
        return InternLM2()
    if has(PYTHON_TAG) is not None:
        return Llama3Json()
    return Hermes()
