"""Every bad input gets OpenAI's status and envelope: `{"error": {message, type, param, code}}`."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from litestar.exceptions import NotFoundException, ValidationException

from engine.config import DEFAULT_MODEL
from server.errors import APIError, envelope

CHAT, COMPLETIONS = "/v1/chat/completions", "/v1/completions"
MSGS = [{"role": "user", "content": "Hi"}]


def chat(**fields: Any) -> dict[str, Any]:
    return {"model": DEFAULT_MODEL, "messages": MSGS, "max_tokens": 2} | fields


def completion(**fields: Any) -> dict[str, Any]:
    return {"model": DEFAULT_MODEL, "prompt": "Hi", "max_tokens": 2} | fields


# (method, path, body: dict = JSON, bytes = raw), status, param, code
CASES: dict[str, tuple[str, str, Any, int, str | None, str | None]] = {
    "malformed_json": ("POST", CHAT, b'{"model": "x", "messages": [', 400, None, None),
    "empty_body": ("POST", CHAT, b"", 400, None, "invalid_value"),
    "body_not_object": ("POST", CHAT, b"[]", 400, None, "invalid_type"),
    "wrong_type": ("POST", CHAT, chat(temperature="hot"), 400, "temperature", "invalid_type"),
    "nested_wrong_type": (
        "POST",
        CHAT,
        chat(messages=[{"role": "user", "content": 5}]),
        400,
        "messages[0].content",
        "invalid_type",
    ),
    "bad_role": (
        "POST",
        CHAT,
        chat(messages=[{"role": "wizard", "content": "x"}]),
        400,
        "messages[0].role",
        "invalid_value",
    ),
    "out_of_range": ("POST", CHAT, chat(temperature=3), 400, "temperature", "invalid_value"),
    "top_p_zero": ("POST", CHAT, chat(top_p=0), 400, "top_p", "invalid_value"),
    "five_stops": ("POST", CHAT, chat(stop=list("abcde")), 400, "stop", "invalid_value"),
    "unknown_field": ("POST", CHAT, chat(foo=1), 400, "foo", "unknown_parameter"),
    "nested_unknown_field": (
        "POST",
        CHAT,
        chat(messages=[{"role": "user", "content": "x", "x": 1}]),
        400,
        "messages[0].x",
        "unknown_parameter",
    ),
    "missing_model": ("POST", CHAT, {"messages": MSGS}, 400, "model", "missing_required_parameter"),
    "stream_unknown_model": (
        "POST",
        CHAT,
        chat(model="gpt-9", stream=True),
        404,
        "model",
        "model_not_found",
    ),
    "unknown_model": ("POST", CHAT, chat(model="gpt-9"), 404, "model", "model_not_found"),
    "empty_messages": ("POST", CHAT, chat(messages=[]), 400, "messages", "empty_array"),
    "too_long_prompt": (
        "POST",
        CHAT,
        chat(messages=[{"role": "user", "content": "hello " * 9000}]),
        400,
        "messages",
        "context_length_exceeded",
    ),
    "n_over_the_cap": ("POST", CHAT, chat(n=17), 400, "n", "invalid_value"),
    "stream_options_without_stream": (
        "POST",
        CHAT,
        chat(stream_options={"include_usage": True}),
        400,
        "stream_options",
        "invalid_value",
    ),
    "empty_tools": ("POST", CHAT, chat(tools=[]), 400, "tools", "empty_array"),
    "tool_choice_required_without_tools": (
        "POST",
        CHAT,
        chat(tool_choice="required"),
        400,
        "tool_choice",
        "invalid_value",
    ),
    "json_schema_unsatisfiable": (
        "POST",
        CHAT,
        chat(response_format={"type": "json_schema", "json_schema": {
            "name": "x", "schema": {"type": "string", "minLength": 5, "maxLength": 2}}}),
        400,
        "response_format",
        "invalid_value",
    ),
    "top_logprobs_without_logprobs": (
        "POST",
        CHAT,
        chat(top_logprobs=3),
        400,
        "top_logprobs",
        "invalid_value",
    ),
    "top_logprobs_over_20": (
        "POST",
        CHAT,
        chat(logprobs=True, top_logprobs=21),
        400,
        "top_logprobs",
        "invalid_value",
    ),
    "presence_penalty_out_of_range": (
        "POST",
        CHAT,
        chat(presence_penalty=2.5),
        400,
        "presence_penalty",
        "invalid_value",
    ),
    "logit_bias_not_a_token": (
        "POST",
        CHAT,
        chat(logit_bias={"abc": 10}),
        400,
        "logit_bias",
        "invalid_value",
    ),
    "logit_bias_out_of_range": (
        "POST",
        CHAT,
        chat(logit_bias={"50": 101}),
        400,
        "logit_bias",
        "invalid_value",
    ),
    "image_part": (
        "POST",
        CHAT,
        chat(
            messages=[
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}
            ]
        ),
        400,
        "messages[0].content[0].type",
        "invalid_value",
    ),
    "completion_unknown_model": (
        "POST",
        COMPLETIONS,
        completion(model="x"),
        404,
        "model",
        "model_not_found",
    ),
    "completion_max_tokens_0_without_echo": (
        "POST",
        COMPLETIONS,
        completion(max_tokens=0),
        400,
        "max_tokens",
        "invalid_value",
    ),
    "completion_suffix": (
        "POST",
        COMPLETIONS,
        completion(suffix="end"),
        400,
        "suffix",
        "unsupported_parameter",
    ),
    "completion_mixed_prompt_list": (
        "POST",
        COMPLETIONS,
        completion(prompt=["a", 5]),
        400,
        "prompt",
        "invalid_value",
    ),
    "completion_empty_prompt": (
        "POST",
        COMPLETIONS,
        completion(prompt=""),
        400,
        "prompt",
        "invalid_value",
    ),
    "completion_bad_token_id": (
        "POST",
        COMPLETIONS,
        completion(prompt=[1, 10**9]),
        400,
        "prompt",
        "invalid_value",
    ),
    "completion_too_long": (
        "POST",
        COMPLETIONS,
        completion(prompt=list(range(9000))),
        400,
        "prompt",
        "context_length_exceeded",
    ),
    "unknown_route": ("GET", "/v1/nowhere", None, 404, None, None),
    "wrong_method": ("GET", CHAT, None, 405, None, None),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_gets_envelope(http: httpx.Client, case: str) -> None:
    method, path, body, status, param, code = CASES[case]
    if isinstance(body, bytes):
        resp = http.request(
            method, path, content=body, headers={"content-type": "application/json"}
        )
    else:
        resp = http.request(method, path, json=body)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    assert set(resp.json()) == {"error"}
    error = resp.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert isinstance(error["message"], str) and error["message"]
    assert (error["param"], error["code"]) == (param, code), error


# ---- the envelope itself, without a server ---------------------------------------------------


def test_unexpected_error_leaks_nothing() -> None:
    status, body = envelope(RuntimeError("secret path /etc/passwd"))
    assert status == 500
    text = json.dumps({"error": {"message": body.error.message, "type": body.error.type}})
    assert "secret" not in text and body.error.type == "server_error"


def test_api_error_keeps_param_and_code() -> None:
    status, body = envelope(
        APIError("nope", status_code=404, param="model", code="model_not_found")
    )
    assert (status, body.error.param, body.error.code) == (404, "model", "model_not_found")


def test_route_not_found_names_the_url() -> None:
    status, body = envelope(NotFoundException(), "GET", "/v1/x")
    assert status == 404 and body.error.message == "Invalid URL (GET /v1/x)"


def test_validation_path_becomes_param() -> None:
    exc = ValidationException(extra=[{"message": "Expected `str`, got `int`", "key": "a[1].b"}])
    _, body = envelope(exc)
    assert (body.error.param, body.error.code) == ("a[1].b", "invalid_type")
