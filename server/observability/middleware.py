"""The ASGI middleware around every routed request: its request id (echoed in `x-request-id`),
its root span (child of the caller's `traceparent`), its count and latency, its access log line.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from opentelemetry.trace import SpanKind, Status, StatusCode

from server.observability.hooks import CURRENT, RequestContext
from server.observability.logs import log_request, request_id
from server.observability.tracing import extract

if TYPE_CHECKING:
    from server.observability import Observability


class ObservabilityMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, observability: Observability) -> None:
        self.obs = observability

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started, arrival_ns = time.perf_counter(), time.time_ns()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        rid = request_id(headers.get("x-request-id"))
        method, path = scope["method"], scope["path"]
        # The route's template, not the path: one series per route, whatever the ids in it.
        route = scope.get("path_template") or path
        root = self.obs.tracer.start_span(
            f"{method} {route}", context=extract(headers), kind=SpanKind.SERVER,
            start_time=arrival_ns,
            attributes={"http.request.method": method, "http.route": route, "url.path": path,
                        "hanlin.request_id": rid},
        )
        ctx = RequestContext(rid, method, route, arrival_ns, self.obs.tracer, self.obs.metrics,
                             root, root)
        status = 500  # what the client got if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()),
                                      (b"x-request-id", rid.encode())]
            await send(message)

        token = CURRENT.set(ctx)
        try:
            await next_app(scope, receive, send_with_id)
        except BaseException as exc:
            root.record_exception(exc)
            raise
        finally:
            self._record(ctx, path, status, started)
            CURRENT.reset(token)

    def _record(self, ctx: RequestContext, path: str, status: int, started: float) -> None:
        metrics = self.obs.metrics
        metrics.requests.labels(ctx.method, ctx.route, str(status)).inc()
        metrics.latency.labels(ctx.method, ctx.route).observe(time.perf_counter() - started)
        ctx.root.set_attribute("http.response.status_code", status)
        if status >= 500:  # a 4xx is the client's error, not the server's (OTel's HTTP rule)
            ctx.root.set_status(Status(StatusCode.ERROR))
        ctx.root.end()
        log_request(ctx, path, status, started)
