"""Code execution is real: HumanEval's canonical solutions score pass@1 = 1 and empty
completions 0 through the runner, the extraction and the bubblewrap sandbox; a hanging
completion is killed at its wall clock. The model is a recorded stand-in that answers with
the canonical solution (httpx.MockTransport)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import msgspec
import pytest

from agents.sandbox import SandboxConfig, SandboxUnavailable
from evals import EndpointConfig, get_task, run_task
from evals.data import humaneval
from evals.execute import program, run_tests
from tests.evals.recorded import RecordedServer

ENDPOINT = EndpointConfig(base_url="http://recorded.test/v1", model="m")
REPO = Path(__file__).resolve().parents[2]
PROBLEMS = {d.code.prompt: d.code for d in humaneval()}


def canonical(prompt: object) -> str:
    return PROBLEMS[prompt].canonical_solution


def chat_canonical(messages: object) -> str:
    """A chat answer: a preamble, the whole function in a fence, then prose."""
    asked = messages[-1]["content"]
    code = next(c for p, c in PROBLEMS.items() if p in asked)
    return f"Sure! Here it is:\n```python\n{code.prompt}{code.canonical_solution}```\nDone."


async def test_canonical_solutions_pass_every_problem(sandbox_config: SandboxConfig) -> None:
    server = RecordedServer(answer=canonical)
    run = await run_task(get_task("humaneval"), ENDPOINT, sandbox=sandbox_config,
                         transport=httpx.MockTransport(server))
    assert run.results.counts.total == 164 and run.results.counts.errored == 0
    assert run.results.metric("pass@1").value == 1.0
    assert run.results.unparsed_rate == 0.0
    for item in run.items:
        sandbox = item.outputs[0].sandbox
        assert sandbox.passed and sandbox.exit_code == 0 and not sandbox.timed_out


async def test_chat_answers_with_the_whole_function_pass(sandbox_config: SandboxConfig) -> None:
    run = await run_task(get_task("humaneval_chat"), ENDPOINT, limit=20, sandbox=sandbox_config,
                         transport=httpx.MockTransport(RecordedServer(answer=chat_canonical)))
    assert run.results.metric("pass@1").value == 1.0


async def test_empty_completions_fail_every_problem(sandbox_config: SandboxConfig) -> None:
    run = await run_task(get_task("humaneval"), ENDPOINT, limit=20, sandbox=sandbox_config,
                         transport=httpx.MockTransport(RecordedServer(answer=lambda _: "")))
    assert run.results.metric("pass@1").value == 0.0
    assert run.results.unparsed_rate == 1.0  # nothing to extract, yet it still ran
    for item in run.items:
        sandbox = item.outputs[0].sandbox
        assert not sandbox.passed and sandbox.exit_code not in (0, None)
        assert "AssertionError" in sandbox.stderr or "Error" in sandbox.stderr


async def test_a_hanging_completion_is_killed(sandbox_config: SandboxConfig) -> None:
    code = PROBLEMS[next(iter(PROBLEMS))]
    outcome = await run_tests(code, "    while True:\n        pass\n", timeout_s=1.0,
                              config=sandbox_config)
    assert outcome.timed_out and not outcome.passed and outcome.exit_code is None


async def test_the_sandbox_keeps_the_program_away_from_the_network_and_host(
        sandbox_config: SandboxConfig) -> None:
    code = PROBLEMS[next(iter(PROBLEMS))]
    probe = ("    import socket, os\n"
             f"    assert not os.path.exists({str(REPO / 'pyproject.toml')!r}), 'host visible'\n"
             "    socket.create_connection(('127.0.0.1', 22), timeout=1)\n")
    outcome = await run_tests(code, probe, timeout_s=5.0, config=sandbox_config)
    assert not outcome.passed and "host visible" not in outcome.stderr


def test_program_continues_or_replaces_the_prompt() -> None:
    code = PROBLEMS[next(iter(PROBLEMS))]
    body = "    return False\n"
    assert program(code, body).startswith(code.prompt + body)
    whole = f"def {code.entry_point}(numbers, threshold):\n    return False\n"
    assert program(code, whole).startswith(f"{code.prompt}\n{whole}")
    assert program(code, body).endswith(f"\ncheck({code.entry_point})\n")


async def test_without_a_sandbox_the_run_stops_and_nothing_runs() -> None:
    broken = SandboxConfig(bwrap="/nonexistent/bwrap")
    with pytest.raises(SandboxUnavailable, match="nonexistent"):
        await run_task(get_task("humaneval"), ENDPOINT, limit=3, sandbox=broken,
                       transport=httpx.MockTransport(RecordedServer(answer=canonical)))


async def test_pass_at_k_over_several_samples(sandbox_config: SandboxConfig) -> None:
    task = get_task("humaneval")
    gen = msgspec.structs.replace(task.mode.generate, samples=4, temperature=0.8)
    task = msgspec.structs.replace(task, mode=msgspec.structs.replace(task.mode, generate=gen,
                                                                      ks=(1, 2, 10)))

    def half_right(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        texts = [canonical(body["prompt"]), "    return None\n"] * (body["n"] // 2)
        return httpx.Response(200, json={"choices": [
            {"index": i, "text": t, "finish_reason": "stop"} for i, t in enumerate(texts)]})

    run = await run_task(task, ENDPOINT, limit=3, sandbox=sandbox_config,
                         transport=httpx.MockTransport(half_right))
    for item in run.items:
        assert [o.sandbox.passed for o in item.outputs] == [True, False, True, False]
        assert item.scores == {"pass@1": 0.5, "pass@2": pytest.approx(1 - 1 / 6)}
    assert [m.name for m in run.results.metrics] == ["pass@1", "pass@2", "pass@10"]
    assert run.results.metric("pass@10").n == 0  # k > n: not estimable, not reported as 0
