"""Admission for generation requests: per-key rate limits (requests and tokens per minute, 429),
per-key concurrent streams (429) and a bound on requests in flight (503) — each refusal with
`retry-after`. A ticket admitted by the auth guard lives until the response has been sent."""

from __future__ import annotations

import math
import os
import time
from collections import defaultdict, deque
from contextvars import ContextVar
from dataclasses import dataclass, field

import msgspec
from litestar.types import ASGIApp, Receive, Scope, Send

from server.errors import APIError

GENERATION_PATHS = frozenset({"/v1/chat/completions", "/v1/completions", "/v1/responses",
                              "/v1/embeddings"})
WINDOW_S = 60.0


class LimitSettings(msgspec.Struct, frozen=True, kw_only=True):
    requests_per_minute: int = 0  # per key; 0 = no limit
    tokens_per_minute: int = 0  # per key, prompt + completion; 0 = no limit
    streams_per_key: int = 0  # concurrent streamed responses per key; 0 = no limit
    max_in_flight: int = 256  # generation requests admitted at once (running + queued)

    @classmethod
    def from_env(cls) -> LimitSettings:
        env = os.environ
        return cls(
            requests_per_minute=int(env.get("HANLIN_RATE_LIMIT_RPM", "0")),
            tokens_per_minute=int(env.get("HANLIN_RATE_LIMIT_TPM", "0")),
            streams_per_key=int(env.get("HANLIN_MAX_STREAMS_PER_KEY", "0")),
            max_in_flight=int(env.get("HANLIN_MAX_IN_FLIGHT", "256")),
        )


@dataclass
class Ticket:
    """One admitted request; `charge` counts its tokens against its key's minute."""

    limiter: Limiter
    key: str | None
    stream: bool
    released: bool = False

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
            if self.stream:
                self.limiter.streams[self.key] -= 1


CURRENT: ContextVar[Ticket | None] = ContextVar("hanlin_ticket", default=None)


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
        if self.in_flight >= s.max_in_flight:
            raise _refuse(503, "The server is at capacity; retry shortly.", "server_overloaded",
                          1.0)
        self.requests[key].append(now)
        self.in_flight += 1
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
