"""Admission for generation requests and tool invocations: per-key rate limits (requests, tokens
per minute), streams and requests in flight (429), the server's requests in flight (503), each
with `retry-after`; a ticket lives until the response is sent, and its deadline (request timeout,
end of the shutdown grace) cuts what runs past it. Also the read deadlines' settings."""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field

import msgspec
from litestar.types import ASGIApp, Receive, Scope, Send

from server.errors import APIError

# The routes (Litestar's path templates, POST) whose requests are admitted: each one holds model
# or sandbox time. The guard admits them once their body has been read.
ADMITTED_ROUTES = frozenset({"/v1/chat/completions", "/v1/completions", "/v1/responses",
                             "/v1/embeddings", "/v1/tools/{name}/invoke"})
WINDOW_S = 60.0


class LimitSettings(msgspec.Struct, frozen=True, kw_only=True):
    requests_per_minute: int = 0  # per key; 0 = no limit
    tokens_per_minute: int = 0  # per key, prompt + completion; 0 = no limit
    streams_per_key: int = 0  # concurrent streamed responses per key; 0 = no limit
    max_in_flight: int = 256  # admitted requests at once (running + queued), all keys
    max_in_flight_per_key: int = 0  # admitted requests at once per key; 0 = no limit
    request_timeout_s: float = 600.0  # a generation request's wall clock; 0 = no limit
    max_body_bytes: int = 8 << 20  # a JSON body; uploads have their own cap (max_file_bytes)
    # Read deadlines (server/read_deadlines.py): a request's headers must arrive within
    # header_timeout_s of the connection opening (or of the previous answer on it); its body
    # within body_timeout_s of the headers (upload_timeout_s for a multipart upload).
    header_timeout_s: float = 10.0
    body_timeout_s: float = 60.0
    upload_timeout_s: float = 3600.0

    @classmethod
    def from_env(cls) -> LimitSettings:
        env = os.environ
        return cls(
            requests_per_minute=int(env.get("HANLIN_RATE_LIMIT_RPM", "0")),
            tokens_per_minute=int(env.get("HANLIN_RATE_LIMIT_TPM", "0")),
            streams_per_key=int(env.get("HANLIN_MAX_STREAMS_PER_KEY", "0")),
            max_in_flight=int(env.get("HANLIN_MAX_IN_FLIGHT", "256")),
            max_in_flight_per_key=int(env.get("HANLIN_MAX_IN_FLIGHT_PER_KEY", "0")),
            request_timeout_s=float(env.get("HANLIN_REQUEST_TIMEOUT_S", "600")),
            max_body_bytes=int(env.get("HANLIN_MAX_BODY_BYTES", str(8 << 20))),
            header_timeout_s=float(env.get("HANLIN_HEADER_TIMEOUT_S", "10")),
            body_timeout_s=float(env.get("HANLIN_BODY_TIMEOUT_S", "60")),
            upload_timeout_s=float(env.get("HANLIN_UPLOAD_TIMEOUT_S", "3600")),
        )


def shutting_down() -> APIError:
    return APIError("server is shutting down", status_code=503, code="shutting_down")


class Deadlines:
    """When admitted requests must end: `timeout_s` after admission (0: never) and, once `drain`
    was called, at the end of the shutdown grace. Work past its deadline is cancelled where it
    waits (which aborts its engine request) and answered 504 `timeout` / 503 `shutting_down`."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.drain_at: float | None = None  # loop time; None: not shutting down
        self._live: set[asyncio.Timeout] = set()

    def drain(self, grace_s: float) -> None:
        """Shutdown began: what still runs `grace_s` from now is cut then (on the event loop)."""
        at = asyncio.get_running_loop().time() + max(0.0, grace_s)
        self.drain_at = at if self.drain_at is None else min(at, self.drain_at)
        for scope in list(self._live):
            when = scope.when()
            if when is None or when > self.drain_at:
                scope.reschedule(self.drain_at)

    @asynccontextmanager
    async def bound(self, admitted: float) -> AsyncIterator[None]:
        """Run the body until the deadline of a request admitted at `admitted` (monotonic)."""
        scope = asyncio.timeout_at(self._when(admitted))
        try:
            async with scope:
                self._live.add(scope)
                try:
                    yield
                finally:
                    self._live.discard(scope)
        except TimeoutError:
            if not scope.expired():
                raise  # the body's own timeout, not this deadline
            raise self._error(scope) from None

    def _when(self, admitted: float) -> float | None:
        ends = [] if self.drain_at is None else [self.drain_at]
        if self.timeout_s > 0:
            left = self.timeout_s - (time.monotonic() - admitted)
            ends.append(asyncio.get_running_loop().time() + left)
        return min(ends, default=None)

    def _error(self, scope: asyncio.Timeout) -> APIError:
        when = scope.when()
        if self.drain_at is not None and when is not None and when >= self.drain_at:
            return shutting_down()
        return APIError(f"The request ran longer than this server's limit of {self.timeout_s:g} "
                        "seconds (HANLIN_REQUEST_TIMEOUT_S) and was stopped.",
                        status_code=504, code="timeout")


@dataclass
class Ticket:
    """One admitted request; `charge` counts its tokens against its key's minute."""

    limiter: Limiter
    key: str | None
    stream: bool
    released: bool = False
    admitted: float = field(default_factory=time.monotonic)

    def deadline(self) -> AbstractAsyncContextManager[None]:
        """A block that must end by this request's deadline (504 / 503 past it)."""
        return self.limiter.deadlines.bound(self.admitted)

    def charge(self, tokens: int) -> None:
        if tokens > 0:
            self.limiter.tokens[self.key].append((time.monotonic(), tokens))

    def start_stream(self) -> None:
        """This request answers with a stream: one of the key's concurrent streams, or a 429."""
        limiter, limit = self.limiter, self.limiter.settings.streams_per_key
        if self.stream:
            return
        if limit and limiter.streams[self.key] >= limit:
            if limiter.requests[self.key]:
                limiter.requests[self.key].pop()  # refused: not one of the minute's requests
            raise _refuse(429, f"Too many concurrent streams: this key may hold {limit} at "
                          "once.", "too_many_streams", 1.0)
        self.stream = True
        limiter.streams[self.key] += 1

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.limiter.in_flight -= 1
            self.limiter.key_in_flight[self.key] -= 1
            if self.stream:
                self.limiter.streams[self.key] -= 1


