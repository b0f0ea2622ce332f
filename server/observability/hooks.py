"""What the routes call to be observed: `span()` around a phase, `traced_stream()` around an SSE
source, `observe_generation()` in the loop that reads engine outputs. Each is a no-op outside a
request (the middleware sets the request's context).
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Iterator, Sequence
from contextlib import aclosing, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode, Tracer

from engine.protocol import GenerateRequest, RequestOutput
from server.observability.metrics import Metrics

T = TypeVar("T")


@dataclass
class RequestContext:
    """The request being served. `parent` is the span new phases hang under: kept here, not in
    OpenTelemetry's context, because a stream's phases run in generators whose steps may run
    in other contexts (attach and detach would not pair up)."""

    request_id: str
    method: str
    route: str
    arrival_ns: int  # wall clock, for spans that start when the request arrived
    tracer: Tracer
    metrics: Metrics
    root: Span
    parent: Span

    def child(self, name: str, start_time: int | None = None) -> Span:
        return self.tracer.start_span(name, context=trace.set_span_in_context(self.parent),
                                      start_time=start_time)


CURRENT: ContextVar[RequestContext | None] = ContextVar("hanlin_request", default=None)


def current() -> RequestContext | None:
    return CURRENT.get()


def _failed(span: Span, exc: BaseException) -> None:
    span.record_exception(exc)
    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))


@contextmanager
def span(name: str, *, since_arrival: bool = False) -> Iterator[None]:
    """A child span of the current phase around the block; phases opened inside nest under it.
    `since_arrival`: it starts when the request arrived (so it covers reading and parsing the
    body, which Litestar does before the handler runs)."""
    ctx = current()
    if ctx is None:
        yield
        return
    s = ctx.child(name, ctx.arrival_ns if since_arrival else None)
    outer, ctx.parent = ctx.parent, s
    try:
        yield
    except Exception as exc:
        _failed(s, exc)
        raise
    finally:
        ctx.parent = outer
        s.end()


async def traced_stream(events: AsyncGenerator[T, None]) -> AsyncGenerator[T, None]:
    """`events` in a `stream` span, from the first event pulled to the stream's end; the
    generation's spans nest under it. Closing this closes `events`."""
    ctx = current()
    async with aclosing(events):
        if ctx is None:
            async for event in events:
                yield event
            return
        s = ctx.child("stream")
        outer, ctx.parent = ctx.parent, s
        sent = 0
        try:
            async for event in events:
                sent += 1
                yield event
        except Exception as exc:
            _failed(s, exc)
            raise
        finally:
            ctx.parent = outer
            s.set_attribute("hanlin.events", sent)
            s.end()


class GenerationTimer:
    """One answer's engine requests (its choices), watched from submission to the last delta.

    The engine does not report when a request was first scheduled, so queueing and prefill are
    one span, `queue+prefill`: submission to the first token (the TTFT observed). `decode` runs
    from there until the last choice finished (or the reader stopped).
    """

    def __init__(self, ctx: RequestContext, requests: Sequence[GenerateRequest]) -> None:
        self.ctx = ctx
        self.start = time.perf_counter()
        self.phase = ctx.child("queue+prefill")
        self.choices = len(requests)
        self.first: dict[int, tuple[float, int]] = {}  # choice -> its first delta: when, tokens
        self.lasts: dict[int, RequestOutput] = {}
        # usage counts a prompt once for its n choices: so do the token counters.
        firsts: dict[tuple[int, ...], int] = {}
        for i, r in enumerate(requests):
            firsts.setdefault(r.prompt_ids, i)
        self.distinct = list(firsts.values())

    def output(self, i: int, out: RequestOutput) -> None:
        self.lasts[i] = out
        if not out.completion_tokens:  # aborted before its first token: nothing to time
            return
        now = time.perf_counter()
        metrics, route = self.ctx.metrics, self.ctx.route
        if not self.first:  # the answer's first token
            metrics.ttft.labels(route).observe(now - self.start)
            self.phase.end()
            self.phase = self.ctx.child("decode")
        at, tokens = self.first.setdefault(i, (now, out.completion_tokens))
        if out.finished and out.completion_tokens > tokens:
            metrics.tpot.labels(route).observe((now - at) / (out.completion_tokens - tokens))

    def close(self) -> None:
        """Count the tokens (of a cut-off answer too: the deltas carry running totals)."""
        lasts = self.lasts
        prompt = sum(lasts[i].prompt_tokens for i in self.distinct if i in lasts)
        generated = sum(out.completion_tokens for out in lasts.values())
        self.ctx.metrics.prompt_tokens.labels(self.ctx.route).inc(prompt)
        self.ctx.metrics.generation_tokens.labels(self.ctx.route).inc(generated)
        finished = len(lasts) == self.choices and all(o.finished for o in lasts.values())
        self.phase.set_attributes({"hanlin.choices": self.choices, "hanlin.prompt_tokens": prompt,
                                   "hanlin.completion_tokens": generated,
                                   "hanlin.finished": finished})
        self.phase.end()


class _Unobserved:
    def output(self, i: int, out: RequestOutput) -> None:
        pass

    def close(self) -> None:
        pass


def observe_generation(requests: Sequence[GenerateRequest]) -> GenerationTimer | _Unobserved:
    """Call at submission; then `output()` for every delta and `close()` once at the end."""
    ctx = current()
    return _Unobserved() if ctx is None else GenerationTimer(ctx, requests)
