"""Observability as an operator sees it. Against the live server and the real model: `/metrics`
parsed by prometheus_client's parser, its counters and histograms moving by what the answers
reported, engine and job gauges; `x-request-id` echoed and in the server's JSON log. With a
scripted engine (a test double for the model only, in-process): the span tree of one chat
request in OpenTelemetry's in-memory exporter, under the caller's `traceparent`; spans sent to
an OTLP/HTTP collector (a local stand-in) or the console when configured.
"""

from __future__ import annotations

import io
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import openai
import pytest
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client.parser import text_string_to_metric_families

from server.app import create_app
from server.observability import configure_logging
from tests.server.otlp import Collector, running_collector
from tests.server.scripted_engine import ScriptedEngine

CHAT = "/v1/chat/completions"
MESSAGES = [{"role": "user", "content": "Count to five."}]

# ---- the live server, the real model ----------------------------------------------------------


def _scrape(http: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of `/metrics`, keyed by (sample name, sorted labels)."""
    r = http.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def _get(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _chat_route(samples: dict, name: str) -> float:
    return _get(samples, name, route=CHAT)


def test_metrics_move_with_requests(client: openai.OpenAI, http: httpx.Client,
                                    model: str) -> None:
    before = _scrape(http)
    # ignore_eos: every choice is exactly 8 tokens, so each has a time per output token. Two
    # choices of one prompt: its tokens count once, as in usage.
    whole = client.chat.completions.create(model=model, messages=MESSAGES, max_tokens=8, n=2,
                                           temperature=0, extra_body={"ignore_eos": True})
    stream = client.chat.completions.create(model=model, messages=MESSAGES, max_tokens=8,
                                            temperature=0, stream=True,
                                            stream_options={"include_usage": True},
                                            extra_body={"ignore_eos": True})
    streamed = [chunk.usage for chunk in stream if chunk.usage is not None][-1]
    after = _scrape(http)

    def moved(name: str, **labels: str) -> float:
        return _get(after, name, **labels) - _get(before, name, **labels)

    assert moved("hanlin_http_requests_total", method="POST", route=CHAT, status="200") == 2
    assert moved("hanlin_http_request_duration_seconds_count", method="POST", route=CHAT) == 2
    assert moved("hanlin_time_to_first_token_seconds_count", route=CHAT) == 2
    assert moved("hanlin_time_per_output_token_seconds_count", route=CHAT) == 3  # per choice
    assert moved("hanlin_prompt_tokens_total", route=CHAT) == (
        whole.usage.prompt_tokens + streamed.prompt_tokens)
    assert moved("hanlin_generation_tokens_total", route=CHAT) == 24 == (
        whole.usage.completion_tokens + streamed.completion_tokens)
    assert moved("hanlin_engine_generated_tokens_total") >= 24
    # The scrape between is counted too, under its own route.
    assert moved("hanlin_http_requests_total", method="GET", route="/metrics", status="200") == 1

    used, free = _get(after, "hanlin_kv_blocks", state="used"), _get(after, "hanlin_kv_blocks",
                                                                     state="free")
    assert used + free == _get(after, "hanlin_kv_blocks_capacity") > 0
    assert ("hanlin_requests_running", ()) in after and ("hanlin_requests_waiting", ()) in after
    assert 0 <= _get(after, "hanlin_prefix_cache_hit_rate") <= 1
    # The test server runs eager: the compiled step's state is one gauge at 1, "off".
    states = {dict(labels)["state"]: v for (name, labels), v in after.items()
              if name == "hanlin_compiled_decode"}
    assert states == {"off": 1.0, "building": 0.0, "ready": 0.0, "failed": 0.0}
    kinds = {dict(labels)["kind"] for name, labels in after if name == "hanlin_jobs"}
    assert kinds == {"dataset", "fine_tuning", "eval_run"}
    assert ("hanlin_jobs", (("kind", "fine_tuning"), ("status", "running"))) in after


def test_a_refused_request_counts_under_its_status(http: httpx.Client) -> None:
    before = _scrape(http)
    r = http.post(CHAT, json={"model": "no-such-model", "messages": MESSAGES})
    assert r.status_code == 404
    after = _scrape(http)
    key = ("hanlin_http_requests_total",
           tuple(sorted({"method": "POST", "route": CHAT, "status": "404"}.items())))
    assert after[key] - before.get(key, 0) == 1
    assert _chat_route(after, "hanlin_time_to_first_token_seconds_count") == _chat_route(
        before, "hanlin_time_to_first_token_seconds_count")


def test_request_id_echoed_and_logged_as_json(http: httpx.Client, model: str,
                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    sent = f"obs-{uuid.uuid4().hex}"
    r = http.get("/v1/models", headers={"x-request-id": sent})
    assert r.status_code == 200 and r.headers["x-request-id"] == sent
    made = http.get("/v1/models").headers["x-request-id"]  # none sent: one is made
    assert made and made != sent
    # The shared server (conftest) writes its output to hanlin-serve*/server.log.
    logs = list(tmp_path_factory.getbasetemp().glob("hanlin-serve*/server.log"))
    line = _wait_for_line(logs, sent)
    assert line["logger"] == "hanlin.access" and line["route"] == "/v1/models"
    assert line["status"] == 200 and line["method"] == "GET" and line["duration_ms"] >= 0


def _wait_for_line(logs: list[Path], request_id: str) -> dict:
    """The access line is written once the answer is sent, so maybe just after it arrived."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for log in logs:
            for text in log.read_text(errors="replace").splitlines():
                if request_id in text:
                    return json.loads(text)
        time.sleep(0.1)
    pytest.fail(f"no log line with {request_id} in {logs}")


# ---- a scripted model in-process: the span tree -----------------------------------------------


@pytest.fixture
async def traced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                 ) -> AsyncIterator[tuple[AsyncTestClient, InMemorySpanExporter, ScriptedEngine]]:
    monkeypatch.setenv("HANLIN_HOME", str(tmp_path))
    engine = ScriptedEngine()
    app = create_app(engine=engine)
    exporter = InMemorySpanExporter()
    app.state.observability.provider.add_span_processor(SimpleSpanProcessor(exporter))
    async with AsyncTestClient(app) as http:
        yield http, exporter, engine


TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


def _tree(exporter: InMemorySpanExporter) -> dict[str, ReadableSpan]:
    spans = exporter.get_finished_spans()
    by_name = {s.name: s for s in spans}
    assert len(by_name) == len(spans), [s.name for s in spans]
    return by_name


def _parent(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent else None


async def test_span_tree_of_a_chat_request(traced) -> None:  # noqa: ANN001
    http, exporter, engine = traced
    engine.script = ["One, two, three, four, five."]
    r = await http.post(CHAT, json={"model": engine.model_name, "messages": MESSAGES},
                        headers={"traceparent": TRACEPARENT})
    assert r.status_code == 200
    spans = _tree(exporter)
    assert set(spans) == {f"POST {CHAT}", "validation", "templating", "queue+prefill", "decode"}
    root = spans[f"POST {CHAT}"]
    # The caller's trace: same trace id, the caller's span as parent.
    assert format(root.context.trace_id, "032x") == TRACE_ID
    assert _parent(root) == int(PARENT_ID, 16) and root.parent.is_remote
    assert {format(s.context.trace_id, "032x") for s in spans.values()} == {TRACE_ID}
    assert root.kind == SpanKind.SERVER
    assert root.attributes["http.response.status_code"] == 200
    assert root.attributes["http.route"] == CHAT
    assert root.attributes["hanlin.request_id"] == r.headers["x-request-id"]
    assert _parent(spans["validation"]) == root.context.span_id
    assert _parent(spans["templating"]) == spans["validation"].context.span_id
    assert _parent(spans["queue+prefill"]) == root.context.span_id
    assert _parent(spans["decode"]) == root.context.span_id
    # In order: validation starts as the request arrives; decode follows the first token.
    assert root.start_time == spans["validation"].start_time
    assert spans["validation"].end_time <= spans["queue+prefill"].start_time
    assert spans["queue+prefill"].end_time <= spans["decode"].start_time
    assert spans["decode"].end_time <= root.end_time
    usage = r.json()["usage"]
    assert spans["decode"].attributes["hanlin.completion_tokens"] == usage["completion_tokens"]
    assert spans["decode"].attributes["hanlin.prompt_tokens"] == usage["prompt_tokens"]


async def test_span_tree_of_a_streamed_chat_request(traced) -> None:  # noqa: ANN001
    http, exporter, engine = traced
    engine.script = ["One, two, three."]
    body = {"model": engine.model_name, "messages": MESSAGES, "stream": True}
    async with http.stream("POST", CHAT, json=body) as r:
        assert r.status_code == 200
        events = [line async for line in r.aiter_lines() if line.startswith("data: ")]
    assert events[-1] == "data: [DONE]"
    spans = _tree(exporter)
    root, stream = spans[f"POST {CHAT}"], spans["stream"]
    assert _parent(root) is None  # no traceparent: a trace of its own
    assert _parent(stream) == root.context.span_id
    assert _parent(spans["queue+prefill"]) == stream.context.span_id
    assert _parent(spans["decode"]) == stream.context.span_id
    assert _parent(spans["templating"]) == spans["validation"].context.span_id
    assert stream.attributes["hanlin.events"] == len(events) - 1  # [DONE] is the frames' own
    assert stream.end_time <= root.end_time


async def test_a_refused_request_ends_in_validation(traced) -> None:  # noqa: ANN001
    http, exporter, _ = traced
    r = await http.post(CHAT, json={"model": "no-such-model", "messages": MESSAGES})
    assert r.status_code == 404
    spans = _tree(exporter)
    assert set(spans) == {f"POST {CHAT}", "validation"}
    assert spans["validation"].status.status_code == StatusCode.ERROR
    # A 4xx is the client's error: the server span is not marked failed.
    assert spans[f"POST {CHAT}"].status.status_code == StatusCode.UNSET
    assert spans[f"POST {CHAT}"].attributes["http.response.status_code"] == 404


async def test_json_log_line_per_request(traced) -> None:  # noqa: ANN001
    http, _, engine = traced
    out = io.StringIO()
    handler = configure_logging("info", out)
    try:
        engine.script = ["Five."]
        sent = await http.post(CHAT, json={"model": engine.model_name, "messages": MESSAGES},
                               headers={"x-request-id": "req-123"})
        made = await http.get("/v1/models")
        bad = await http.get("/v1/models", headers={"x-request-id": "no spaces allowed"})
    finally:
        logger = logging.getLogger("hanlin")
        logger.removeHandler(handler)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    assert sent.headers["x-request-id"] == "req-123"
    assert bad.headers["x-request-id"] != "no spaces allowed"  # refused, replaced by a new id
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "hanlin.access"]
    assert [(a["request_id"], a["route"], a["status"]) for a in access] == [
        ("req-123", CHAT, 200),
        (made.headers["x-request-id"], "/v1/models", 200),
        (bad.headers["x-request-id"], "/v1/models", 200),
    ]
    assert all(len(a["trace_id"]) == 32 and a["level"] == "info" and a["ts"] for a in access)


