"""W11, W12, W15 against a live server: JSON nested past any sane depth is a 400 on every route and
in every place a request nests (messages, schemas, tool parameters, tool arguments); structured-
output schemas with no finite instance are 400s found before generation on every surface that
takes one (legitimate recursive schemas still answer JSON); Responses fields hanlin cannot honour
(`container` ids, `container.file_ids`) are refused by name, as the other unsupported ones are."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from engine.config import DEFAULT_MODEL
from tests.security.conftest import Secured

DEPTH = 100_000  # the issue's depth
CHAT = {"model": DEFAULT_MODEL, "max_tokens": 4, "temperature": 0,
        "messages": [{"role": "user", "content": "Say hi."}]}


@pytest.fixture(scope="module")
def http(secured: Secured) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=secured.url, timeout=300,
                      headers=secured.headers("alice") | {"content-type": "application/json"}
                      ) as client:
        yield client


def _deep_array(depth: int = DEPTH) -> str:
    return "[" * depth + "]" * depth


def _deep_object(depth: int = DEPTH) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def _deep_schema(depth: int) -> str:
    return '{"type": "object", "properties": {"a": ' * depth + '{"type": "string"}' + "}}" * depth


def _splice(body: dict[str, Any], raw: str) -> str:
    """`body` as JSON text with the JSON text `raw` where the string "@" stands."""
    text = json.dumps(body)
    assert '"@"' in text
    return text.replace('"@"', raw, 1)


def _responses(**fields: Any) -> dict[str, Any]:
    return {"model": DEFAULT_MODEL, "input": "Say hi.", "max_output_tokens": 4} | fields


def _tool(parameters: Any, strict: bool | None = True) -> dict[str, Any]:
    function = {"name": "f", "parameters": parameters} | ({"strict": strict} if strict else {})
    return {"type": "function", "function": function}


DEEP_PLACES = {
    "top-level array": ("/v1/chat/completions", _deep_array()),
    "top-level object": ("/v1/chat/completions", _deep_object()),
    "message content": ("/v1/chat/completions", _splice(
        CHAT | {"messages": [{"role": "user", "content": "@"}]}, _deep_array())),
    "logit_bias": ("/v1/chat/completions", _splice(CHAT | {"logit_bias": "@"},
                                                   _deep_object())),
    "response_format schema (deep)": ("/v1/chat/completions", _splice(
        CHAT | {"response_format": {"type": "json_schema", "json_schema": {
            "name": "x", "schema": "@"}}}, _deep_schema(DEPTH // 2))),
    # Shallow enough for the JSON decoder, too deep for a schema (and a recursive walker).
    "response_format schema (400 levels)": ("/v1/chat/completions", _splice(
        CHAT | {"response_format": {"type": "json_schema", "json_schema": {
            "name": "x", "schema": "@"}}}, _deep_schema(200))),
    "tool parameters": ("/v1/chat/completions", _splice(
        CHAT | {"tools": [_tool("@")]}, _deep_schema(DEPTH // 2))),
    "tool parameters (400 levels)": ("/v1/chat/completions", _splice(
        CHAT | {"tools": [_tool("@", strict=None)]}, _deep_schema(200))),
    "responses input": ("/v1/responses", _splice(_responses(input="@"), _deep_array())),
    "responses text.format": ("/v1/responses", _splice(
        _responses(text={"format": {"type": "json_schema", "name": "x", "schema": "@"}}),
        _deep_schema(200))),
    "completions prompt": ("/v1/completions", _splice(
        {"model": DEFAULT_MODEL, "prompt": "@", "max_tokens": 1}, _deep_array())),
    "embeddings input": ("/v1/embeddings", _splice(
        {"model": DEFAULT_MODEL, "input": "@"}, _deep_array())),
    "tool invoke arguments (object)": ("/v1/tools/calculator/invoke", _splice(
        {"arguments": "@"}, _deep_object())),
    "dataset overrides": ("/v1/datasets", _splice(
        {"file_id": "file-x", "overrides": {"toxicity": "@"}}, _deep_object())),
    "fine-tuning integrations": ("/v1/fine_tuning/jobs", _splice(
        {"model": DEFAULT_MODEL, "training_file": "file-x", "integrations": "@"},
        _deep_array())),
    # Just under the decoder's own limit (~1,000 levels): decoded, then walked by the server.
    "fine-tuning metadata (900 levels)": ("/v1/fine_tuning/jobs", _splice(
        {"model": DEFAULT_MODEL, "training_file": "file-x", "metadata": {"k": "@"}},
        _deep_object(900))),
    "chat tool arguments in history (900 levels)": ("/v1/chat/completions", _splice(
        CHAT | {"messages": [{"role": "user", "content": "hi"}, {
            "role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {
                "name": "f", "arguments": "@"}}]}]}, _deep_object(900))),
}


@pytest.mark.parametrize("place", list(DEEP_PLACES))
def test_deep_json_is_a_400_in_the_envelope(http: httpx.Client, place: str) -> None:
    path, body = DEEP_PLACES[place]
    reply = http.post(path, content=body)
    assert reply.status_code == 400, (place, reply.status_code, reply.text[:300])
    error = reply.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"]
    assert "Traceback" not in reply.text and "/" not in error["message"].replace("/v1", "")


def _json_routes(secured: Secured) -> list[tuple[str, str]]:
    """(method, path) of every route whose OpenAPI document takes a JSON body, path parameters
    filled with a placeholder: the class, not the routes someone remembered."""
    document = httpx.get(f"{secured.url}/schema/openapi.json", headers=secured.headers("admin"),
                         timeout=60).raise_for_status().json()
    routes = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = (operation.get("requestBody") or {}).get("content", {}) \
                if isinstance(operation, dict) else {}
            if "application/json" in content:
                routes.append((method.upper(), re.sub(r"\{[^}]+\}", "x", path)))
    return routes


def test_every_json_route_refuses_deep_json(secured: Secured) -> None:
    routes = _json_routes(secured)
    assert len(routes) >= 15, routes  # the document was read, not an empty list
    headers = secured.headers("admin") | {"content-type": "application/json"}
    with httpx.Client(base_url=secured.url, timeout=120, headers=headers) as admin:
        for method, path in routes:
            for body in (_deep_array(), _deep_object()):
                reply = admin.request(method, path, content=body)
                assert reply.status_code == 400, (method, path, reply.status_code,
                                                  reply.text[:300])
                assert reply.json()["error"]["type"] == "invalid_request_error"


def test_deep_tool_arguments_as_text_are_a_tool_error(http: httpx.Client) -> None:
    """The arguments as JSON text, as a model writes them, are decoded by the tool layer: bad
    ones are the tool's error observation (as any invalid arguments are), never a 500."""
    body = json.dumps({"arguments": '{"expression": ' + _deep_array() + "}"})
    reply = http.post("/v1/tools/calculator/invoke", content=body)
    assert reply.status_code == 200, reply.text[:300]
    assert reply.json()["is_error"] and "nested too deeply" in reply.json()["output"]


