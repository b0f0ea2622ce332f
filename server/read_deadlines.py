"""Read deadlines for `hanlin serve`'s connections: a request's headers within
HANLIN_HEADER_TIMEOUT_S (uvicorn has no header timeout: an h11 protocol with a timer), its body
within HANLIN_BODY_TIMEOUT_S, or HANLIN_UPLOAD_TIMEOUT_S for a multipart upload (a 408)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
import msgspec
from litestar.types import Receive, Scope
from uvicorn.protocols.http.h11_impl import H11Protocol

from server.errors import APIError, envelope
from server.limits import LimitSettings
from server.media_types import is_multipart

log = logging.getLogger("hanlin.server")


def body_timeout(scope: Scope, limits: LimitSettings) -> tuple[float, str]:
    """(seconds, variable) the body of this request has, counted from the end of its headers."""
    content_type = dict(scope.get("headers") or []).get(b"content-type", b"").decode("latin-1")
    if is_multipart(content_type):  # JSON routes refuse multipart (415) before reading it
        return limits.upload_timeout_s, "HANLIN_UPLOAD_TIMEOUT_S"
    return limits.body_timeout_s, "HANLIN_BODY_TIMEOUT_S"


def read_timeout(seconds: float, variable: str) -> APIError:
    return APIError(f"The request body did not arrive within this server's limit of {seconds:g} "
                    f"seconds ({variable}).", status_code=408, code="request_timeout",
                    headers={"connection": "close"})


def bound_body(receive: Receive, scope: Scope, limits: LimitSettings) -> Receive:
    """`receive`, where waiting for the body past its deadline raises a 408 (the app answers it
    in the envelope and the connection closes). Once the body has ended, waits are unbounded (a
    stream listens for the client's disconnect)."""
    seconds, variable = body_timeout(scope, limits)
    at = asyncio.get_running_loop().time() + seconds
    ended = seconds <= 0

    async def bounded() -> Any:
        nonlocal ended
        if ended:
            return await receive()
        try:
            async with asyncio.timeout_at(at):
                message = await receive()
        except TimeoutError:
            ended = True
            raise read_timeout(seconds, variable) from None
        ended = message["type"] != "http.request" or not message.get("more_body", False)
        return message

    return bounded


def _raw_408(seconds: float) -> bytes:
    body = msgspec.json.encode(envelope(APIError(
        f"The request headers did not arrive within this server's limit of {seconds:g} seconds "
        "(HANLIN_HEADER_TIMEOUT_S).", status_code=408, code="request_timeout"))[1])
    return (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
            b"connection: close\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))


def deadline_protocol(limits: LimitSettings) -> type[H11Protocol]:
    """uvicorn's h11 protocol with two timers: the headers' deadline (from the connection's
    opening, or the previous answer on it, to the end of the next request's headers: a 408,
    then close), and, when an answer went out while its request's body still trickles in
    (nobody reads it), the body's deadline again before the connection closes."""

    class DeadlineProtocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None
        _linger_timer: asyncio.TimerHandle | None = None
        _bytes_seen = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm_headers()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            self._bytes_seen = self._bytes_seen or bool(data)
            super().data_received(data)

        def handle_events(self) -> None:
            before = self.cycle
            super().handle_events()
            if self.cycle is not before and self._header_timer is not None:
                self._header_timer.cancel()  # a new request's headers are complete
                self._header_timer = None
            if self._linger_timer is not None and self.conn.their_state is not h11.SEND_BODY:
                self._linger_timer.cancel()
                self._linger_timer = None

        def on_response_complete(self) -> None:
            finished = self.cycle
            super().on_response_complete()  # may start a pipelined request's cycle
            if self.transport.is_closing():
                return
            if self.conn.their_state is h11.SEND_BODY:
                self._linger_timer = self.loop.call_later(
                    max(limits.body_timeout_s, 0.1), self._close, "an unread body")
            elif self.cycle is finished:
                self._arm_headers()

        def _arm_headers(self) -> None:
            if limits.header_timeout_s > 0 and self._header_timer is None:
                self._bytes_seen = False
                self._header_timer = self.loop.call_later(limits.header_timeout_s,
                                                          self._headers_late)

        def _headers_late(self) -> None:
            self._header_timer = None
            if self.transport.is_closing():
                return
            if self._bytes_seen:  # a request started and stalled: say why it is dropped
                self.transport.write(_raw_408(limits.header_timeout_s))
            self._close("headers")

        def _close(self, what: str) -> None:
            self._linger_timer = None
            if not self.transport.is_closing():
                log.warning("closing a connection from %s: %s past the read deadline",
                            self.client[0] if self.client else "a client", what)
                self.transport.close()

        def _disarm(self) -> None:
            for timer in (self._header_timer, self._linger_timer):
                if timer is not None:
                    timer.cancel()
            self._header_timer = self._linger_timer = None

    return DeadlineProtocol
