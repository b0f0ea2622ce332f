"""Tools and past calls in the prompt: the checkpoint's own template gets them as transformers
passes them when it lays out tools; a template that ignores tools gets them written into the
messages in the model's format."""

from __future__ import annotations

import json
from typing import Any

from engine.tokenizer import Tokenizer
from server.tool_parsers.base import Function, ToolFormat


def template_renders_tools(tokenizer: Tokenizer) -> bool:
    """Whether the checkpoint's own template lays out tools (Qwen2.5's does; SmolLM2's ignores
    them): then it gets `tools` and the calls as transformers passes them."""
    return "tools" in (tokenizer.chat_template or "")


def for_template(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages for a tool-aware template: calls with arguments as objects (transformers'
    convention; the template serializes them), results keep their role and call id."""
    out = []
    for m in messages:
        calls = m.get("tool_calls")
        if calls:
            m = m | {"tool_calls": [
                {"type": "function", "id": c["id"], "function": {
                    "name": c["function"]["name"],
                    "arguments": _as_object(c["function"]["arguments"])}}
                for c in calls]}
        out.append(m)
    return out


def inline(messages: list[dict[str, Any]], tools: list[Function] | None,
           fmt: ToolFormat) -> list[dict[str, Any]]:
    """Messages for a template that knows nothing of tools: the tools shown in a system turn,
    past calls written into the assistant's text in the model's format, results as the format's
    result turns (consecutive results share one turn, as in Qwen's template)."""
    out: list[dict[str, Any]] = []
    for m in messages:
        role = m["role"]
        if m.get("tool_calls"):
            calls = [fmt.call_text(c["function"]["name"], c["function"]["arguments"])
                     for c in m["tool_calls"]]
            text = m.get("content") or ""
            sep = "\n" if fmt.parallel else ""
            parts = [text, *calls] if text else calls
            out.append({"role": "assistant", "content": sep.join(parts)})
        elif role == "tool":
            result = fmt.result_message(m.get("content") or "")
            previous = out[-1] if out else None
            if fmt.parallel and previous and previous.get("_results"):
                previous["content"] += "\n" + result["content"]
            else:
                out.append(result | {"_results": True})
        else:
            out.append({k: v for k, v in m.items() if k not in ("tool_calls", "tool_call_id")})
    for m in out:
        m.pop("_results", None)
    if tools:
        at = 1 if out and out[0]["role"] == "system" else 0
        shown = fmt.system_messages(tools)
        if at and fmt.tools_in_system:  # one system turn: the caller's instructions, then tools
            out[0] = out[0] | {"content": f"{out[0]['content']}\n\n{shown[0]['content']}"}
        else:
            out[at:at] = shown
    return out


def _as_object(arguments: str) -> Any:
    try:
        return json.loads(arguments)
    except ValueError:
        return arguments  # not JSON: the template shows it as the client sent it
