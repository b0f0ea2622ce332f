"""OpenAI function calling: `tools` in the request, `tool_calls` in the reply, `role: tool`
messages with the observations; a reply without calls is the final answer."""

from __future__ import annotations

from agents.models import Message
from agents.protocols.base import Parsed, Prepared, ToolProtocol
from agents.records import Action, AssistantTurn
from agents.tools.base import Toolbox


class OpenAIProtocol(ToolProtocol):
    name = "openai"

    def prepare(self, messages: list[Message], toolbox: Toolbox) -> Prepared:
        return Prepared(messages=list(messages), tools=toolbox.specs() or None)

    def parse(self, turn: AssistantTurn, step: int) -> Parsed:
        if turn.tool_calls:
            # Malformed arguments are not an error here: the tool's observation says so, under
            # the call's id, which is what OpenAI's protocol expects back.
            return Parsed(thought=turn.content or None, calls=turn.tool_calls)
        if not (turn.content or "").strip():
            return Parsed(error="the reply was empty: call a tool or give the final answer")
        return Parsed(final_answer=turn.content)

    def assistant_message(self, turn: AssistantTurn) -> Message:
        message: Message = {"role": "assistant", "content": turn.content}
        if turn.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function",
                 "function": {"name": c.name, "arguments": c.arguments}}
                for c in turn.tool_calls]
        return message

    def observation_messages(self, actions: list[Action]) -> list[Message]:
        return [{"role": "tool", "tool_call_id": a.call.id, "content": _content(a)}
                for a in actions]

    def error_messages(self, error: str) -> list[Message]:
        return [{"role": "user", "content": f"Error: {error}"}]


def _content(action: Action) -> str:
    obs = action.observation
    return f"Error: {obs.content}" if obs.is_error else obs.content
