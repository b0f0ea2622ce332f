"""Server-sent events as OpenAI frames them: `data: <json>\\n\\n`, then `data: [DONE]\\n\\n`.

A failure after the headers went out (a deadline too) travels as a data line holding `{"error":
{...}}`, which the OpenAI SDKs raise as APIError. Closing the stream (end, error, deadline or
client gone) closes the source.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import HTTPException
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.response.base import ASGIResponse

from server.errors import ERROR_RESPONSES, envelope
from server.limits import CURRENT

log = logging.getLogger("hanlin.server")

# Litestar's default separator is \r\n; OpenAI's streams (and some strict parsers) use \n.
_SEP = "\n"
_DONE = ServerSentEventMessage(data="[DONE]", sep=_SEP)


def _frame(payload: Any, event: str | None = None) -> ServerSentEventMessage:
    return ServerSentEventMessage(data=msgspec.json.encode(payload).decode(), event=event,
                                  sep=_SEP)


_END = object()


async def _frames(
    events: AsyncGenerator[msgspec.Struct, None], *, named: bool = False,
    deadline: Callable[[], AbstractAsyncContextManager[None]] = nullcontext,
) -> AsyncGenerator[ServerSentEventMessage, None]:
    """`named`: the Responses API's framing, `event: <type>` on every frame and no [DONE].
    Each wait for the next event is bounded by `deadline` (never a yield: the consumer's send
    must not be what a deadline cancels)."""
    try:
        while True:
            async with deadline():
                event = await anext(events, _END)
            if event is _END:
                break
            yield _frame(event, getattr(event, "type", None) if named else None)
    except Exception as exc:  # the status line is already sent: report in-band, as vLLM does
        if not isinstance(exc, HTTPException):
            log.exception("stream failed", exc_info=exc)
        body = envelope(exc)[1]
        if not named:
            yield _frame(body)
        else:
            info = body.error
            yield _frame({"type": "error", "code": info.code, "message": info.message,
                          "param": info.param, "error": info}, "error")
    finally:
        # Reached on normal end, on error and on GeneratorExit/cancellation (client gone):
        # closing the source is what aborts the engine request and frees its blocks.
        await events.aclose()
    if not named:
        yield _DONE


class EventStream(ServerSentEvent):
    """A ServerSentEvent that keeps its own media type. A route that answers JSON or a stream
    has a JSON media type, and Litestar would put it on the stream too."""

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> ASGIResponse:
        kwargs["media_type"] = self.media_type
        return super().to_asgi_response(*args, **kwargs)


def sse_response(events: AsyncGenerator[msgspec.Struct, None], *,
                 named: bool = False) -> EventStream:
    """Stream `events` as OpenAI SSE. The background task closes the frames even when Litestar
    cancelled the sender mid-`send` on disconnect, which leaves the generator suspended."""
    ticket = CURRENT.get()
    if ticket is not None:
        ticket.start_stream()  # a 429 here, before the status line, past the key's streams
    frames = _frames(events, named=named,
                     deadline=ticket.deadline if ticket is not None else nullcontext)
    return EventStream(frames, background=BackgroundTask(frames.aclose))


@dataclass
class StreamingOperation(Operation):
    """The OpenAPI operation of a route that answers JSON, or SSE when the body says
    `stream: true`: its 200 response lists `text/event-stream` beside the JSON."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse) and ok.content is not None:
            # One SSE event, as OpenAPI 3.2 and schemathesis read a stream: `data` holds a
            # chunk's JSON, and the last event's `data` is `[DONE]`.
            ok.content["text/event-stream"] = OpenAPIMediaType(schema=Schema(
                type=OpenAPIType.OBJECT, required=["data"],
                properties={"data": Schema(type=OpenAPIType.STRING,
                                           description="a chunk's JSON, or `[DONE]` last"),
                            "event": Schema(type=OpenAPIType.STRING),
                            "id": Schema(type=OpenAPIType.STRING),
                            "retry": Schema(type=OpenAPIType.INTEGER)},
                description="`data: <chunk JSON>` events, then `data: [DONE]`"))


def json_or_stream(model: type[msgspec.Struct]) -> dict[str, Any]:
    """Route decorator arguments for `model | EventStream` handlers. Left to Litestar, the 200
    schema is `oneOf: [model, {}]`, which every body matches twice (so none is valid)."""
    ok = ResponseSpec(model, description="The whole answer; with stream: true, an SSE stream of "
                      "chunks", generate_examples=False)
    return {"responses": {**ERROR_RESPONSES, 200: ok}, "operation_class": StreamingOperation}