CURRENT: ContextVar[Ticket | None] = ContextVar("hanlin_ticket", default=None)


def deadline() -> AbstractAsyncContextManager[None]:
    """The current request's deadline; none outside an admitted request."""
    ticket = CURRENT.get()
    return nullcontext() if ticket is None else ticket.deadline()


def charge(tokens: int) -> None:
    """Count tokens against the current request's key (a no-op outside an admitted request)."""
    ticket = CURRENT.get()
    if ticket is not None:
        ticket.charge(tokens)


@dataclass
class Limiter:
    settings: LimitSettings
    in_flight: int = 0
    requests: defaultdict[str | None, deque[float]] = field(
        default_factory=lambda: defaultdict(deque))
    tokens: defaultdict[str | None, deque[tuple[float, int]]] = field(
        default_factory=lambda: defaultdict(deque))
    streams: defaultdict[str | None, int] = field(default_factory=lambda: defaultdict(int))
    key_in_flight: defaultdict[str | None, int] = field(default_factory=lambda: defaultdict(int))
    deadlines: Deadlines = field(init=False)

    def __post_init__(self) -> None:
        self.deadlines = Deadlines(self.settings.request_timeout_s)

    def admit(self, key: str | None) -> Ticket:
        """A ticket, or APIError 429 (this key's limits) / 503 (the server is full)."""
        s, now = self.settings, time.monotonic()
        self._expire(key, now)
        if s.requests_per_minute and len(self.requests[key]) >= s.requests_per_minute:
            wait = self.requests[key][0] + WINDOW_S - now
            raise _refuse(429, f"Rate limit reached: {s.requests_per_minute} requests per "
                          "minute for this key.", "rate_limit_exceeded", wait)
        used = sum(n for _, n in self.tokens[key])
        if s.tokens_per_minute and used >= s.tokens_per_minute:
            wait = self.tokens[key][0][0] + WINDOW_S - now
            raise _refuse(429, f"Rate limit reached: {s.tokens_per_minute} tokens per minute "
                          f"for this key ({used} used).", "rate_limit_exceeded", wait)
        if s.max_in_flight_per_key and self.key_in_flight[key] >= s.max_in_flight_per_key:
            raise _refuse(429, f"Too many requests in flight: this key may have "
                          f"{s.max_in_flight_per_key} at once.", "too_many_in_flight", 1.0)
        if self.in_flight >= s.max_in_flight:
            raise _refuse(503, "The server is at capacity; retry shortly.", "server_overloaded",
                          1.0)
        self.requests[key].append(now)
        self.in_flight += 1
        self.key_in_flight[key] += 1
        return Ticket(self, key, stream=False)

    def _expire(self, key: str | None, now: float) -> None:
        requests, tokens = self.requests[key], self.tokens[key]
        while requests and requests[0] <= now - WINDOW_S:
            requests.popleft()
        while tokens and tokens[0][0] <= now - WINDOW_S:
            tokens.popleft()


def _refuse(status: int, message: str, code: str, wait_s: float) -> APIError:
    return APIError(message, status_code=status, code=code,
                    headers={"retry-after": str(max(1, math.ceil(wait_s)))})


def release_tickets(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: whatever the response was (whole, streamed, cut by a disconnect or an
    error), the request's ticket goes back when the app is done with it."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await app(scope, receive, send)
        finally:
            ticket = (scope.get("state") or {}).get("ticket")
            if ticket is not None:
                ticket.release()

    return middleware
