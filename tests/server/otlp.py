"""A stand-in OTLP/HTTP collector for the trace-export tests: a loopback HTTP server that keeps
every export posted to it, with the span names decoded from OTLP's protobuf."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


class _Server(ThreadingHTTPServer):
    posts: list[tuple[str, str, bytes]]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["content-length"]))
        self.server.posts.append((self.path, self.headers["content-type"], body))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class Collector:
    """`url` to point OTEL_EXPORTER_OTLP_ENDPOINT at; `posts`: (path, content type, body)."""

    def __init__(self, server: _Server) -> None:
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"

    @property
    def posts(self) -> list[tuple[str, str, bytes]]:
        return self._server.posts

    @staticmethod
    def decode(body: bytes) -> ExportTraceServiceRequest:
        return ExportTraceServiceRequest.FromString(body)

    def span_names(self) -> list[str]:
        return [s.name for _, _, body in self.posts for r in self.decode(body).resource_spans
                for sc in r.scope_spans for s in sc.spans]


@contextmanager
def running_collector() -> Iterator[Collector]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.posts = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Collector(server)
    finally:
        server.shutdown()
        thread.join()
