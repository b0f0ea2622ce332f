"""Request limits, in-process with a scripted engine (a test double for the model only; its
context is 2048 tokens). Body caps: a JSON body past HANLIN_MAX_BODY_BYTES is a 413
`request_too_large` in OpenAI's envelope, whether its content-length announces it or it arrives
chunked with none; uploads skip that cap and answer their own (max_file_bytes) with a 413 in the
envelope too. Context: prompt + the client's max_tokens past the context is a 400
`context_length_exceeded` on that field (chat, completions, responses); none given, the
completion gets the room left."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from engine.protocol import GenerateRequest, RequestOutput
from server.app import create_app
from server.limits import LimitSettings
from server.settings import ServerSettings
from server.state.config import StateConfig
from tests.server.scripted_engine import ScriptedEngine

CAP = 4096
FILE_CAP = 64 * 1024
CHAT = "/v1/chat/completions"


def _chat(engine: ScriptedEngine, content: str) -> dict[str, Any]:
    return {"model": engine.model_name, "messages": [{"role": "user", "content": content}]}


def _assert_too_large(response: httpx.Response, code: str = "request_too_large") -> None:
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["code"] == code


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Litestar, AsyncTestClient, ScriptedEngine]]:
    engine = ScriptedEngine(["Hello."] * 4)
    settings = ServerSettings(limits=LimitSettings(max_body_bytes=CAP),
                              state=StateConfig(home=str(tmp_path), max_file_bytes=FILE_CAP))
    app = create_app(engine=engine, settings=settings)
    async with AsyncTestClient(app) as http:
        yield app, http, engine


async def test_a_json_body_past_the_cap_is_a_413_in_the_envelope(served) -> None:  # noqa: ANN001
    _, http, engine = served
    response = await http.post(CHAT, json=_chat(engine, "x" * CAP))
    _assert_too_large(response)
    assert f"{CAP} bytes" in response.json()["error"]["message"]
    assert engine.prompts == []  # refused before the model saw anything
    # Under the cap, the same route answers.
    ok = await http.post(CHAT, json=_chat(engine, "x" * 100))
    assert ok.status_code == 200 and ok.json()["choices"][0]["message"]["content"] == "Hello."


async def test_a_chunked_body_with_no_length_is_capped_as_it_streams(served) -> None:  # noqa: ANN001
    app, _, engine = served
    body = json.dumps(_chat(engine, "x" * 4 * CAP)).encode()

    async def chunks() -> AsyncIterator[bytes]:  # an async body: httpx sends it chunked
        for i in range(0, len(body), 1000):
            yield body[i:i + 1000]

    # httpx's ASGI transport hands the app each chunk as its own `http.request` message.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://hanlin") as raw:
        response = await raw.post(CHAT, content=chunks(),
                                   headers={"content-type": "application/json"})
        assert "content-length" not in response.request.headers
        assert response.request.headers["transfer-encoding"] == "chunked"
        _assert_too_large(response)
        assert engine.prompts == []
        small = json.dumps(_chat(engine, "hi")).encode()

        async def one() -> AsyncIterator[bytes]:
            yield small

        ok = await raw.post(CHAT, content=one(), headers={"content-type": "application/json"})
        assert ok.status_code == 200, ok.text


async def test_other_json_routes_share_the_cap(served) -> None:  # noqa: ANN001
    _, http, engine = served
    for path, body in [("/v1/completions", {"model": engine.model_name, "prompt": "x" * CAP}),
                       ("/v1/embeddings", {"model": engine.model_name, "input": "x" * CAP}),
                       ("/tokenize", {"model": engine.model_name, "prompt": "x" * CAP})]:
        _assert_too_large(await http.post(path, json=body))


async def test_uploads_have_their_own_larger_cap(served) -> None:  # noqa: ANN001
    _, http, _ = served
    # Past the JSON cap, within the file cap: stored.
    ok = await http.post("/v1/files", files={"file": ("notes.jsonl", b"y" * (4 * CAP))},
                         data={"purpose": "user_data"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["bytes"] == 4 * CAP
    # Past the file cap: a 413 in the envelope, nothing stored.
    too_big = await http.post("/v1/files", files={"file": ("big.jsonl", b"y" * (FILE_CAP + 1))},
                              data={"purpose": "user_data"})
    _assert_too_large(too_big, code="file_too_large")
    assert too_big.json()["error"]["param"] == "file"
    listed = (await http.get("/v1/files")).json()["data"]
    assert [f["filename"] for f in listed] == ["notes.jsonl"]


async def test_a_chunked_upload_past_the_file_cap_is_a_413(served) -> None:  # noqa: ANN001
    app, http, _ = served
    boundary = "hanlinboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
            f"user_data\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.jsonl\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()

    def parts() -> Iterator[bytes]:
        yield head
        for _ in range(2 * FILE_CAP // 8192 + 1):
            yield b"z" * 8192
        yield f"\r\n--{boundary}--\r\n".encode()

    async def chunks() -> AsyncIterator[bytes]:
        for part in parts():
            yield part

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://hanlin") as raw:
        response = await raw.post("/v1/files", content=chunks(), headers={
            "content-type": f"multipart/form-data; boundary={boundary}"})
    assert "content-length" not in response.request.headers
    _assert_too_large(response, code="file_too_large")
    assert (await http.get("/v1/files")).json()["data"] == []


def test_the_caps_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert LimitSettings().max_body_bytes == 8 * 1024 * 1024  # the default: 8 MiB
    monkeypatch.setenv("HANLIN_MAX_BODY_BYTES", "12345")
    assert LimitSettings.from_env().max_body_bytes == 12345
    assert ServerSettings.from_env().limits.max_body_bytes == 12345


# ---- prompt + max_tokens beyond the context -----------------------------------------------------


class RecordingEngine(ScriptedEngine):
    """The scripted engine, keeping the requests it was given (their max_tokens)."""

    def __init__(self, script: list[str]) -> None:
        super().__init__(script)
        self.requests: list[GenerateRequest] = []

    async def generate(self, request: GenerateRequest) -> AsyncGenerator[RequestOutput, None]:
        self.requests.append(request)
        async for out in super().generate(request):
            yield out


@pytest.fixture
async def recorded(tmp_path: Path) -> AsyncIterator[tuple[AsyncTestClient, RecordingEngine]]:
    engine = RecordingEngine(["Hello."] * 8)
    settings = ServerSettings(state=StateConfig(home=str(tmp_path)))
    async with AsyncTestClient(create_app(engine=engine, settings=settings)) as http:
        yield http, engine


def _too_long(response: httpx.Response, param: str, prompt: int, asked: int, where: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["param"], error["code"]) == (
        "invalid_request_error", param, "context_length_exceeded")
    assert error["message"].startswith(
        f"This model's maximum context length is 2048 tokens. However, you requested "
        f"{prompt + asked} tokens ({prompt} in the {where}, {asked} in the completion).")


async def test_chat_max_tokens_past_the_context_is_a_400(recorded) -> None:  # noqa: ANN001
    http, engine = recorded
    body = _chat(engine, "Hi")
    # None asked: the room left after the prompt.
    first = await http.post(CHAT, json=body)
    prompt = first.json()["usage"]["prompt_tokens"]
    assert engine.requests[-1].sampling.max_tokens == 2048 - prompt
    # Exactly the room left: allowed.
    fits = await http.post(CHAT, json=body | {"max_tokens": 2048 - prompt})
    assert fits.status_code == 200 and engine.requests[-1].sampling.max_tokens == 2048 - prompt
    # One more: refused, naming the field the client used; streamed or not.
    for field in ("max_tokens", "max_completion_tokens"):
        for stream in (False, True):
            refused = await http.post(CHAT, json=body | {field: 2049 - prompt, "stream": stream})
            _too_long(refused, field, prompt, 2049 - prompt, "messages")
    assert len(engine.requests) == 2  # nothing refused reached the engine


async def test_completions_max_tokens_past_the_context_is_a_400(recorded) -> None:  # noqa: ANN001
    http, engine = recorded
    prompt = len(engine.tokenizer.encode("Once upon a time", add_special_tokens=True))
    body = {"model": engine.model_name, "prompt": "Once upon a time"}
    _too_long(await http.post("/v1/completions", json=body | {"max_tokens": 4000}),
              "max_tokens", prompt, 4000, "prompt")
    ok = await http.post("/v1/completions", json=body | {"max_tokens": 2048 - prompt})
    assert ok.status_code == 200 and engine.requests[-1].sampling.max_tokens == 2048 - prompt


async def test_responses_max_output_tokens_past_the_context_is_a_400(recorded) -> None:  # noqa: ANN001
    http, engine = recorded
    body = {"model": engine.model_name, "input": "Hi"}
    first = await http.post("/v1/responses", json=body)
    assert first.status_code == 200, first.text
    prompt = first.json()["usage"]["input_tokens"]
    assert engine.requests[-1].sampling.max_tokens == 2048 - prompt
    for stream in (False, True):
        refused = await http.post("/v1/responses", json=body | {"max_output_tokens": 3000,
                                                                "stream": stream})
        _too_long(refused, "max_output_tokens", prompt, 3000, "input")
    assert len(engine.requests) == 1


async def test_later_response_turns_spend_what_is_left_cut_to_the_room(recorded) -> None:  # noqa: ANN001
    """max_output_tokens must fit after the first turn's prompt; a later turn (after the code
    interpreter ran, in the real sandbox) gets what is left of it, cut to the room its longer
    prompt leaves, not a 400 mid-answer."""
    http, engine = recorded
    tools = [{"type": "code_interpreter", "container": {"type": "auto"}}]
    body = {"model": engine.model_name, "input": "What is 6 * 7?", "tools": tools}
    engine.script = ["Hello."]
    prompt = (await http.post("/v1/responses", json=body)).json()["usage"]["input_tokens"]
    engine.script = [engine.call("code_interpreter", json.dumps({"code": "print(6 * 7)"})),
                     "It is 42."]
    r = await http.post("/v1/responses", json=body | {"max_output_tokens": 2048 - prompt})
    assert r.status_code == 200, r.text
    assert [item["type"] for item in r.json()["output"]] == ["code_interpreter_call", "message"]
    first, second = engine.requests[-2:]
    assert first.sampling.max_tokens == 2048 - prompt
    assert len(second.prompt_ids) > len(first.prompt_ids)
    assert second.sampling.max_tokens == 2048 - len(second.prompt_ids)


async def test_in_repo_clients_with_a_fixed_max_tokens_get_the_room_left(tmp_path: Path) -> None:
    """The evals client and the agents' chat model send their task's max_tokens whatever the
    prompt; refused past the context, they ask again without it (the room left)."""
    from agents.models import OpenAIChatModel
    from evals.client import EndpointConfig, ModelClient

    engine = RecordingEngine(["Paris."] * 2)
    app = create_app(engine=engine, settings=ServerSettings(state=StateConfig(home=str(tmp_path))))
    async with AsyncTestClient(app):  # the lifespan: database, services
        transport = httpx.ASGITransport(app=app)
        messages = [{"role": "user", "content": "The capital of France?"}]
        config = EndpointConfig(base_url="http://hanlin/v1", model=engine.model_name)
        async with ModelClient(config, transport=transport) as evals_client:
            reply = await evals_client.post("/chat/completions",
                                            {"messages": messages, "max_tokens": 4000})
        assert reply["choices"][0]["message"]["content"] == "Paris."
        agent_model = OpenAIChatModel("http://hanlin/v1", engine.model_name, max_tokens=4000)
        agent_model._http = httpx.AsyncClient(transport=transport, base_url="http://hanlin/v1")
        turn = await agent_model.complete(messages)
        await agent_model.aclose()
        assert turn.content == "Paris."
    prompt = len(engine.requests[0].prompt_ids)
    assert [r.sampling.max_tokens for r in engine.requests] == [2048 - prompt] * 2
