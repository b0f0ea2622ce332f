"""What a tool-call protocol does: put the tools before the model, read calls out of its turn,
and phrase observations, errors and the forced final request the way the model was trained."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import msgspec

from agents.models import Message
from agents.records import Action, AssistantTurn, ToolCall
from agents.tools.base import Toolbox

FORCE_FINAL = ("You have used all your steps. Do not call any more tools: give your final answer "
               "now, based on what you have found so far.")


class Parsed(msgspec.Struct, frozen=True, kw_only=True):
    """A turn read by a protocol: calls to make, or a final answer, or why it could not be read."""

    thought: str | None = None
    calls: list[ToolCall] = []
    final_answer: str | None = None
    error: str | None = None


class Prepared(msgspec.Struct, frozen=True, kw_only=True):
    messages: list[Message]
    tools: list[dict[str, Any]] | None = None  # for native function calling
    stop: list[str] | None = None


class ToolProtocol(ABC):
    name: str

    @abstractmethod
    def prepare(self, messages: list[Message], toolbox: Toolbox) -> Prepared: ...

    @abstractmethod
    def parse(self, turn: AssistantTurn, step: int) -> Parsed: ...

    def assistant_message(self, turn: AssistantTurn) -> Message:
        return {"role": "assistant", "content": turn.content or ""}

    @abstractmethod
    def observation_messages(self, actions: list[Action]) -> list[Message]: ...

    @abstractmethod
    def error_messages(self, error: str) -> list[Message]:
        """A turn that could not be parsed, explained to the model so it can try again."""

    def force_final_message(self) -> Message:
        return {"role": "user", "content": FORCE_FINAL}

    def final_from_forced(self, turn: AssistantTurn, parsed: Parsed) -> str:
        """The answer of the forced last turn, whatever shape the model gave it."""
        return parsed.final_answer or parsed.thought or turn.content or ""
