"""Every request field of OpenAI's current chat / completions / responses spec, read from the
official SDK's typed params (a field the SDK adds later fails here until it is placed): each is a
field of our request structs, honoured or accepted and ignored (README, "Request fields"), except
a small allow-list refused with OpenAI's error envelope naming it. A misspelled field stays a 400
naming it. In-process with a scripted engine (a test double for the model only); vLLM's sampling
extras and Responses' log-probabilities against the live server and the real default model.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import openai
import pytest
from litestar.testing import AsyncTestClient
from openai.types import completion_create_params
from openai.types.chat import completion_create_params as chat_create_params
from openai.types.responses import response_create_params

from server.app import create_app
from server.protocol import ChatCompletionRequest, CompletionRequest
from server.protocol_responses import ResponseCreateRequest
from tests.server.scripted_engine import ScriptedEngine

SDK_CHAT = chat_create_params.CompletionCreateParamsStreaming
SDK_COMPLETIONS = completion_create_params.CompletionCreateParamsStreaming
SDK_RESPONSES = response_create_params.ResponseCreateParamsStreaming

# Fields refused with a 400 whenever they are given (not null): what they ask for does not exist
# here. Fields refused only at some values (modalities ["audio"], suffix, best_of > 1,
# background true, prompt_cache_options.prewarm) are accepted fields, tested below.
REFUSED_CHAT = {"audio", "moderation", "web_search_options"}
REFUSED_COMPLETIONS: set[str] = set()
REFUSED_RESPONSES = {"conversation", "prompt", "moderation"}
VLLM_EXTRAS = {"top_k", "min_p", "repetition_penalty", "chat_template_kwargs"}

WEATHER = {"name": "get_weather", "description": "Current weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                          "required": ["city"]}}
CLOCK = {"name": "get_time", "description": "The time in a city",
         "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
ASK = [{"role": "user", "content": "What's the weather in Oslo?"}]

# One value per field, every field the SDK knows except the refused ones.
CHAT_VALUES: dict[str, Any] = {
    "messages": [{"role": "developer", "content": "Be brief."},
                 {"role": "user", "content": "Hi", "name": "ann"}],
    "frequency_penalty": 0.1, "presence_penalty": 0.1, "logit_bias": {"1": 1},
    "logprobs": True, "top_logprobs": 2, "max_completion_tokens": 30, "max_tokens": 30,
    "metadata": {"team": "evals"}, "modalities": ["text"], "n": 1, "parallel_tool_calls": True,
    "prediction": {"type": "content", "content": "Hello"}, "prompt_cache_key": "k1",
    "prompt_cache_options": {"mode": "implicit", "ttl": "30m"}, "prompt_cache_retention": "24h",
    "reasoning_effort": "low", "response_format": {"type": "text"}, "safety_identifier": "u-1",
    "seed": 7, "service_tier": "flex", "stop": ["\n\n\n"], "store": True, "stream": True,
    "stream_options": {"include_usage": True, "include_obfuscation": True},
    "temperature": 0.5, "top_p": 0.9, "tools": [{"type": "function", "function": WEATHER}],
    "tool_choice": "auto", "user": "u-1", "verbosity": "low",
    # The deprecated spellings of tools / tool_choice: sent in place of them (both is a 400).
    "functions": [WEATHER], "function_call": "auto",
}
LEGACY = {"functions": "tools", "function_call": "tool_choice"}
COMPLETION_VALUES: dict[str, Any] = {
    "prompt": "Hello", "best_of": 1, "echo": True, "frequency_penalty": 0.1,
    "presence_penalty": 0.1, "logit_bias": {"1": 1}, "logprobs": 1, "max_tokens": 5, "n": 1,
    "seed": 7, "stop": ["\n\n\n"], "stream": True, "stream_options": {"include_usage": True},
    "suffix": "", "temperature": 0.5, "top_p": 0.9, "user": "u-1",
}
RESPONSE_VALUES: dict[str, Any] = {
    "input": [{"role": "user", "content": "And now?"}], "instructions": "Be brief.",
    "max_output_tokens": 50, "max_tool_calls": 2, "metadata": {"team": "evals"},
    "parallel_tool_calls": True, "previous_response_id": None,  # set to a stored response
    "prompt_cache_key": "k1", "prompt_cache_retention": "in_memory",
    "prompt_cache_options": {"mode": "explicit", "ttl": "12h", "prewarm": False},
    "reasoning": {"effort": "low", "summary": "auto", "context": "auto", "mode": "standard"},
    "safety_identifier": "u-1", "service_tier": "priority", "store": True, "stream": True,
    "stream_options": {"include_obfuscation": True}, "temperature": 0.5, "top_p": 0.9,
    "text": {"format": {"type": "text"}, "verbosity": "high"}, "tool_choice": "auto",
    "tools": [{"type": "function", **WEATHER}], "top_logprobs": 2, "truncation": "auto",
    "user": "u-1", "background": False, "background_options": {"completion_window": "soonest"},
    "context_management": [{"type": "compaction", "compact_threshold": 100000}],
    "image": {"context_compression": "auto"}, "access_programs": {"cyber": "standard"},
    "include": ["message.output_text.logprobs", "reasoning.encrypted_content",
                "code_interpreter_call.outputs", "web_search_call.results"],
}


def _sdk_fields(params: type) -> set[str]:
    return set(params.__required_keys__ | params.__optional_keys__)


def _our_fields(struct: type[msgspec.Struct]) -> set[str]:
    return {f.encode_name for f in msgspec.structs.fields(struct)}


@pytest.mark.parametrize(("sdk", "ours", "refused", "values"), [
    (SDK_CHAT, ChatCompletionRequest, REFUSED_CHAT, CHAT_VALUES),
    (SDK_COMPLETIONS, CompletionRequest, REFUSED_COMPLETIONS, COMPLETION_VALUES),
    (SDK_RESPONSES, ResponseCreateRequest, REFUSED_RESPONSES, RESPONSE_VALUES),
], ids=["chat", "completions", "responses"])
def test_every_sdk_field_is_ours_and_only_the_allow_list_is_refused(
        sdk: type, ours: type[msgspec.Struct], refused: set[str], values: dict) -> None:
    known = _sdk_fields(sdk)
    assert known - _our_fields(ours) == set(), "fields of OpenAI's spec we do not decode"
    assert refused <= known, "the allow-list names fields the SDK no longer has"
    # The requests below carry a value for every accepted field.
    assert known - refused - {"model"} == set(values), "give each new field a value here"


def test_vllm_extras_are_fields_of_chat_and_completions() -> None:
    assert VLLM_EXTRAS <= _our_fields(ChatCompletionRequest)
    assert VLLM_EXTRAS - {"chat_template_kwargs"} <= _our_fields(CompletionRequest)


# ---- in-process: the app with a scripted model ------------------------------------------------


@pytest.fixture
async def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                 ) -> AsyncIterator[tuple[ScriptedEngine, Any, openai.AsyncOpenAI]]:
    monkeypatch.setenv("HANLIN_HOME", str(tmp_path))
    engine = ScriptedEngine()
    async with AsyncTestClient(create_app(engine=engine)) as http:
        yield engine, http, openai.AsyncOpenAI(base_url="http://testserver.local/v1",
                                               api_key="unused", http_client=http,
                                               max_retries=0)


async def test_a_chat_request_with_every_field_succeeds(served) -> None:  # noqa: ANN001
    engine, _, client = served
    modern = {k: v for k, v in CHAT_VALUES.items() if k not in LEGACY}
    legacy = {k: v for k, v in CHAT_VALUES.items() if k not in LEGACY.values()}
    for body in (modern, legacy):
        engine.script = [["Hello ", "there."]]
        chunks = [c async for c in await client.chat.completions.create(
            model=engine.model_name, **body)]
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text == "Hello there." and chunks[-1].usage.completion_tokens > 0
        assert {c.service_tier for c in chunks} == {"default"}  # the tier that served it


async def test_a_completion_request_with_every_field_succeeds(served) -> None:  # noqa: ANN001
    engine, _, client = served
    engine.script = [[" world", "."]]
    chunks = [c async for c in await client.completions.create(model=engine.model_name,
                                                                **COMPLETION_VALUES)]
    assert "".join(c.choices[0].text for c in chunks if c.choices) == "Hello world."


async def test_a_response_request_with_every_field_succeeds(served) -> None:  # noqa: ANN001
    engine, _, client = served
    engine.script = ["Hi.", ["Sunny ", "in Oslo."]]
    first = await client.responses.create(model=engine.model_name, input="Hi")
    body = RESPONSE_VALUES | {"previous_response_id": first.id}
    events = [e async for e in await client.responses.create(model=engine.model_name, **body)]
    final = events[-1].response
    assert final.status == "completed" and final.output_text == "Sunny in Oslo."
    assert final.service_tier == "default" and final.truncation == "auto"
    assert final.top_logprobs == 2 and final.safety_identifier == "u-1"
    stored = await client.responses.retrieve(final.id)
    assert stored.metadata == {"team": "evals"} and stored.output_text == "Sunny in Oslo."
    assert "Hi." in engine.prompts[1]  # the previous response's answer was shown


async def test_service_tier_is_echoed_only_when_named(served) -> None:  # noqa: ANN001
    engine, _, client = served
    engine.script = ["One.", "Two."]
    plain = await client.chat.completions.create(model=engine.model_name, messages=ASK)
    tiered = await client.chat.completions.create(model=engine.model_name, messages=ASK,
                                                  service_tier="scale")
    assert plain.service_tier is None and tiered.service_tier == "default"


BASE: dict[str, dict[str, Any]] = {"/v1/chat/completions": {"messages": ASK},
                                   "/v1/completions": {"prompt": "Hi"},
                                   "/v1/responses": {"input": "Hi"}}


@pytest.mark.parametrize(("path", "body", "param"), [
    ("/v1/chat/completions", {"temprature": 0.5}, "temprature"),
    ("/v1/chat/completions", {"stream": True, "stream_options": {"include_usgae": True}},
     "stream_options.include_usgae"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "hi", "nmae": "x"}]},
     "messages[0].nmae"),
    ("/v1/chat/completions", {"service_teir": "flex"}, "service_teir"),
    ("/v1/completions", {"max_token": 5}, "max_token"),
    ("/v1/responses", {"max_output_token": 5}, "max_output_token"),
    ("/v1/responses", {"text": {"verbositty": "low"}}, "text.verbositty"),
    ("/v1/responses", {"reasoning": {"efort": "low"}}, "reasoning.efort"),
])
async def test_a_misspelled_field_is_a_400_naming_it(served, path: str, body: dict,  # noqa: ANN001
                                                     param: str) -> None:
    engine, http, _ = served
    r = await http.post(path, json={"model": engine.model_name} | BASE[path] | body)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert (error["param"], error["code"]) == (param, "unknown_parameter")
    assert param in error["message"]


CHAT_REFUSED = [
    ({"audio": {"voice": "alloy", "format": "wav"}, "modalities": ["text", "audio"]}, "audio"),
    ({"modalities": ["text", "audio"]}, "modalities"),
    ({"moderation": {"model": "omni-moderation-latest"}}, "moderation"),
    ({"web_search_options": {"search_context_size": "low"}}, "web_search_options"),
    ({"prompt_cache_options": {"prewarm": True}}, "prompt_cache_options.prewarm"),
    ({"messages": [*ASK, {"role": "assistant", "audio": {"id": "audio_1"}}, *ASK]},
     "messages[1].audio"),
]
COMPLETION_REFUSED = [({"suffix": "end"}, "suffix"), ({"best_of": 2}, "best_of")]
RESPONSE_REFUSED = [
    ({"conversation": "conv_1"}, "conversation"),
    ({"conversation": {"id": "conv_1"}}, "conversation"),
    ({"prompt": {"id": "pmpt_1", "version": "2"}}, "prompt"),
    ({"moderation": {"model": "omni-moderation-latest"}}, "moderation"),
    ({"background": True}, "background"),
    ({"prompt_cache_options": {"prewarm": True}}, "prompt_cache_options.prewarm"),
]


@pytest.mark.parametrize(("path", "body", "param"), [
    *(("/v1/chat/completions", b, p) for b, p in CHAT_REFUSED),
    *(("/v1/completions", b, p) for b, p in COMPLETION_REFUSED),
    *(("/v1/responses", b, p) for b, p in RESPONSE_REFUSED),
])
async def test_refused_fields_get_openais_envelope_naming_them(
        served, path: str, body: dict, param: str) -> None:  # noqa: ANN001
    engine, http, _ = served
    r = await http.post(path, json={"model": engine.model_name} | BASE[path] | body)
    assert r.status_code == 400, r.text
    assert set(r.json()) == {"error"}
    error = r.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert (error["type"], error["param"], error["code"]) == (
        "invalid_request_error", param, "unsupported_parameter")
    assert f"'{param}'" in error["message"]
    assert engine.prompts == []  # refused before anything ran


async def test_deprecated_functions_are_served_as_tools(served) -> None:  # noqa: ANN001
    engine, _, client = served
    args = json.dumps({"city": "Oslo"})
    engine.script = [engine.call("get_weather", args), [engine.call("get_weather", args)]]
    kwargs = {"model": engine.model_name, "messages": ASK, "functions": [WEATHER],
              "function_call": {"name": "get_weather"}}
    r = await client.chat.completions.create(**kwargs)
    (choice,) = r.choices
    assert choice.finish_reason == "function_call" and choice.message.tool_calls is None
    assert choice.message.function_call.name == "get_weather"
    assert json.loads(choice.message.function_call.arguments) == {"city": "Oslo"}
    assert "get_weather" in engine.prompts[0]  # the function was shown as a tool
    chunks = [c async for c in await client.chat.completions.create(**kwargs, stream=True)]
    calls = [c.choices[0].delta.function_call for c in chunks if c.choices[0].delta.function_call]
    assert calls[0].name == "get_weather" and not any(c.choices[0].delta.tool_calls
                                                      for c in chunks)
    assert json.loads("".join(c.arguments or "" for c in calls)) == {"city": "Oslo"}
    assert chunks[-1].choices[0].finish_reason == "function_call"
    # The old protocol's history: the call, then a "function" message with its result.
    engine.script = ["Light snow in Oslo."]
    r = await client.chat.completions.create(model=engine.model_name, functions=[WEATHER],
                                             messages=[*ASK, choice.message,
                                                       {"role": "function", "name": "get_weather",
                                                        "content": "light snow, -3 C"}])
    assert r.choices[0].message.content == "Light snow in Oslo."
    assert "light snow, -3 C" in engine.prompts[-1] and '"Oslo"' in engine.prompts[-1]


async def test_functions_and_tools_together_are_a_400(served) -> None:  # noqa: ANN001
    engine, _, client = served
    with pytest.raises(openai.BadRequestError) as err:
        await client.chat.completions.create(
            model=engine.model_name, messages=ASK, functions=[WEATHER],
            tools=[{"type": "function", "function": CLOCK}])
    assert err.value.body["param"] == "functions"
    with pytest.raises(openai.BadRequestError) as err:
        await client.chat.completions.create(model=engine.model_name, messages=ASK,
                                             functions=[WEATHER], function_call={"name": "nope"})
    assert err.value.body["param"] == "function_call"


async def test_allowed_tools_show_only_those_tools(served) -> None:  # noqa: ANN001
    engine, _, client = served
    engine.script = ["Let me check."]
    tools = [{"type": "function", "function": WEATHER}, {"type": "function", "function": CLOCK}]
    choice = {"type": "allowed_tools", "allowed_tools": {
        "mode": "auto", "tools": [{"type": "function", "function": {"name": "get_time"}}]}}
    await client.chat.completions.create(model=engine.model_name, messages=ASK, tools=tools,
                                         tool_choice=choice)
    assert "get_time" in engine.prompts[0] and "get_weather" not in engine.prompts[0]
    choice["allowed_tools"]["tools"] = [{"type": "function", "function": {"name": "nope"}}]
    with pytest.raises(openai.BadRequestError) as err:
        await client.chat.completions.create(model=engine.model_name, messages=ASK,
                                             tools=tools, tool_choice=choice)
    assert err.value.body["param"] == "tool_choice.allowed_tools.tools[0]"


async def test_truncation_auto_drops_the_oldest_turns_until_the_prompt_fits(
        served) -> None:  # noqa: ANN001
    engine, _, client = served
    engine.max_model_len = 120
    old = "Tell me about the sea. " * 30  # alone, more than the context holds
    history = [{"role": "user", "content": old}, {"role": "assistant", "content": "It is wet."},
               {"role": "user", "content": "And the sky?"}]
    with pytest.raises(openai.BadRequestError) as err:
        await client.responses.create(model=engine.model_name, input=history)
    assert err.value.body["code"] == "context_length_exceeded"
    engine.script = ["Blue."]
    r = await client.responses.create(model=engine.model_name, input=history,
                                      truncation="auto")
    assert r.output_text == "Blue." and r.truncation == "auto"
    assert "And the sky?" in engine.prompts[0] and "the sea" not in engine.prompts[0]
    # Nothing older to drop: the last question alone must fit.
    with pytest.raises(openai.BadRequestError) as err:
        await client.responses.create(model=engine.model_name, input=old, truncation="auto")
    assert err.value.body["code"] == "context_length_exceeded"


# ---- the live server and the real default model -----------------------------------------------

PROMPT = "The three most important rivers of Europe are"
REPETITIVE = "1, 1, 1, 1, 1,"


def _text(client: openai.OpenAI, model: str, prompt: str, **kwargs: Any) -> str:
    return client.completions.create(model=model, prompt=prompt, max_tokens=16,
                                     **kwargs).choices[0].text


@pytest.mark.slow
@pytest.mark.parametrize("extra", [{"top_k": 1}, {"min_p": 1.0}], ids=["top_k=1", "min_p=1"])
def test_top_k_1_and_min_p_1_are_greedy_at_temperature_1(client: openai.OpenAI, model: str,
                                                         extra: dict) -> None:
    greedy = _text(client, model, PROMPT, temperature=0)
    sampled = {_text(client, model, PROMPT, temperature=1.0, seed=seed, extra_body=extra)
               for seed in range(2)}
    assert sampled == {greedy}
    # Without the filter the same seeds wander (so the equality above is the filter's doing).
    assert {_text(client, model, PROMPT, temperature=1.0, seed=seed) for seed in range(2)} \
        != {greedy}
    chat = client.chat.completions.create(model=model, messages=ASK, max_tokens=16, seed=1,
                                          temperature=1.0, extra_body=extra)
    greedy_chat = client.chat.completions.create(model=model, messages=ASK, max_tokens=16,
                                                 temperature=0)
    assert chat.choices[0].message.content == greedy_chat.choices[0].message.content


@pytest.mark.slow
def test_repetition_penalty_changes_a_repetitive_greedy_answer(client: openai.OpenAI,
                                                               model: str) -> None:
    plain = _text(client, model, REPETITIVE, temperature=0)
    penalized = _text(client, model, REPETITIVE, temperature=0,
                      extra_body={"repetition_penalty": 1.5})
    assert plain.count(" 1,") > penalized.count(" 1,")


@pytest.mark.slow
def test_responses_return_logprobs_when_included(client: openai.OpenAI, model: str) -> None:
    r = client.responses.create(model=model, input="Say hi.", max_output_tokens=8,
                                temperature=0, top_logprobs=2,
                                include=["message.output_text.logprobs"])
    (part,) = r.output[0].content
    assert len(part.logprobs) == r.usage.output_tokens
    assert "".join(lp.token for lp in part.logprobs) == part.text
    assert all(len(lp.top_logprobs) == 2 and lp.logprob <= 0 for lp in part.logprobs)
    # The top alternative at each step is the token greedy decoding took.
    assert all(lp.top_logprobs[0].token == lp.token for lp in part.logprobs)
