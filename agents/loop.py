"""The agent loop, one for every protocol: ask the model, run the calls it makes, feed back the
observations, until it answers or the step limit forces a final answer. `Agent.stream` yields
each `Step` as it completes (the unit a route streams); `Agent.run` keeps them all."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from agents.models import ChatModel, Message
from agents.protocols.base import ToolProtocol
from agents.records import Action, AgentRun, Step, Usage
from agents.tools.base import Toolbox


class Agent:
    def __init__(self, model: ChatModel, toolbox: Toolbox, protocol: ToolProtocol,
                 *, max_steps: int = 8) -> None:
        if max_steps < 1:
            raise ValueError("max_steps must be at least 1")
        self.model, self.toolbox, self.protocol, self.max_steps = model, toolbox, protocol, max_steps

    async def stream(self, messages: list[Message] | str) -> AsyncIterator[Step]:
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        prepared = self.protocol.prepare(messages, self.toolbox)
        history = list(prepared.messages)
        for index in range(self.max_steps):
            start = time.monotonic()
            turn = await self.model.complete(history, tools=prepared.tools, stop=prepared.stop)
            model_time = time.monotonic() - start
            parsed = self.protocol.parse(turn, index)
            history.append(self.protocol.assistant_message(turn))
            if parsed.error:
                history += self.protocol.error_messages(parsed.error)
                yield Step(index=index, thought=parsed.thought, error=parsed.error,
                           duration_s=model_time, usage=turn.usage)
                continue
            if not parsed.calls:
                yield Step(index=index, thought=parsed.thought, final_answer=parsed.final_answer,
                           duration_s=model_time, usage=turn.usage)
                return
            actions = []
            for call in parsed.calls:  # in order: calls may depend on each other's effects
                begun = time.monotonic()
                observation = await self.toolbox.invoke(call.name, call.arguments)
                actions.append(Action(call=call, observation=observation,
                                      duration_s=time.monotonic() - begun))
            history += self.protocol.observation_messages(actions)
            yield Step(index=index, thought=parsed.thought, actions=actions,
                       duration_s=model_time, usage=turn.usage)
        history.append(self.protocol.force_final_message())
        start = time.monotonic()
        turn = await self.model.complete(history, tools=prepared.tools,
                                         tool_choice="none" if prepared.tools else None,
                                         stop=prepared.stop)
        parsed = self.protocol.parse(turn, self.max_steps)
        yield Step(index=self.max_steps, thought=parsed.thought, forced=True,
                   final_answer=self.protocol.final_from_forced(turn, parsed),
                   duration_s=time.monotonic() - start, usage=turn.usage)

    async def run(self, messages: list[Message] | str) -> AgentRun:
        steps = [step async for step in self.stream(messages)]
        usage = Usage()
        for step in steps:
            usage = usage + step.usage
        last = steps[-1]
        return AgentRun(steps=steps, final_answer=last.final_answer, usage=usage,
                        stop_reason="step_limit" if last.forced else "answer")
