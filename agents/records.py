"""Typed records of an agent run: the model's turn, tool calls, observations, and the steps a run
yields as it goes (the streaming unit) and keeps (the record)."""

from __future__ import annotations

from typing import Literal

import msgspec


class Observation(msgspec.Struct, frozen=True, kw_only=True):
    """What a tool gave back. Failures are observations too (`is_error`), never exceptions."""

    content: str
    is_error: bool = False
    files: list[str] = []  # work-folder paths the tool produced or changed


class ToolCall(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    arguments: str  # JSON text exactly as the model wrote it (it may be malformed)


class Usage(msgspec.Struct, frozen=True, kw_only=True):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(prompt_tokens=self.prompt_tokens + other.prompt_tokens,
                     completion_tokens=self.completion_tokens + other.completion_tokens)


class AssistantTurn(msgspec.Struct, frozen=True, kw_only=True):
    """One reply of a chat model, in OpenAI's shape (text protocols leave tool_calls empty)."""

    content: str | None = None
    tool_calls: list[ToolCall] = []
    usage: Usage = Usage()
    finish_reason: str | None = None


class Action(msgspec.Struct, frozen=True, kw_only=True):
    call: ToolCall
    observation: Observation
    duration_s: float


class Step(msgspec.Struct, frozen=True, kw_only=True):
    """One model turn and the tool calls it made. `error` says why the turn could not be
    parsed (it went back to the model as an observation); `forced` marks the final turn the
    step limit demanded."""

    index: int
    thought: str | None = None
    actions: list[Action] = []
    final_answer: str | None = None
    error: str | None = None
    forced: bool = False
    duration_s: float = 0.0  # the model's time; each action has its own
    usage: Usage = Usage()


class AgentRun(msgspec.Struct, frozen=True, kw_only=True):
    steps: list[Step]
    final_answer: str | None
    stop_reason: Literal["answer", "step_limit"]
    usage: Usage