def test_the_server_still_answers_after_deep_json(http: httpx.Client) -> None:
    for _ in range(3):
        assert http.post("/v1/chat/completions", content=_deep_array()).status_code == 400
    reply = http.post("/v1/chat/completions", json=CHAT)
    assert reply.status_code == 200, reply.text


# ---- W12: schemas with no finite instance ---------------------------------------------------

NODE = {"type": "object", "properties": {"next": {"$ref": "#"}}, "required": ["next"]}
UNSATISFIABLE = {
    "self via a required property": NODE,
    "self, nested one level down": {"type": "object", "properties": {"wrap": {
        "type": "object", "properties": {"again": {"$ref": "#"}}, "required": ["again"]}},
        "required": ["wrap"]},
    "mutual refs": {"$defs": {
        "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}, "required": ["b"]},
        "B": {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}, "required": ["a"]}},
        "$ref": "#/$defs/A"},
    "a chain of three": {"$defs": {
        "A": {"type": "object", "properties": {"x": {"$ref": "#/$defs/B"}}, "required": ["x"]},
        "B": {"type": "array", "items": {"$ref": "#/$defs/C"}, "minItems": 2},
        "C": {"type": "object", "properties": {"y": {"$ref": "#/$defs/A"}}, "required": ["y"]}},
        "type": "object", "properties": {"root": {"$ref": "#/$defs/A"}}, "required": ["root"]},
    "allOf to itself": {"allOf": [{"$ref": "#"}]},
    "array of at least one self": {"type": "array", "items": {"$ref": "#"}, "minItems": 1},
    "every anyOf branch recurses": {"anyOf": [NODE, {"type": "array", "items": {"$ref": "#"},
                                                     "minItems": 1}]},
    "a required property that is false": {"type": "object", "properties": {"a": False},
                                          "required": ["a"]},
    "minItems above maxItems, required": {"type": "object", "properties": {"a": {
        "type": "array", "minItems": 3, "maxItems": 1}}, "required": ["a"]},
    "an integer range holding no integer": {"type": "integer", "minimum": 1.2, "maximum": 1.8},
    "an empty enum": {"enum": []},
}
TREE = {"type": "object", "properties": {
    "name": {"type": "string", "maxLength": 8},
    "children": {"type": "array", "items": {"$ref": "#"}, "maxItems": 2}},
    "required": ["name", "children"]}
SATISFIABLE = {
    "a tree whose children may be empty": TREE,
    "a linked list ending in null": {"$defs": {"node": {"type": "object", "properties": {
        "value": {"type": "integer"}, "next": {"anyOf": [{"$ref": "#/$defs/node"},
                                                         {"type": "null"}]}},
        "required": ["value", "next"]}}, "$ref": "#/$defs/node"},
    "an optional self": {"type": "object", "properties": {"n": {"type": "integer"},
                                                          "more": {"$ref": "#"}},
                         "required": ["n"]},
}


