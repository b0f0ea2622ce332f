"""The SSE wire, byte for byte, as a raw HTTP client sees it; and a client that leaves (mid-stream
or while waiting for a whole answer) aborts its request in the engine and frees its KV blocks.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

pytestmark = pytest.mark.slow


def _raw_stream(http: httpx.Client, path: str, body: dict) -> tuple[httpx.Response, bytes]:
    with http.stream("POST", path, json=body) as resp:
        raw = b"".join(resp.iter_raw())
    return resp, raw


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/completions"])
def test_sse_framing_is_exact(http: httpx.Client, model: str, path: str) -> None:
    body: dict = {
        "model": model,
        "max_tokens": 6,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if path == "/v1/chat/completions":
        body["messages"] = [{"role": "user", "content": "Hi"}]
    else:
        body["prompt"] = "Hello"
    resp, raw = _raw_stream(http, path, body)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/event-stream")
    assert resp.headers["cache-control"] == "no-cache"
    assert b"\r" not in raw
    assert raw.endswith(b"\n\ndata: [DONE]\n\n")
    events = raw.split(b"\n\n")
    assert events[-1] == b"" and events[-2] == b"data: [DONE]"
    payloads = []
    for event in events[:-2]:
        assert event.startswith(b"data: ") and b"\n" not in event, event
        payloads.append(json.loads(event[len(b"data: ") :]))
    assert len(payloads) >= 3
    assert payloads[-1]["choices"] == [] and payloads[-1]["usage"]["completion_tokens"] > 0
    assert all(p["usage"] is None for p in payloads[:-1])
    assert payloads[-2]["choices"][0]["finish_reason"] in ("stop", "length")
    if path == "/v1/chat/completions":
        assert payloads[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
        assert payloads[-2]["choices"][0]["delta"] == {}


def test_stream_without_include_usage_has_no_usage_key(http: httpx.Client, model: str) -> None:
    body = {
        "model": model,
        "messages": [{"role": "user", "content": "Hi"}],
        "max_tokens": 3,
        "stream": True,
    }
    _, raw = _raw_stream(http, "/v1/chat/completions", body)
    chunks = [json.loads(e[6:]) for e in raw.split(b"\n\n") if e and e != b"data: [DONE]"]
    assert chunks and all("usage" not in c for c in chunks)


def _health(http: httpx.Client) -> dict:
    return http.get("/health").json()


def test_health(http: httpx.Client, model: str) -> None:
    health = _health(http)
    assert health["status"] == "ok" and health["model"] == model
    for key in ("running", "waiting", "kv_blocks_total", "kv_blocks_free", "kv_blocks_cached"):
        assert isinstance(health[key], int)


def test_disconnect_aborts_and_frees_blocks(http: httpx.Client, model: str) -> None:
    # Greedy counting has no natural end: only the abort can stop it before 4000 tokens.
    body = {
        "model": model,
        "prompt": "1, 2, 3, 4, 5, 6,",
        "max_tokens": 4000,
        "temperature": 0,
        "stream": True,
    }
    before = _health(http)
    with http.stream("POST", "/v1/completions", json=body) as resp:
        lines = resp.iter_lines()
        first = next(line for line in lines if line.startswith("data: "))
        assert json.loads(first[6:])["choices"][0]["text"] is not None
        during = _health(http)
        assert during["running"] == 1
        assert during["kv_blocks_free"] < during["kv_blocks_total"]
    # Leaving the `with` early closes the connection: the server sees the client go.
    deadline = time.monotonic() + 30
    while (after := _health(http))["running"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert after["running"] == 0 and after["waiting"] == 0
    # Freed blocks may keep their prefix for reuse, but they are all free again.
    assert after["kv_blocks_free"] == after["kv_blocks_total"]
    generated = after["generated_tokens"] - before["generated_tokens"]
    assert generated < 1000, f"{generated} tokens: the request ran on after the client left"
    time.sleep(1.0)
    assert _health(http)["generated_tokens"] == after["generated_tokens"]


def test_disconnect_aborts_a_whole_answer_too(
    http: httpx.Client, server_url: str, model: str
) -> None:
    body = {"model": model, "prompt": "1, 2, 3, 4, 5, 6,", "max_tokens": 4000, "temperature": 0}
    before = _health(http)
    # The client gives up after a second; the server must notice although it has sent nothing.
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{server_url}/v1/completions", json=body, timeout=httpx.Timeout(30, read=1.0))
    deadline = time.monotonic() + 30
    while (after := _health(http))["running"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert after["running"] == 0 and after["kv_blocks_free"] == after["kv_blocks_total"]
    assert after["generated_tokens"] - before["generated_tokens"] < 1000
