"""Property-based checks of every operation in the live server's OpenAPI document (schemathesis):
no 5xx, and no status, content type, header or body that the document does not allow.

Bounded so it fits the test run: a few derandomized examples per operation, generation capped
at two tokens. A longer run: `schemathesis run http://127.0.0.1:8000/schema/openapi.json`.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks

from clients.generate import openapi_document

MAX_EXAMPLES = 25
MAX_TOKENS = 2
MAX_CHOICES = 2
MAX_LIST = 16  # prompts, inputs, messages, token ids
# The document's promises only. Not `positive_data_acceptance`: a request the schema allows may
# still be refused on purpose (an unknown model is a 404, `n` above the server's limit a 400).
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
# The operations as the app declares them (offline, at collection): a new route is fuzzed too.
# Creating an API key turns authentication on for the whole shared server (every later test would
# get 401s), so the key routes are fuzzed nowhere near it: tests/server/test_auth.py runs them,
# and every other route's 401 / 403, against servers of its own.
OWN_SERVER = {"POST /v1/keys", "GET /v1/keys", "DELETE /v1/keys/{key_id}"}
OPERATIONS = [
    (f"{method.upper()} {path}", "application/json" in op.get("requestBody", {}).get("content", {}))
    for path, item in openapi_document()["paths"].items()
    for method, op in item.items()
    if method in {"get", "post", "put", "patch", "delete"}
    and f"{method.upper()} {path}" not in OWN_SERVER
]
CASES = [
    pytest.param(label, mode, id=f"{label}-{mode.value}")
    for label, json_body in OPERATIONS
    # Invalid data needs something to break: a JSON body (query and path strings are free-form).
    for mode in ([GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if json_body else
                 [GenerationMode.POSITIVE])
]


def _closed(node: Any) -> None:
    """Every object with declared properties gets `additionalProperties: false`: the wire Structs
    forbid unknown fields (a 400) and never send any, but Litestar does not write that down, and
    without it most generated bodies are refused for a made-up key before reaching any code."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _closed(value)
    elif isinstance(node, list):
        for value in node:
            _closed(value)


@pytest.fixture(scope="module")
def live_schema(server_url: str) -> schemathesis.BaseSchema:
    document = httpx.get(f"{server_url}/schema/openapi.json", timeout=30).raise_for_status().json()
    _closed(document["components"])
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(base_url=server_url)
    return schema


def _ambiguous_success(operation: dict[str, Any]) -> bool:
    """Litestar's schema for a `Model | EventStream` return: `oneOf: [Model, {}]`."""
    content = operation.get("responses", {}).get("200", {}).get("content") or {}
    schema = content.get("application/json", {}).get("schema", {})
    return {} in schema.get("oneOf", [])


def _cheap(case: schemathesis.Case, model: str) -> None:
    """Name the served model (a made-up name is a 404 before any real work) and keep each
    generation to a couple of tokens (chat's default is the whole context)."""
    body: Any = case.body
    if not isinstance(body, dict):
        return
    if isinstance(body.get("model"), str):
        body["model"] = model
    if "messages" in body or "prompt" in body:
        if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] > MAX_TOKENS:
            body["max_tokens"] = MAX_TOKENS
        if isinstance(body.get("max_completion_tokens"), int):
            body["max_completion_tokens"] = min(body["max_completion_tokens"], MAX_TOKENS)
        if isinstance(body.get("n"), int) and body["n"] > MAX_CHOICES:
            body["n"] = MAX_CHOICES
    if case.operation.path == "/v1/responses":  # every model turn shares this budget
        if not isinstance(body.get("max_output_tokens"), int) or \
                body["max_output_tokens"] > MAX_TOKENS:
            body["max_output_tokens"] = MAX_TOKENS
    if case.operation.path == "/v1/benchmarks/runs":  # a body naming a real task runs one item
        body["limit"] = 1
        if isinstance(body.get("sampling_params"), dict):
            body["sampling_params"]["max_completion_tokens"] = MAX_TOKENS
    # Long lists of prompts or inputs only repeat the work of their first few.
    for key in ("prompt", "input", "messages"):
        if isinstance(body.get(key), list):
            body[key] = [v[:MAX_LIST] if isinstance(v, list) else v for v in body[key][:MAX_LIST]]


@pytest.fixture(scope="module", autouse=True)
def idle_engine(server_url: str) -> None:
    """Start fuzzing once the shared server's engine is idle (earlier tests' runs finished)."""
    import time

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        stats = httpx.get(f"{server_url}/health", timeout=30).json()
        if stats["running"] + stats["waiting"] == 0:
            return
        time.sleep(1)


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_operation_keeps_to_its_schema(
    live_schema: schemathesis.BaseSchema, model: str, label: str, mode: GenerationMode
) -> None:
    operation = live_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is declared by the app but not served"
    if mode == GenerationMode.POSITIVE and _ambiguous_success(operation.definition.raw):
        # Litestar documents `Model | ServerSentEvent` as oneOf [model, {}]: fixed per route by
        # one decorator argument (server.sse.json_or_stream); a new route without it fails here.
        pytest.fail(f"{label}: the 200 response is documented as oneOf [model, {{}}], which no "
                    "body satisfies; decorate the route with **json_or_stream(<model>)")

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,  # the same examples every run: a failure here fails everywhere
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        _cheap(case, model)
        # A two-token answer is quick, but the shared server may still be finishing jobs that
        # earlier tests queued (eval and benchmark runs): 10 s, the default, is not enough then.
        case.call_and_validate(checks=CHECKS, timeout=120)

    run()