def _surfaces(schema: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any], str]]:
    """(route, body, the param a refusal names) for each place a schema constrains output."""
    return {
        "response_format": ("/v1/chat/completions", CHAT | {"response_format": {
            "type": "json_schema", "json_schema": {"name": "x", "schema": schema,
                                                   "strict": True}}}, "response_format"),
        "strict tool parameters": ("/v1/chat/completions", CHAT | {
            "tools": [_tool(schema)], "tool_choice": "required"}, "tools[0]"),
        "responses text.format": ("/v1/responses", _responses(text={"format": {
            "type": "json_schema", "name": "x", "schema": schema, "strict": True}}),
            "text.format"),
        "responses function tool": ("/v1/responses", _responses(tools=[{
            "type": "function", "name": "f", "parameters": schema, "strict": True}],
            tool_choice="required"), "tools[0]"),
    }


@pytest.mark.parametrize("surface", list(_surfaces({})))
@pytest.mark.parametrize("shape", list(UNSATISFIABLE))
def test_schemas_with_no_finite_instance_are_400s(http: httpx.Client, shape: str,
                                                  surface: str) -> None:
    path, body, param = _surfaces(UNSATISFIABLE[shape])[surface]
    reply = http.post(path, json=body)
    assert reply.status_code == 400, (reply.status_code, reply.text[:300])
    error = reply.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"].startswith(param), error
    assert "no finite instance" in error["message"] or "Invalid schema" in error["message"]


@pytest.mark.parametrize("shape", list(SATISFIABLE))
def test_recursive_schemas_with_a_way_out_still_answer_json(http: httpx.Client,
                                                            shape: str) -> None:
    body = CHAT | {"max_tokens": 40, "messages": [{"role": "user", "content": "Give JSON."}],
                   "response_format": {"type": "json_schema", "json_schema": {
                       "name": "x", "schema": SATISFIABLE[shape], "strict": True}}}
    reply = http.post("/v1/chat/completions", json=body)
    assert reply.status_code == 200, reply.text[:300]
    value = json.loads(reply.json()["choices"][0]["message"]["content"])
    assert isinstance(value, dict)
    if shape == "a tree whose children may be empty":
        assert set(value) == {"name", "children"}


# ---- W15: fields accepted and ignored --------------------------------------------------------

INTERPRETER = {"type": "code_interpreter", "container": {"type": "auto"}}
REFUSED = {
    "container.file_ids": ({"tools": [{"type": "code_interpreter", "container": {
        "type": "auto", "file_ids": ["file-abc"]}}]}, "tools[0].container"),
    "a container id": ({"tools": [{"type": "code_interpreter", "container": "cntr_abc"}]},
                       "tools[0]"),
    "container.memory_limit": ({"tools": [{"type": "code_interpreter", "container": {
        "type": "auto", "memory_limit": "64g"}}]}, "tools[0].container.memory_limit"),
    "background": ({"background": True}, "background"),
    "an unknown field": ({"reasoning_effort_budget": 3}, "reasoning_effort_budget"),
}
# Fields that were refused here until the server honoured them or listed them in the README as
# accepted and ignored (issue 20): they answer, and say what they did.
ACCEPTED = {
    "truncation auto": ({"truncation": "auto"}, {"truncation": "auto"}),
    "include of an item this server never makes": (
        {"include": ["file_search_call.results"]}, {}),
    "service_tier flex": ({"service_tier": "flex"}, {"service_tier": "default"}),
    "text.verbosity high": ({"text": {"format": {"type": "text"}, "verbosity": "high"}}, {}),
}


@pytest.mark.parametrize("field", list(ACCEPTED))
def test_responses_fields_honoured_or_documented_as_ignored_answer(
        http: httpx.Client, field: str) -> None:
    extra, shown = ACCEPTED[field]
    reply = http.post("/v1/responses", json=_responses(**extra))
    assert reply.status_code == 200, (field, reply.status_code, reply.text[:300])
    body = reply.json()
    assert {k: body[k] for k in shown} == shown


@pytest.mark.parametrize("field", list(REFUSED))
def test_responses_fields_that_cannot_be_honoured_are_refused_by_name(
        http: httpx.Client, field: str) -> None:
    extra, param = REFUSED[field]
    reply = http.post("/v1/responses", json=_responses(**extra))
    assert reply.status_code == 400, (field, reply.status_code, reply.text[:300])
    error = reply.json()["error"]
    assert error["param"] == param, error
    assert error["type"] == "invalid_request_error"


def test_the_container_hanlin_makes_is_still_accepted(http: httpx.Client) -> None:
    body = _responses(tools=[INTERPRETER], tool_choice="none")
    reply = http.post("/v1/responses", json=body)
    assert reply.status_code == 200, reply.text[:300]
    assert reply.json()["tools"][0]["container"]["type"] == "auto"


@pytest.mark.parametrize(("extra", "param"), [
    ({"response_format": {"type": "json_schema", "json_schema": {
        "name": "x", "schema": UNSATISFIABLE["mutual refs"]}}}, "response_format"),
])
def test_chat_refuses_what_it_cannot_honour_too(http: httpx.Client, extra: dict[str, Any],
                                                param: str) -> None:
    reply = http.post("/v1/chat/completions", json=CHAT | extra)
    assert reply.status_code == 400, reply.text[:300]
    assert reply.json()["error"]["param"].startswith(param)
