"""`ScriptedChatModel`, the test double for a chat model: it returns fixed turns in order and
records every request, so a test checks both what the loop did and what it told the model."""

from __future__ import annotations

import copy
from typing import Any

from agents.records import AssistantTurn, Usage


class ScriptedChatModel:
    def __init__(self, turns: list[AssistantTurn | str]) -> None:
        self.turns = [t if isinstance(t, AssistantTurn) else
                      AssistantTurn(content=t, usage=Usage(prompt_tokens=10, completion_tokens=5))
                      for t in turns]
        self.requests: list[dict[str, Any]] = []

    async def complete(self, messages: list[dict[str, Any]], *, tools: list[dict[str, Any]] | None = None,
                       tool_choice: str | None = None, stop: list[str] | None = None) -> AssistantTurn:
        self.requests.append({"messages": copy.deepcopy(messages), "tools": tools,
                              "tool_choice": tool_choice, "stop": stop})
        if len(self.requests) > len(self.turns):
            raise AssertionError(f"the loop asked for turn {len(self.requests)}; "
                                 f"only {len(self.turns)} were scripted")
        return self.turns[len(self.requests) - 1]
