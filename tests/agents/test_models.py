"""`OpenAIChatModel` against a scripted OpenAI-compatible server on 127.0.0.1 (a real HTTP
server answering fixed bodies): the request it sends and the turn it reads back."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from agents import Agent, OpenAIChatModel, OpenAIProtocol, Toolbox
from agents.models import ChatModelError, past_the_context
from agents.tools import Tool, calculator


class ScriptedOpenAIServer(ThreadingHTTPServer):
    def __init__(self, replies: list[tuple[int, dict[str, Any]]]) -> None:
        self.replies, self.received = replies, []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler) -> None:  # noqa: N805
                body = json.loads(handler.rfile.read(int(handler.headers["content-length"])))
                self.received.append({"path": handler.path, "auth": handler.headers.get("authorization"),
                                      "body": body})
                status, reply = self.replies.pop(0)
                data = json.dumps(reply).encode()
                handler.send_response(status)
                handler.send_header("content-type", "application/json")
                handler.send_header("content-length", str(len(data)))
                handler.end_headers()
                handler.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture()
def server() -> Iterator[ScriptedOpenAIServer]:
    srv = ScriptedOpenAIServer([])
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def completion(message: dict[str, Any], finish: str) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", **message},
                         "finish_reason": finish}],
            "usage": {"prompt_tokens": 20, "completion_tokens": 7, "total_tokens": 27}}


async def test_openai_wire_shape(server: ScriptedOpenAIServer) -> None:
    server.replies += [
        (200, completion({"content": None, "tool_calls": [{"id": "call_a", "type": "function",
            "function": {"name": "calculator", "arguments": "{\"expression\": \"2 ** 10\"}"}}]},
            "tool_calls")),
        (200, completion({"content": "1024"}, "stop")),
    ]
    model = OpenAIChatModel(f"http://127.0.0.1:{server.server_port}/v1", "m", api_key="k")
    try:
        run = await Agent(model, Toolbox([Tool(calculator)]), OpenAIProtocol()).run("2^10?")
    finally:
        await model.aclose()
    assert run.final_answer == "1024" and run.usage.completion_tokens == 14
    first, second = (r["body"] for r in server.received)
    assert server.received[0]["path"] == "/v1/chat/completions"
    assert server.received[0]["auth"] == "Bearer k"
    assert first["tools"][0]["function"]["name"] == "calculator" and first["temperature"] == 0.0
    assert second["messages"][1] == {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_a", "type": "function",
         "function": {"name": "calculator", "arguments": "{\"expression\": \"2 ** 10\"}"}}]}
    assert second["messages"][2] == {"role": "tool", "tool_call_id": "call_a", "content": "1024"}


async def test_http_errors_raise(server: ScriptedOpenAIServer) -> None:
    server.replies.append((404, {"error": {"message": "The model `m` does not exist."}}))
    model = OpenAIChatModel(f"http://127.0.0.1:{server.server_port}/v1", "m")
    try:
        with pytest.raises(ChatModelError, match="404"):
            await model.complete([{"role": "user", "content": "hi"}])
    finally:
        await model.aclose()


def test_only_a_max_tokens_past_the_context_is_asked_again() -> None:
    """The one 400 the evals client and the agents' model re-ask without max_tokens."""
    def refusal(param: str | None, code: str = "context_length_exceeded",
                status: int = 400) -> httpx.Response:
        return httpx.Response(status, json={"error": {"message": "...", "code": code,
                                                      "param": param}})

    body = {"messages": [], "max_tokens": 64}
    assert past_the_context(refusal("max_tokens"), body)
    assert past_the_context(refusal("max_completion_tokens"),
                            {"max_completion_tokens": 64})
    assert not past_the_context(refusal("max_completion_tokens"), body)  # not in this body
    assert not past_the_context(refusal("messages"), body)  # the prompt alone is too long
    assert not past_the_context(refusal("max_tokens", code="invalid_value"), body)
    assert not past_the_context(refusal("max_tokens", status=429), body)
    assert not past_the_context(httpx.Response(400, text="not json"), body)
