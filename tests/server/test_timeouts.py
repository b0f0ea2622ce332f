"""Per-request timeouts (HANLIN_REQUEST_TIMEOUT_S) with the real default model in-process and a
tiny limit: a whole answer past it is a 504 `timeout` in the envelope, a stream ends with an
in-band error event; either way the engine request is aborted and its KV blocks freed. Chat,
completions, responses and embeddings; then the deadline rules themselves (0 = off, a shutdown's
drain cuts even then)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from engine.async_engine import AsyncEngine
from engine.config import EngineConfig
from engine.embed import EmbedRequest
from engine.protocol import GenerateRequest, SamplingParams
from server.app import create_app
from server.errors import APIError
from server.limits import Deadlines, LimitSettings
from server.settings import ServerSettings
from server.state.config import StateConfig

pytestmark = pytest.mark.slow

TIMEOUT_S = 0.5
# Greedy counting with ignore_eos has no natural end: only the timeout stops it early.
ENDLESS = {"temperature": 0, "ignore_eos": True, "max_tokens": 4000}
MESSAGES = [{"role": "user", "content": "Count from 1 to 10000, separated by commas."}]


@pytest.fixture(scope="module")
def engine() -> Iterator[AsyncEngine]:
    started = AsyncEngine.start(EngineConfig(num_threads=2))
    try:
        yield started
    finally:
        started.shutdown()


@pytest.fixture
async def http(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[AsyncTestClient]:
    settings = ServerSettings(limits=LimitSettings(request_timeout_s=TIMEOUT_S),
                              state=StateConfig(home=str(tmp_path)))
    async with AsyncTestClient(create_app(engine=engine, settings=settings), timeout=120) as c:
        yield c


async def _idle(engine: AsyncEngine) -> None:
    """The engine runs nothing and every KV block is free (a cached prefix counts as free)."""
    deadline = time.monotonic() + 30
    while True:
        stats = engine.stats()
        if (stats.running, stats.waiting) == (0, 0) and \
                stats.kv_blocks_free == stats.kv_blocks_total:
            return
        assert time.monotonic() < deadline, f"the engine still holds a request: {stats}"
        await asyncio.sleep(0.05)


def _timed_out(body: dict[str, Any]) -> None:
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert (error["type"], error["code"]) == ("server_error", "timeout")
    assert "HANLIN_REQUEST_TIMEOUT_S" in error["message"]


async def _events(http: AsyncTestClient, path: str, body: dict[str, Any]
                  ) -> tuple[list[str], list[str]]:
    """(event names, data lines) of a whole SSE answer."""
    names, data = [], []
    async with http.stream("POST", path, json=body) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                names.append(line[7:])
            elif line.startswith("data: "):
                data.append(line[6:])
    return names, data


async def test_a_whole_chat_answer_past_the_timeout_is_a_504(http: AsyncTestClient,
                                                             engine: AsyncEngine) -> None:
    before = engine.stats().generated_tokens
    response = await http.post("/v1/chat/completions",
                               json={"model": engine.model_name, "messages": MESSAGES, **ENDLESS})
    assert response.status_code == 504, response.text
    _timed_out(response.json())
    await _idle(engine)
    assert engine.stats().generated_tokens > before  # it did run, and was stopped
    # The engine serves on (asked directly: on a busy machine even two tokens may take longer
    # than this app's tiny limit).
    request = GenerateRequest(request_id="after", prompt_ids=(1, 2, 3),
                              sampling=SamplingParams(max_tokens=2, temperature=0))
    outputs = [out async for out in engine.generate(request)]
    assert outputs[-1].finished and outputs[-1].completion_tokens == 2


async def test_a_chat_stream_past_the_timeout_ends_with_an_error_event(
        http: AsyncTestClient, engine: AsyncEngine) -> None:
    _, data = await _events(http, "/v1/chat/completions", {
        "model": engine.model_name, "messages": MESSAGES, "stream": True, **ENDLESS})
    *chunks, error, done = data
    assert done == "[DONE]"
    assert chunks and all("choices" in json.loads(c) for c in chunks)
    _timed_out(json.loads(error))
    await _idle(engine)


async def test_completions_whole_and_streamed(http: AsyncTestClient, engine: AsyncEngine) -> None:
    body = {"model": engine.model_name, "prompt": "1, 2, 3, 4, 5,", **ENDLESS}
    response = await http.post("/v1/completions", json=body)
    assert response.status_code == 504
    _timed_out(response.json())
    await _idle(engine)
    _, data = await _events(http, "/v1/completions", body | {"stream": True, "n": 2})
    assert data[-1] == "[DONE]"
    _timed_out(json.loads(data[-2]))
    await _idle(engine)  # both choices aborted


async def test_responses_whole_and_streamed(http: AsyncTestClient, engine: AsyncEngine) -> None:
    body = {"model": engine.model_name, "input": "Write a very long story about a dragon.",
            "temperature": 0}
    response = await http.post("/v1/responses", json=body)
    assert response.status_code == 504, response.text
    _timed_out(response.json())
    await _idle(engine)
    names, data = await _events(http, "/v1/responses", body | {"stream": True})
    assert names[0] == "response.created" and names[-1] == "error"
    last = json.loads(data[-1])
    assert (last["type"], last["code"]) == ("error", "timeout")
    _timed_out(last)
    await _idle(engine)


async def test_embeddings_past_the_timeout_are_a_504(http: AsyncTestClient,
                                                     engine: AsyncEngine) -> None:
    # 2048 short inputs: 32 engine chunks of the scheduler's token budget, seconds of work.
    inputs = [list(range(1000, 1008))] * 2048
    response = await http.post("/v1/embeddings",
                               json={"model": engine.model_name, "input": inputs})
    assert response.status_code == 504, response.text[:300]
    _timed_out(response.json())
    # The engine drops the chunks not yet run once the chunk in flight ends; this one is next.
    one = await engine.embed(EmbedRequest(inputs=((1000, 1001),)))
    assert one.shape == (1, engine.embedding_size)


async def test_zero_means_no_timeout_but_a_shutdown_drain_still_cuts() -> None:
    off = Deadlines(0)
    async with off.bound(time.monotonic() - 3600):  # admitted an hour ago: no limit applies
        await asyncio.sleep(0.05)
    with pytest.raises(APIError) as cut:
        async with off.bound(time.monotonic()):
            off.drain(0.05)
            await asyncio.sleep(60)
    assert (cut.value.status_code, cut.value.code) == (503, "shutting_down")
    assert cut.value.detail == "server is shutting down"
    # A request whose own timeout comes first is a 504, drain or not.
    both = Deadlines(0.05)
    with pytest.raises(APIError) as late:
        async with both.bound(time.monotonic()):
            both.drain(30)
            await asyncio.sleep(60)
    assert (late.value.status_code, late.value.code) == (504, "timeout")


def test_the_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert LimitSettings().request_timeout_s == 600
    monkeypatch.setenv("HANLIN_REQUEST_TIMEOUT_S", "0")
    assert LimitSettings.from_env().request_timeout_s == 0
    monkeypatch.setenv("HANLIN_REQUEST_TIMEOUT_S", "2.5")
    assert ServerSettings.from_env().limits.request_timeout_s == 2.5
