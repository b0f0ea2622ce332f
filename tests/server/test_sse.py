"""`server.sse` through Litestar's real HTTP stack, without a model: a failure after the headers
went out becomes a `data: {"error": ...}` line, the stream still ends with `[DONE]`, and the
source generator is always closed.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator

import msgspec
import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

from server.errors import EXCEPTION_HANDLERS, APIError
from server.sse import sse_response


class Tick(msgspec.Struct):
    n: int


def _app(failure: Exception | None, closed: list[bool]) -> Litestar:
    async def source() -> AsyncGenerator[Tick, None]:
        try:
            yield Tick(n=1)
            if failure is not None:
                raise failure
            yield Tick(n=2)
        finally:
            closed.append(True)

    @get("/stream")
    async def stream() -> object:
        return sse_response(source())

    return Litestar([stream], exception_handlers=EXCEPTION_HANDLERS)  # type: ignore[arg-type]


def _events(raw: bytes) -> list[bytes]:
    assert raw.endswith(b"\n\n") and b"\r" not in raw
    return raw[:-2].split(b"\n\n")


def test_clean_stream() -> None:
    closed: list[bool] = []
    with TestClient(_app(None, closed)) as client:
        resp = client.get("/stream")
    assert resp.headers["content-type"].startswith("text/event-stream")
    assert _events(resp.content) == [b'data: {"n":1}', b'data: {"n":2}', b"data: [DONE]"]
    assert closed == [True]


@pytest.mark.parametrize(
    ("failure", "status_type", "message"),
    [
        (APIError("aborted", status_code=503), "server_error", "aborted"),
        (RuntimeError("secret detail"), "server_error", None),
        (APIError("bad stop", param="stop"), "invalid_request_error", "bad stop"),
    ],
)
def test_failure_mid_stream_is_an_error_event(
    failure: Exception, status_type: str, message: str | None
) -> None:
    closed: list[bool] = []
    with TestClient(_app(failure, closed)) as client:
        resp = client.get("/stream")
    assert resp.status_code == 200  # the status line went out before the failure
    first, error, done = _events(resp.content)
    assert first == b'data: {"n":1}' and done == b"data: [DONE]"
    body = json.loads(error.removeprefix(b"data: "))
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["type"] == status_type
    if message is not None:
        assert body["error"]["message"] == message
    assert "secret" not in body["error"]["message"]
    assert closed == [True]
