"""Chat schema validation for fine-tuning uploads (OpenAI `messages` JSONL), one specific reason
per failure: roles, content shapes, empty turns, alternation, tool calls and their answers.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, ClassVar

from msgspec import Meta

from datapipe.document import Document
from datapipe.steps import Filter, Key, Settings

# Keys OpenAI's chat fine-tuning format accepts on a message.
_MESSAGE_KEYS = {"role", "content", "name", "tool_calls", "tool_call_id", "weight", "refusal",
                 "function_call"}


class ChatSchemaSettings(Settings):
    roles: Annotated[tuple[Key, ...], Meta(max_length=16)] = (
        "system", "developer", "user", "assistant", "tool")
    require_final_assistant: bool = True  # the last turn is what the model learns to say
    allow_unknown_keys: bool = False  # OpenAI's validator rejects unrecognized message keys


def _content_text(content: Any) -> str | None:
    """The text of a content value, or None when its shape is invalid."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if not (isinstance(part, dict) and part.get("type") == "text"
                    and isinstance(part.get("text"), str)):
                return None
            texts.append(part["text"])
        return "".join(texts)
    return None


class ChatSchema(Filter):
    name: ClassVar[str] = "chat_schema"
    Settings = ChatSchemaSettings

    def filter(self, doc: Document) -> str | None:
        messages = doc.messages or []
        if not messages:
            return "no_messages"
        for message in messages:
            reason = self._check_message(message)
            if reason:
                return reason
        return self._check_order(messages)

    def _check_message(self, message: Any) -> str | None:
        if not isinstance(message, dict):
            return "message_not_object"
        role = message.get("role")
        if role not in self.settings.roles:
            return "unknown_role" if role is not None else "role_missing"
        if not self.settings.allow_unknown_keys and set(message) - _MESSAGE_KEYS:
            return "unknown_message_key"
        content = message.get("content")
        has_calls = role == "assistant" and message.get("tool_calls")
        if content is None and not has_calls:
            return "content_missing"
        text = "" if content is None else _content_text(content)
        if text is None:
            return "content_invalid"
        if not text.strip() and not has_calls:
            return "empty_turn"
        if role == "tool" and not isinstance(message.get("tool_call_id"), str):
            return "tool_call_id_missing"
        if "tool_calls" in message and role != "assistant":
            return "tool_calls_not_assistant"
        if has_calls or "tool_calls" in message:
            return self._check_calls(message.get("tool_calls"))
        return None

    @staticmethod
    def _check_calls(calls: Any) -> str | None:
        if not isinstance(calls, list) or not calls:
            return "tool_calls_invalid"
        ids = set()
        for call in calls:
            function = call.get("function") if isinstance(call, dict) else None
            if not (isinstance(call, dict) and isinstance(call.get("id"), str)
                    and call.get("type", "function") == "function" and isinstance(function, dict)
                    and isinstance(function.get("name"), str) and function["name"]):
                return "tool_calls_invalid"
            if call["id"] in ids:
                return "tool_call_id_duplicate"
            ids.add(call["id"])
            arguments = function.get("arguments")
            if not isinstance(arguments, str):
                return "tool_arguments_invalid_json"
            try:
                json.loads(arguments)
            except ValueError:
                return "tool_arguments_invalid_json"
        return None

    def _check_order(self, messages: list[dict[str, Any]]) -> str | None:
        """After an optional system (or developer) message: user, then assistant turns that
        alternate with users; an assistant's tool calls are each answered by a tool message
        (matched by tool_call_id) before the next assistant turn."""
        roles = [m["role"] for m in messages]
        start = 1 if roles[0] in ("system", "developer") else 0
        if any(r in ("system", "developer") for r in roles[start:]):
            return "system_not_first"
        if start == len(roles):
            return "no_turns"
        if roles[start] != "user":
            return "first_turn_not_user"
        pending: set[str] = set()
        previous = "user"
        for message in messages[start + 1:]:
            role = message["role"]
            if role == "tool":
                if message["tool_call_id"] not in pending:
                    return "tool_message_unmatched"
                pending.discard(message["tool_call_id"])
            elif pending:
                return "tool_call_unanswered"
            elif role == previous == "user" or (role == "assistant" and previous == "assistant"):
                return "alternation"
            elif role == "user" and previous == "tool":
                return "alternation"  # a tool result goes back to the assistant first
            if role == "assistant" and message.get("tool_calls"):
                pending = {call["id"] for call in message["tool_calls"]}
            previous = role
        if pending:
            return "tool_call_unanswered"
        if self.settings.require_final_assistant and previous != "assistant":
            return "last_turn_not_assistant"
        return None
