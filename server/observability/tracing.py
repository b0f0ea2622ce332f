"""OpenTelemetry tracing for one app: a TracerProvider of its own (never the global one), its
exporter chosen by `HANLIN_OTEL_EXPORTER` (none, console or otlp), and W3C `traceparent` reading.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Literal

import msgspec
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

Exporter = Literal["none", "console", "otlp"]
EXPORTERS: tuple[Exporter, ...] = ("none", "console", "otlp")
_PROPAGATOR = TraceContextTextMapPropagator()


class TracingConfig(msgspec.Struct, frozen=True, kw_only=True):
    """Where spans go. "none" still records spans (a test may add its own processor) but
    exports nothing; "otlp" sends them over HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT`."""

    exporter: Exporter = "none"
    service_name: str = "hanlin"

    @classmethod
    def from_env(cls) -> TracingConfig:
        exporter = os.environ.get("HANLIN_OTEL_EXPORTER", "none").strip().lower() or "none"
        if exporter not in EXPORTERS:
            raise ValueError(f"HANLIN_OTEL_EXPORTER={exporter!r}: expected one of {EXPORTERS}")
        return cls(exporter=exporter,  # type: ignore[arg-type]
                   service_name=os.environ.get("OTEL_SERVICE_NAME", "hanlin"))


def tracer_provider(config: TracingConfig) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: config.service_name}))
    if config.exporter == "console":
        # Console output is for a person watching: each span as soon as it ends. (Its default
        # `out` is the sys.stdout of import time; the one of now is where output goes now.)
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=sys.stdout)))
    elif config.exporter == "otlp":
        # Imported here: the OTLP package is only needed by a server that exports with it.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT / _HEADERS itself.
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def extract(headers: Mapping[str, str]) -> Context:
    """The caller's trace context from a W3C `traceparent` (and `tracestate`) header, if any."""
    return _PROPAGATOR.extract(carrier=headers)
