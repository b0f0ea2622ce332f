"""The agent loop over `ScriptedChatModel`, for each protocol: multi-step tool use, a tool error
fed back and recovered from, the step limit forcing a final answer, and malformed call text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from agents import Agent, InternLM2Protocol, OpenAIProtocol, ReActProtocol
from agents.protocols.base import FORCE_FINAL
from agents.records import AssistantTurn, ToolCall, Usage
from agents.sandbox import SandboxConfig, Workspace
from agents.tools import Toolbox, WorkspaceTools
from tests.agents.scripted import ScriptedChatModel

USAGE = Usage(prompt_tokens=10, completion_tokens=5)


class OpenAIScript:
    protocol = OpenAIProtocol()

    def call(self, step: int, name: str, arguments: dict[str, Any] | str) -> AssistantTurn:
        text = arguments if isinstance(arguments, str) else json.dumps(arguments)
        return AssistantTurn(content=None, usage=USAGE, finish_reason="tool_calls",
                             tool_calls=[ToolCall(id=f"call_{step}_0", name=name, arguments=text)])

    def answer(self, text: str) -> AssistantTurn:
        return AssistantTurn(content=text, usage=USAGE, finish_reason="stop")

    def malformed(self, step: int) -> AssistantTurn:  # arguments cut off mid-JSON
        return self.call(step, "calculator", '{"expression": "6 *')

    def observation(self, step: int, content: str) -> dict[str, Any]:
        return {"role": "tool", "tool_call_id": f"call_{step}_0", "content": content}


class InternLM2Script(OpenAIScript):
    protocol = InternLM2Protocol()

    def call(self, step: int, name: str, arguments: dict[str, Any] | str) -> AssistantTurn:
        payload = json.dumps({"name": name, "parameters": arguments})
        # the server stops at <|action_end|> and leaves it out, as a stop string is
        return AssistantTurn(content=f"I will use {name}.<|action_start|><|plugin|>\n{payload}",
                             usage=USAGE)

    def malformed(self, step: int) -> AssistantTurn:
        return AssistantTurn(content='<|action_start|><|plugin|>\n{"name": "calculator", "para',
                             usage=USAGE)

    def observation(self, step: int, content: str) -> dict[str, Any]:
        return {"role": "environment", "name": "plugin", "content": content}


class ReActScript(OpenAIScript):
    protocol = ReActProtocol()

    def call(self, step: int, name: str, arguments: dict[str, Any] | str) -> AssistantTurn:
        return AssistantTurn(content=f"Thought: I will use {name}.\nAction: {name}\n"
                                     f"Action Input: {json.dumps(arguments)}", usage=USAGE)

    def answer(self, text: str) -> AssistantTurn:
        return AssistantTurn(content=f"Thought: I know it.\nFinal Answer: {text}", usage=USAGE)

    def malformed(self, step: int) -> AssistantTurn:
        return AssistantTurn(content="Thought: compute it\nAction: calculator", usage=USAGE)

    def observation(self, step: int, content: str) -> dict[str, Any]:
        return {"role": "user", "content": f"Observation: {content}"}


@pytest.fixture(params=[OpenAIScript, InternLM2Script, ReActScript], ids=["openai", "internlm2", "react"])
def script(request: pytest.FixtureRequest) -> OpenAIScript:
    return request.param()


@pytest.fixture()
def toolbox(sandbox_config: SandboxConfig) -> Iterator[tuple[Toolbox, Workspace]]:
    with Workspace(sandbox_config) as workspace:
        tools = [t for t in WorkspaceTools(workspace, sandbox_config).tools()
                 if t.name != "code_interpreter"]  # the interpreter has its own test
        yield Toolbox(tools), workspace


async def test_multi_step_tool_use(script: OpenAIScript, toolbox: tuple[Toolbox, Workspace]) -> None:
    box, workspace = toolbox
    model = ScriptedChatModel([
        script.call(0, "calculator", {"expression": "6 * 7"}),
        script.call(1, "write_file", {"path": "answer.txt", "content": "42"}),
        script.answer("The answer is 42, saved in answer.txt."),
    ])
    run = await Agent(model, box, script.protocol).run("What is 6 times 7? Save it.")
    assert run.stop_reason == "answer" and run.final_answer == "The answer is 42, saved in answer.txt."
    assert [a.observation.content for s in run.steps for a in s.actions] == [
        "42", "wrote 2 bytes to answer.txt"]
    assert run.steps[0].actions[0].call.name == "calculator"
    assert json.loads(run.steps[0].actions[0].call.arguments) == {"expression": "6 * 7"}
    assert run.usage == Usage(prompt_tokens=30, completion_tokens=15)
    assert all(s.duration_s >= 0 and s.usage == USAGE for s in run.steps)
    assert (workspace.folder / "answer.txt").read_text() == "42"
    # what the model saw: each observation right after its call
    assert model.requests[1]["messages"][-1] == script.observation(0, "42")
    assert model.requests[2]["messages"][-1] == script.observation(1, "wrote 2 bytes to answer.txt")
    first = model.requests[0]
    if isinstance(script.protocol, OpenAIProtocol):
        assert [t["function"]["name"] for t in first["tools"]] == ["calculator", "read_file", "write_file"]
    else:  # text protocols describe the tools in the prompt
        assert first["tools"] is None and "calculator" in json.dumps(first["messages"][0])


async def test_tool_error_is_fed_back_and_recovered(script: OpenAIScript,
                                                    toolbox: tuple[Toolbox, Workspace]) -> None:
    box, _ = toolbox
    model = ScriptedChatModel([
        script.call(0, "calculator", {"expression": "1 / 0"}),
        script.call(1, "calculator", {"expression": "1 / 1"}),
        script.answer("1.0"),
    ])
    run = await Agent(model, box, script.protocol).run("Divide.")
    failed = run.steps[0].actions[0].observation
    assert failed.is_error and failed.content == "CalculatorError: division by zero"
    assert model.requests[1]["messages"][-1] == script.observation(
        0, "Error: CalculatorError: division by zero")
    assert run.steps[1].actions[0].observation.content == "1.0"
    assert run.final_answer == "1.0" and run.stop_reason == "answer"


async def test_step_limit_forces_a_final_answer(script: OpenAIScript,
                                                toolbox: tuple[Toolbox, Workspace]) -> None:
    box, _ = toolbox
    model = ScriptedChatModel([
        script.call(0, "calculator", {"expression": "1 + 1"}),
        script.call(1, "calculator", {"expression": "2 + 2"}),
        script.answer("4"),  # the forced turn
    ])
    steps = [step async for step in Agent(model, box, script.protocol, max_steps=2).stream("Add.")]
    assert [len(s.actions) for s in steps] == [1, 1, 0]
    assert steps[-1].forced and steps[-1].final_answer == "4" and steps[-1].index == 2
    forced = model.requests[-1]
    assert forced["messages"][-1]["role"] == "user"
    if isinstance(script.protocol, OpenAIProtocol):
        assert forced["messages"][-1]["content"] == FORCE_FINAL
        assert forced["tool_choice"] == "none"
    run = await Agent(ScriptedChatModel(model.turns), box, script.protocol, max_steps=2).run("Add.")
    assert run.stop_reason == "step_limit" and run.final_answer == "4"


async def test_malformed_call_is_handled(script: OpenAIScript,
                                         toolbox: tuple[Toolbox, Workspace]) -> None:
    box, _ = toolbox
    model = ScriptedChatModel([
        script.malformed(0),
        script.call(1, "calculator", {"expression": "6 * 7"}),
        script.answer("42"),
    ])
    run = await Agent(model, box, script.protocol).run("Multiply.")
    assert run.final_answer == "42" and len(run.steps) == 3
    first = run.steps[0]
    # OpenAI's call is well-formed but its arguments are not: the tool's observation says so.
    # The text protocols cannot even read a call: the step records the parse error.
    reported = first.error or first.actions[0].observation.content
    assert reported and ("JSON" in reported or "Action Input" in reported)
    fed_back = model.requests[1]["messages"][-1]["content"]
    assert fed_back.startswith(("Error:", "Observation: Error:"))
    assert run.steps[1].actions[0].observation.content == "42"


async def test_unknown_tool_and_empty_reply(script: OpenAIScript,
                                            toolbox: tuple[Toolbox, Workspace]) -> None:
    box, _ = toolbox
    model = ScriptedChatModel([
        script.call(0, "search_web", {"query": "x"}),
        AssistantTurn(content="", usage=USAGE),
        script.answer("done"),
    ])
    run = await Agent(model, box, script.protocol).run("Go.")
    assert run.steps[0].actions[0].observation.content.startswith("unknown tool 'search_web'")
    error = run.steps[1].error or ""
    assert "empty" in error or "Action" in error
    assert run.final_answer == "done"


async def test_internlm2_interpreter_runs_in_the_sandbox(sandbox_config: SandboxConfig) -> None:
    with Workspace(sandbox_config) as workspace:
        tools = WorkspaceTools(workspace, sandbox_config)
        model = ScriptedChatModel([
            "Let me compute.<|action_start|><|interpreter|>\n```python\nx = 6 * 7\nprint(x)\n```",
            "<|action_start|><|interpreter|>\nprint(x + 1)<|action_end|>",
            "The answers are 42 and 43.",
        ])
        try:
            run = await Agent(model, tools.toolbox(), InternLM2Protocol()).run("Compute.")
        finally:
            await tools.aclose()
    assert [a.observation.content for s in run.steps for a in s.actions] == ["42", "43"]
    assert model.requests[1]["messages"][-1] == {"role": "environment", "name": "interpreter",
                                                 "content": "42"}
    history = model.requests[1]["messages"]
    assert history[-2]["content"].endswith("<|action_end|>")  # restored after the stop string
    system = model.requests[0]["messages"]
    assert system[0]["name"] == "interpreter" and system[1]["name"] == "plugin"
    assert "code_interpreter" not in system[1]["content"]
    assert model.requests[0]["stop"] == ["<|action_end|>"]
