"""`/v1/responses` input items -> chat messages, checked item by item with OpenAI's errors: message,
function_call, function_call_output (which must answer a call the conversation made),
code_interpreter_call (a built-in call passed back by hand) and reasoning (a thought passed back:
kept with the assistant turn that follows it, for templates that show past thoughts)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from server.errors import APIError, unsupported

Message = dict[str, Any]
CODE_INTERPRETER = "code_interpreter"
_ROLES = {"user", "assistant", "system", "developer"}
_TEXT_PARTS = {"input_text", "output_text", "text"}


def item_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def input_items(value: str | list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The request's input as a list of items (a string is one user message), each with an id
    as `GET /v1/responses/{id}/input_items` lists them."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [{"type": "message", "role": "user", "content": value}]
    items = []
    for item in value:
        kind = item.get("type", "message")
        prefix = {"function_call": "fc", "function_call_output": "fco",
                  "code_interpreter_call": "ci", "reasoning": "rs"}.get(kind, "msg")
        item = {"id": item.get("id") or item_id(prefix), **item, "type": kind}
        if kind == "message" and isinstance(item.get("content"), str):
            # Listed back as OpenAI lists them: content as parts.
            part = "output_text" if item.get("role") == "assistant" else "input_text"
            item["content"] = [{"type": part, "text": item["content"]}]
        items.append(item)
    return items


def to_messages(items: list[dict[str, Any]], history: list[Message]) -> list[Message]:
    """The chat messages `items` add to `history` (which is not changed)."""
    out: list[Message] = []
    thought: str | None = None  # a reasoning item's text, for the assistant turn after it
    for i, item in enumerate(items):
        kind = item["type"]
        if kind == "reasoning":
            thought = _reasoning_text(item, i)
            continue
        if kind == "message":
            out.append(_message(item, i))
        elif kind == "function_call":
            _call_message(out).append(_call(
                _text(item, "call_id", i), _text(item, "name", i), _text(item, "arguments", i)))
        elif kind == "function_call_output":
            call_id = _text(item, "call_id", i)
            if call_id not in _call_ids(history + out):
                raise APIError(f"No tool call found for function call output with call_id "
                               f"{call_id}.", param=f"input[{i}].call_id", code="invalid_value")
            out.append({"role": "tool", "tool_call_id": call_id,
                        "content": _content(item.get("output"), f"input[{i}].output")})
        elif kind == "code_interpreter_call":
            call_id = _text(item, "id", i)
            code = item.get("code") or ""
            _call_message(out).append(
                _call(call_id, CODE_INTERPRETER, json.dumps({"code": code})))
            logs = "\n".join(o.get("logs", "") for o in item.get("outputs") or []
                             if isinstance(o, dict))
            out.append({"role": "tool", "tool_call_id": call_id, "content": logs or "[no output]"})
        else:
            raise unsupported(f"input[{i}].type", f"Unsupported input item type: '{kind}'. "
                              "hanlin accepts message, function_call, function_call_output, "
                              "code_interpreter_call and reasoning items.")
        if thought is not None and out and out[-1]["role"] == "assistant":
            out[-1]["reasoning_content"], thought = thought, None
    return out


def _reasoning_text(item: dict[str, Any], i: int) -> str:
    """A reasoning item's thought: its reasoning_text parts (else its summary), joined."""
    parts = item.get("content") or item.get("summary") or []
    if not isinstance(parts, list) or not all(
            isinstance(p, dict) and isinstance(p.get("text"), str) for p in parts):
        raise APIError(f"Invalid 'input[{i}].content': expected reasoning_text parts.",
                       param=f"input[{i}].content", code="invalid_type")
    return "\n".join(p["text"] for p in parts)


def _message(item: dict[str, Any], i: int) -> Message:
    role = item.get("role")
    if role not in _ROLES:
        raise APIError(f"Invalid value for 'input[{i}].role': {role!r}. Supported values are: "
                       "'user', 'assistant', 'system' and 'developer'.",
                       param=f"input[{i}].role", code="invalid_value")
    return {"role": role, "content": _content(item.get("content"), f"input[{i}].content")}


def _content(value: Any, param: str) -> str:
    """A string, or text parts joined by newlines (as the chat route joins them)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        raise APIError(f"Invalid type for '{param}': expected a string or an array of content "
                       "parts.", param=param, code="invalid_type")
    texts = []
    for j, part in enumerate(value):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in _TEXT_PARTS or not isinstance(part.get("text"), str):
            raise unsupported(f"{param}[{j}].type", f"Unsupported content part in "
                              f"'{param}[{j}]': {kind!r}; this model reads text only.")
        texts.append(part["text"])
    return "\n".join(texts)


def _text(item: dict[str, Any], key: str, i: int) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise APIError(f"Missing required parameter: 'input[{i}].{key}'.",
                       param=f"input[{i}].{key}", code="missing_required_parameter")
    return value


def _call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function",
            "function": {"name": name, "arguments": arguments}}


def _call_message(out: list[Message]) -> list[dict[str, Any]]:
    """The tool_calls list of the assistant turn a call item belongs to: consecutive call items
    are one turn, as the model made them."""
    last = out[-1] if out else None
    if last is None or last["role"] != "assistant":
        last = {"role": "assistant", "content": "", "tool_calls": []}
        out.append(last)
    last.setdefault("tool_calls", [])
    if last["tool_calls"] is None:
        last["tool_calls"] = []
    return last["tool_calls"]


def _call_ids(messages: list[Message]) -> set[str]:
    return {c["id"] for m in messages for c in (m.get("tool_calls") or ())}
