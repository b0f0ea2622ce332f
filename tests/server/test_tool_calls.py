"""Tool calls: the Hermes and InternLM2 parsers on fixed strings (malformed ones stay content),
streamed parsing that agrees with whole parsing however the text is cut, prompt layout for
templates that ignore tools, and the official SDK against a live server: named and required
choices, streamed deltas, tool results sent back, and 400s with `param`.
"""

from __future__ import annotations

import asyncio
import json

import jsonschema
import openai
import pytest

from engine.grammar import check
from engine.loaders.default_model import default_model_path
from engine.tokenizer import Tokenizer
from server.tool_parsers import Function, Hermes, InternLM2, ToolCallParser, inline, parse_whole

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["city", "unit"],
}
ADD = {
    "type": "object",
    "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
    "required": ["a", "b"],
}
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                                      "parameters": WEATHER}},
    {"type": "function", "function": {"name": "add", "description": "Add two numbers",
                                      "parameters": ADD}},
]
PARAMS = {"get_weather": WEATHER, "add": ADD}
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]

HERMES_CASES = {
    "plain": ("Hello world", "Hello world", []),
    "one": ('<tool_call>\n{"name": "f", "arguments": {"x": {"y": 1}}}\n</tool_call>', None,
            [("f", '{"x": {"y": 1}}')]),
    "text_then_two": (
        'Sure.\n<tool_call>\n{"name": "a", "arguments": {"s": "}"}}\n</tool_call>\n'
        '<tool_call>\n{"arguments": {"y": 2}, "name": "b"}\n</tool_call>\n',
        "Sure.", [("a", '{"s": "}"}'), ("b", '{"y": 2}')]),
    "compact": ('<tool_call>{"name":"a","arguments":{"q":"a b"}}</tool_call>', None,
                [("a", '{"q":"a b"}')]),
    "unclosed_but_complete": ('<tool_call>\n{"name": "f", "arguments": {}}', None, [("f", "{}")]),
    "string_arguments": ('<tool_call>{"name": "f", "arguments": "{\\"x\\": 1}"}</tool_call>', None,
                         [("f", '{"x": 1}')]),
    "malformed_json": ('<tool_call>\n{"name": "f", "arguments": {"x": 1}\n</tool_call>',
                       '<tool_call>\n{"name": "f", "arguments": {"x": 1}\n</tool_call>', []),
    "no_name": ('<tool_call>{"arguments": {}}</tool_call>', '<tool_call>{"arguments": {}}</tool_call>',
                []),
    "truncated": ('<tool_call>\n{"name": "f", "argu', '<tool_call>\n{"name": "f", "argu', []),
    "tag_prefix_is_text": ("a < b <tool_ca", "a < b <tool_ca", []),
}


@pytest.mark.parametrize("case", sorted(HERMES_CASES))
def test_hermes_whole_parse(case: str) -> None:
    text, content, calls = HERMES_CASES[case]
    got_content, got_calls = parse_whole(text, Hermes())
    assert got_content == content
    assert [(name, args) for _, name, args in got_calls] == calls
    assert all(call_id.startswith("call_") for call_id, _, _ in got_calls)


def test_parallel_tool_calls_false_keeps_the_first_call() -> None:
    text, _, calls = HERMES_CASES["text_then_two"]
    _, got = parse_whole(text, Hermes(), parallel=False)
    assert [(name, args) for _, name, args in got] == calls[:1]


def test_internlm2_plugin_calls() -> None:
    fmt = InternLM2()
    text = 'Let me look.<|action_start|><|plugin|>\n{"name": "f", "parameters": {"q": 1}}<|action_end|>\n'
    content, calls = parse_whole(text, fmt)
    assert content == "Let me look." and [(n, a) for _, n, a in calls] == [("f", '{"q": 1}')]
    broken = '<|action_start|><|plugin|>\n{"name": "f", "parameters": <|action_end|>'
    assert parse_whole(broken, fmt) == (broken, [])


def _stream(text: str, step: int, incremental: bool) -> tuple[str, list[tuple[str, str]]]:
    parser = ToolCallParser(Hermes(), incremental=incremental)
    content, calls = "", {}
    pieces = [parser.feed(text[i : i + step]) for i in range(0, len(text), step)]
    for delta in [*pieces, parser.finish()]:
        content += delta.content
        for c in delta.calls:
            if c.name is not None:  # the first delta of a call: id and name, no arguments yet
                assert c.index not in calls and c.id and c.arguments == ""
                calls[c.index] = [c.name, ""]
            else:
                calls[c.index][1] += c.arguments
    return content, [tuple(calls[i]) for i in sorted(calls)]


@pytest.mark.parametrize("case", sorted(HERMES_CASES))
@pytest.mark.parametrize("step", [1, 3, 10_000])
def test_streamed_parse_agrees_with_whole_parse(case: str, step: int) -> None:
    text, content, calls = HERMES_CASES[case]
    # Incremental streaming is only for grammar-forced calls, which are never malformed.
    incremental_ok = case not in ("malformed_json", "no_name", "truncated", "string_arguments")
    for incremental in (False, True) if incremental_ok else (False,):
        got_content, got_calls = _stream(text, step, incremental)
        assert (got_content or None if got_calls else got_content) == content
        assert got_calls == calls


def test_incremental_arguments_arrive_before_the_call_closes() -> None:
    parser = ToolCallParser(Hermes(), incremental=True)
    first = parser.feed('<tool_call>\n{"name": "f", "arguments": {"city": "Par')
    assert [(c.name, c.arguments) for c in first.calls] == [("f", ""), (None, '{"city": "Par')]
    rest = parser.feed('is"}}\n</tool_call>')
    assert [c.arguments for c in rest.calls] == ['is"}']