async def test_apps_in_one_process_keep_their_own_metrics(traced, tmp_path: Path) -> None:  # noqa: ANN001
    http, _, engine = traced
    other = create_app(engine=engine)
    engine.script = ["Five."]
    await http.post(CHAT, json={"model": engine.model_name, "messages": MESSAGES})
    mine = http.app.state.observability.metrics.registry
    theirs = other.state.observability.metrics.registry
    labels = {"method": "POST", "route": CHAT, "status": "200"}
    assert mine.get_sample_value("hanlin_http_requests_total", labels) == 1
    assert theirs.get_sample_value("hanlin_http_requests_total", labels) is None


# ---- exporters: off by default, console when asked, OTLP over HTTP to a collector -------------


@pytest.fixture
def collector() -> Iterator[Collector]:
    with running_collector() as running:
        yield running


async def test_spans_exported_by_otlp(collector: Collector, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANLIN_HOME", str(tmp_path))
    monkeypatch.setenv("HANLIN_OTEL_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url)
    async with AsyncTestClient(create_app(engine=ScriptedEngine())) as http:
        assert (await http.get("/v1/models")).status_code == 200
    # The app's shutdown flushed the batch.
    [(path, content_type, body)] = collector.posts
    assert path == "/v1/traces" and content_type == "application/x-protobuf"
    sent = collector.decode(body)
    [resource] = sent.resource_spans
    service = {a.key: a.value.string_value for a in resource.resource.attributes}["service.name"]
    assert service == "hanlin"
    assert [s.name for scope in resource.scope_spans for s in scope.spans] == ["GET /v1/models"]


async def test_spans_on_the_console_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HANLIN_HOME", str(tmp_path))
    monkeypatch.setenv("HANLIN_OTEL_EXPORTER", "console")
    async with AsyncTestClient(create_app(engine=ScriptedEngine())) as http:
        assert (await http.get("/v1/models")).status_code == 200
    assert '"name": "GET /v1/models"' in capsys.readouterr().out


def test_an_unknown_exporter_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANLIN_OTEL_EXPORTER", "jaeger")
    with pytest.raises(ValueError, match="HANLIN_OTEL_EXPORTER"):
        create_app(engine=ScriptedEngine())
