"""Observability for one app: Prometheus metrics at `GET /metrics` (an admin key, or the scrapers'
HANLIN_METRICS_KEY), OpenTelemetry traces of each request, JSON logs with its request id.
`Observability` is the Litestar plugin that wires them in; the routes call the hooks in `hooks`.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from litestar import Request, get
from litestar.config.app import AppConfig
from litestar.plugins import InitPlugin
from litestar.response import Response
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from server.auth import METRICS
from server.observability.hooks import observe_generation, span, traced_stream
from server.observability.logs import configure_logging
from server.observability.metrics import Metrics
from server.observability.middleware import ObservabilityMiddleware
from server.observability.tracing import TracingConfig, tracer_provider

__all__ = ["Observability", "configure_logging", "observe_generation", "span", "traced_stream"]


class Observability(InitPlugin):
    """The app's metrics registry and tracer provider (its own, so that apps in one process
    never share series or spans), its middleware and `/metrics`. Found at
    `app.state.observability`."""

    def __init__(self, tracing: TracingConfig | None = None,
                 metrics_key: str | None = None) -> None:
        self.tracing = tracing or TracingConfig()
        # A bearer that reads /metrics and nothing else, for Prometheus (an admin key would
        # open every route to whoever holds the scraper's configuration).
        self.metrics_key = metrics_key
        self.provider = tracer_provider(self.tracing)
        self.tracer = self.provider.get_tracer("hanlin.server")
        self.metrics = Metrics()

    @classmethod
    def from_env(cls) -> Observability:
        return cls(TracingConfig.from_env(), os.environ.get("HANLIN_METRICS_KEY") or None)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.state["observability"] = self
        app_config.state["metrics_key"] = self.metrics_key  # the auth guard compares it
        app_config.route_handlers.append(prometheus_metrics)
        # First: outermost, so that its latency and status cover every other middleware too.
        app_config.middleware.insert(0, ObservabilityMiddleware(self))
        app_config.on_shutdown.append(self.shutdown)
        return app_config

    async def shutdown(self) -> None:
        # Flushes the spans a batch exporter still holds (a blocking network call).
        await asyncio.to_thread(self.provider.shutdown)


@get("/metrics", include_in_schema=False, opt=METRICS)
async def prometheus_metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The Prometheus text format; engine and job gauges are read now."""
    state = request.app.state
    engine, services = state.get("engine"), state.get("services")
    body = await state.observability.metrics.render(
        engine.stats() if engine is not None else None,
        services.db if services is not None else None,
    )
    return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)