def test_inline_layout_for_templates_that_ignore_tools() -> None:
    tools = [Function("add", "Add", ADD)]
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "1+2?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'}},
            {"id": "c2", "type": "function", "function": {"name": "add", "arguments": '{"a": 0, "b": 0}'}},
        ]},
        {"role": "tool", "content": "3", "tool_call_id": "c1"},
        {"role": "tool", "content": "0", "tool_call_id": "c2"},
    ]
    out = inline(messages, tools, Hermes())
    assert [m["role"] for m in out] == ["system", "user", "assistant", "user"]
    assert out[0]["content"].startswith("Be brief.\n\n# Tools") and '"name": "add"' in out[0]["content"]
    assert out[2]["content"] == (
        '<tool_call>\n{"name": "add", "arguments": {"a": 1, "b": 2}}\n</tool_call>\n'
        '<tool_call>\n{"name": "add", "arguments": {"a": 0, "b": 0}}\n</tool_call>')
    assert out[3]["content"] == "<tool_response>\n3\n</tool_response>\n<tool_response>\n0\n</tool_response>"
    internlm = inline(messages, tools, InternLM2())
    assert [m["role"] for m in internlm] == [
        "system", "system name=<|plugin|>", "user", "assistant",
        "environment name=<|plugin|>", "environment name=<|plugin|>"]


def test_hermes_grammar_compiles_for_the_default_vocabulary() -> None:
    tok = Tokenizer.from_gguf(default_model_path())
    fns = [Function("get_weather", None, WEATHER), Function("noargs")]
    for parallel in (True, False):
        check(tok, Hermes().grammar(fns, parallel))


# ---- the live server --------------------------------------------------------------------------


def _validate(call) -> None:
    assert call.type == "function" and call.id.startswith("call_")
    jsonschema.validate(json.loads(call.function.arguments), PARAMS[call.function.name])


@pytest.mark.slow
def test_named_tool_choice_always_calls_that_tool(client: openai.OpenAI, model: str) -> None:
    for temperature, seed in ((0, None), (1.2, 5)):
        resp = client.chat.completions.create(
            model=model, messages=ASK, tools=TOOLS, temperature=temperature, seed=seed,
            max_tokens=60, tool_choice={"type": "function", "function": {"name": "add"}},
        )
        choice = resp.choices[0]
        assert choice.finish_reason == "tool_calls" and choice.message.content is None
        (call,) = choice.message.tool_calls
        assert call.function.name == "add"
        _validate(call)


@pytest.mark.slow
def test_required_streams_the_same_calls_as_the_whole_answer(server_url: str, model: str) -> None:
    kwargs = dict(model=model, messages=ASK, tools=TOOLS, tool_choice="required", temperature=0,
                  max_tokens=80)

    async def run():
        async with openai.AsyncOpenAI(base_url=f"{server_url}/v1", api_key="unused",
                                      max_retries=0) as client:
            whole = await client.chat.completions.create(**kwargs)
            chunks = [c async for c in await client.chat.completions.create(**kwargs, stream=True)]
            return whole, chunks

    whole, chunks = asyncio.run(run())
    calls: dict[int, dict] = {}
    finish = None
    for chunk in chunks:
        choice = chunk.choices[0]
        finish = choice.finish_reason or finish
        for d in choice.delta.tool_calls or []:
            if d.id is not None:  # a call's first delta: index, id, type and name
                assert d.index not in calls and d.type == "function" and d.function.name
                calls[d.index] = {"name": d.function.name, "arguments": d.function.arguments or ""}
            else:  # later ones: only the index and an argument fragment
                assert d.type is None and d.function.name is None
                calls[d.index]["arguments"] += d.function.arguments
    expected = whole.choices[0].message.tool_calls
    assert whole.choices[0].finish_reason == finish == "tool_calls"
    assert [calls[i] for i in sorted(calls)] == [
        {"name": c.function.name, "arguments": c.function.arguments} for c in expected]
    for call in expected:
        _validate(call)


@pytest.mark.slow
def test_tool_result_is_accepted_and_answered(client: openai.OpenAI, model: str) -> None:
    first = client.chat.completions.create(
        model=model, messages=ASK, tools=TOOLS, temperature=0, max_tokens=60,
        tool_choice={"type": "function", "function": {"name": "get_weather"}})
    call = first.choices[0].message.tool_calls[0]
    messages = [
        *ASK,
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": '{"temperature": 21, "sky": "sunny"}'},
    ]
    resp = client.chat.completions.create(
        model=model, messages=messages, tools=TOOLS, tool_choice="none", temperature=0,
        max_tokens=30)
    choice = resp.choices[0]
    assert choice.message.content and choice.message.tool_calls is None
    assert choice.finish_reason in ("stop", "length")


@pytest.mark.slow
@pytest.mark.parametrize("kwargs, param", [
    ({"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "nope"}}},
     "tool_choice"),
    ({"tool_choice": "required"}, "tool_choice"),
    ({"tools": []}, "tools"),
    ({"tools": [{"type": "function", "function": {"name": "bad name"}}]},
     "tools[0].function.name"),
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "nope"}}}]},
     "tools[0].function.parameters"),
    ({"messages": [*ASK, {"role": "tool", "content": "1"}]}, "messages[1].tool_call_id"),
], ids=["unknown-named", "required-without-tools", "empty-tools", "bad-name", "bad-parameters",
        "tool-without-id"])
def test_bad_tool_requests_are_400s_with_param(
    client: openai.OpenAI, model: str, kwargs: dict, param: str
) -> None:
    kwargs = {"messages": ASK, **kwargs}
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model=model, max_tokens=5, **kwargs)
    assert err.value.body["param"] == param
