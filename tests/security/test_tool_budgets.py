"""F3: no tool input stalls the server. Hostile calculator inputs (huge comb / perm / factorial /
powers, deep nesting, string tricks, and one that passes every input check but burns CPU) end as
is_error observations while /health on the same server keeps answering; the agent path keeps its
event loop free too."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time

import httpx
import pytest

from agents.tools import Tool, Toolbox, calculator
from tests.security.conftest import Secured

HEALTH_BOUND_S = 5.0  # generous: /health answers in milliseconds when the loop is free
CALL_BOUND_S = 30.0  # the calculator's budget is 2 s of CPU and 5 s of wall clock

HOSTILE = [
    "comb(3000000, 1500000)",  # the issue's: 51 s of GIL-holding CPU in-process
    "perm(1000000)",
    "factorial(10 ** 6)",
    "10 ** 10 ** 8",
    "9 ** 9 ** 9",
    "-" * 9000 + "1" + "+ 1" * 300,  # deep unary nesting
    "(" * 4000 + "1" + ")" * 4000,
    "'a' * 10 ** 9",
    "round(1, -10 ** 8)",  # passes every input check: only the CPU budget stops it
]


def _health_while(call: concurrent.futures.Future, http: httpx.Client,
                  headers: dict[str, str]) -> list[float]:
    """Latencies of /health, polled until `call` is done."""
    latencies = []
    while not call.done():
        start = time.monotonic()
        assert http.get("/health", headers=headers).status_code == 200
        latencies.append(time.monotonic() - start)
        time.sleep(0.05)
    return latencies


@pytest.mark.parametrize("expression", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_calculator_call_does_not_stall_the_server(secured: Secured,
                                                           expression: str) -> None:
    headers = secured.headers("alice")
    with httpx.Client(base_url=secured.url, timeout=120) as http, \
            concurrent.futures.ThreadPoolExecutor(1) as pool:
        start = time.monotonic()
        call = pool.submit(http.post, "/v1/tools/calculator/invoke", headers=headers,
                           json={"arguments": {"expression": expression}})
        latencies = _health_while(call, http, secured.headers("admin"))
        reply, took = call.result(), time.monotonic() - start
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["is_error"] and body["output"].startswith("CalculatorError: "), body
    assert took < CALL_BOUND_S, took
    assert max(latencies, default=0.0) < HEALTH_BOUND_S, latencies


def test_ordinary_expressions_still_work(secured: Secured) -> None:
    with httpx.Client(base_url=secured.url, timeout=60) as http:
        for expression, value in [("2**10 + 1", "1025"), ("comb(50, 25)", "126410606437752"),
                                  ("factorial(20)", "2432902008176640000"),
                                  ("sqrt(16) + 0.5", "4.5")]:
            body = http.post("/v1/tools/calculator/invoke", headers=secured.headers("bob"),
                             json={"arguments": {"expression": expression}}).json()
            assert (body["is_error"], body["output"]) == (False, value), body


def test_code_interpreter_burning_cpu_does_not_stall_the_server(secured: Secured) -> None:
    headers = secured.headers("alice")
    with httpx.Client(base_url=secured.url, timeout=120) as http, \
            concurrent.futures.ThreadPoolExecutor(1) as pool:
        call = pool.submit(http.post, "/v1/tools/code_interpreter/invoke", headers=headers,
                           json={"arguments": {"code": "import math\nmath.comb(3000000, 1500000)"}})
        latencies = _health_while(call, http, secured.headers("admin"))
        body = call.result().json()
    assert body["is_error"] and ("SIGXCPU" in body["output"] or "SIGKILL" in body["output"]), body
    assert max(latencies, default=0.0) < HEALTH_BOUND_S, latencies


@pytest.mark.parametrize("expression", HOSTILE[:3] + HOSTILE[-1:], ids=range(4))
async def test_agent_path_keeps_its_event_loop_free(expression: str) -> None:
    """The agents library's Toolbox (the path of `hanlin agent` and the Agent loop): a ticker
    on the same loop must keep ticking while the calculator works."""
    box = Toolbox([Tool(calculator)])
    gaps: list[float] = []

    async def tick() -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.02)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    try:
        observation = await asyncio.wait_for(box.invoke("calculator", {"expression": expression}),
                                             CALL_BOUND_S)
    finally:
        ticker.cancel()
    assert observation.is_error and observation.content.startswith("CalculatorError: ")
    assert max(gaps, default=0.0) < 1.0, max(gaps)


# Argument text a model (or a client) may send: deep nesting, huge integers, plain garbage.
HOSTILE_ARGUMENTS = ["[" * 100_000, '{"expression": ' + "[" * 50_000 + "]" * 50_000 + "}",
                     '{"expression": "1", "x": ' + "9" * 100_000 + "}", "1" * 100_000, "{"]


@pytest.mark.parametrize("arguments", HOSTILE_ARGUMENTS, ids=range(len(HOSTILE_ARGUMENTS)))
async def test_hostile_argument_text_is_an_error_observation(arguments: str) -> None:
    """Toolbox.invoke never raises, whatever the arguments' text (the old parser let a
    RecursionError or an int-conversion ValueError out: a 500 on the invoke route)."""
    observation = await Toolbox([Tool(calculator)]).invoke("calculator", arguments)
    assert observation.is_error and "arguments for calculator" in observation.content


@pytest.mark.parametrize("arguments", HOSTILE_ARGUMENTS[:3], ids=range(3))
def test_hostile_argument_text_over_http_is_not_a_server_error(secured: Secured,
                                                               arguments: str) -> None:
    reply = httpx.post(f"{secured.url}/v1/tools/calculator/invoke",
                       headers=secured.headers("alice"), timeout=60,
                       json={"arguments": arguments})
    assert reply.status_code == 200, reply.text
    assert reply.json()["is_error"]
