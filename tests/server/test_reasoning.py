"""Reasoning models through the real app, in-process, with a scripted engine (a test double for the
model only) over a Qwen3-style tokenizer: the default vocabulary plus Qwen3's `<think>` /
`<tool_call>` tokens, and a Qwen3-style template written here (nothing is downloaded).

Checked: `message.reasoning_content` and `delta.reasoning_content` (the official SDK reads them),
tags cut across deltas, a thought the template opened in the prompt, a generation that stops
inside the thought, `reasoning_tokens`, `chat_template_kwargs` and `reasoning_effort` reaching the
template, tool calls after a thought, the Responses API's reasoning item and events, the default
model unchanged, and `--tool-call-parser` / `--reasoning-parser` (unknown names: one line).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import openai
import pytest
from litestar.testing import AsyncTestClient
from tokenizers import AddedToken

from engine.loaders.default_model import default_model_path
from engine.tokenizer import Tokenizer
from server.app import create_app
from server.reasoning import reasoning_on, template_kwargs
from server.settings import ParserSettings, ServerSettings
from tests.server.conftest import REPO
from tests.server.scripted_engine import ScriptedEngine

# Qwen3's template, cut to what these tests use: tools in the system turn, past thoughts, tool
# results as user turns, and the `enable_thinking` switch on the generation prompt.
QWEN3 = """\
{%- if tools %}
{{- '<|im_start|>system\\n' }}
{%- if messages[0].role == 'system' %}{{- messages[0].content + '\\n\\n' }}{%- endif %}
{{- '# Tools\\n\\n<tools>' }}
{%- for tool in tools %}{{- '\\n' + (tool | tojson) }}{%- endfor %}
{{- '\\n</tools>\\n\\nCall with <tool_call>{"name": ..., "arguments": ...}</tool_call>' }}
{{- '<|im_end|>\\n' }}
{%- elif messages[0].role == 'system' %}
{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
{%- endif %}
{%- for message in messages %}
{%- if message.role == 'user' %}
{{- '<|im_start|>user\\n' + message.content + '<|im_end|>\\n' }}
{%- elif message.role == 'assistant' %}
{{- '<|im_start|>assistant\\n' }}
{%- if message.reasoning_content %}
{{- '<think>\\n' + message.reasoning_content.strip('\\n') + '\\n</think>\\n\\n' }}
{%- endif %}
{{- message.content }}
{%- for call in message.tool_calls or [] %}
{{- '\\n<tool_call>\\n{"name": "' + call.function.name + '", "arguments": ' }}
{{- call.function.arguments | tojson }}{{- '}\\n</tool_call>' }}
{%- endfor %}
{{- '<|im_end|>\\n' }}
{%- elif message.role == 'tool' %}
{{- '<|im_start|>user\\n<tool_response>\\n' + message.content }}
{{- '\\n</tool_response><|im_end|>\\n' }}
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
{{- '<|im_start|>assistant\\n' }}
{%- if enable_thinking is defined and enable_thinking is false %}
{{- '<think>\\n\\n</think>\\n\\n' }}
{%- endif %}
{%- endif %}
"""
# A thinking-only model's template (Qwen3-Thinking-2507, DeepSeek-R1): the prompt opens the
# thought, so the answer starts inside it and has no `<think>` of its own.
THINKING = QWEN3.replace("{%- if enable_thinking is defined and enable_thinking is false %}\n"
                         "{{- '<think>\\n\\n</think>\\n\\n' }}",
                         "{%- if true %}\n{{- '<think>\\n' }}")
TAGS = ("<think>", "</think>", "<tool_call>", "</tool_call>")
ASK = [{"role": "user", "content": "What is 2 + 2?"}]
ANSWER = "<think>\nTwo plus two.\nThat is four.\n</think>\n\nIt is 4."


def qwen3_tokenizer(folder: Path, template: str) -> Tokenizer:
    """The default vocabulary with Qwen3's thought and call tags as added (non-special) tokens,
    saved as a Hugging Face folder and loaded back the way checkpoints are."""
    backend = Tokenizer.from_gguf(default_model_path())._backend  # a tokenizers.Tokenizer
    backend.add_tokens([AddedToken(t, normalized=False) for t in TAGS])
    folder.mkdir(exist_ok=True)
    backend.save(str(folder / "tokenizer.json"))
    config = {"eos_token": "<|im_end|>", "chat_template": template}
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    return Tokenizer.from_hf_folder(folder)


async def _served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: ScriptedEngine,
                  settings: ServerSettings | None = None) -> AsyncIterator[Any]:
    monkeypatch.setenv("HANLIN_HOME", str(tmp_path))
    async with AsyncTestClient(create_app(engine=engine, settings=settings)) as http:
        yield engine, http, openai.AsyncOpenAI(base_url="http://testserver.local/v1",
                                               api_key="unused", http_client=http, max_retries=0)


@pytest.fixture
async def qwen3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    engine = ScriptedEngine(tokenizer=qwen3_tokenizer(tmp_path / "tok", QWEN3))
    async for served in _served(tmp_path, monkeypatch, engine):
        yield served


@pytest.fixture
async def thinking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    engine = ScriptedEngine(tokenizer=qwen3_tokenizer(tmp_path / "tok", THINKING))
    async for served in _served(tmp_path, monkeypatch, engine):
        yield served


def _thought_tokens(engine: ScriptedEngine, thought: str) -> int:
    # The tags are whole tokens, so the thought's tokens are exactly those of the text between.
    return len(engine.tokenizer.encode(thought))


async def _chat(http: AsyncTestClient, engine: ScriptedEngine, **body: Any) -> dict[str, Any]:
    r = await http.post("/v1/chat/completions", json={"model": engine.model_name,
                                                      "messages": ASK, **body})
    assert r.status_code == 200, r.text
    return r.json()


# ---- chat, whole ------------------------------------------------------------------------------


async def test_whole_answer_splits_the_thought_and_counts_its_tokens(qwen3) -> None:  # noqa: ANN001
    engine, http, _ = qwen3
    engine.script = [ANSWER]
    body = await _chat(http, engine)
    message = body["choices"][0]["message"]
    assert message["reasoning_content"] == "Two plus two.\nThat is four."
    assert message["content"] == "It is 4."
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == _thought_tokens(
        engine, "\nTwo plus two.\nThat is four.\n")
    assert body["usage"]["completion_tokens"] == len(engine.tokenizer.encode(ANSWER))


async def test_stop_inside_the_thought_is_all_reasoning(qwen3) -> None:  # noqa: ANN001
    engine, http, _ = qwen3
    engine.script, engine.finish_reason = ["<think>\nLet me count: one, two"], "length"
    body = await _chat(http, engine, max_tokens=12)
    choice = body["choices"][0]
    assert choice["message"]["content"] is None and choice["finish_reason"] == "length"
    assert choice["message"]["reasoning_content"] == "Let me count: one, two"
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == _thought_tokens(
        engine, "\nLet me count: one, two")


async def test_no_thought_is_null_reasoning(qwen3) -> None:  # noqa: ANN001
    engine, http, _ = qwen3
    engine.script = ["Four."]
    body = await _chat(http, engine)
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "Four.",
                                             "reasoning_content": None}
    assert body["usage"]["completion_tokens_details"] == {"reasoning_tokens": 0}


async def test_prefilled_thought_starts_the_answer_inside_it(thinking) -> None:  # noqa: ANN001
    engine, http, _ = thinking
    engine.script = ["Two and two.\n</think>\n\nFour."]
    body = await _chat(http, engine)
    assert engine.prompts[0].endswith("<|im_start|>assistant\n<think>\n")
    message = body["choices"][0]["message"]
    assert (message["reasoning_content"], message["content"]) == ("Two and two.", "Four.")
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == _thought_tokens(
        engine, "Two and two.\n")


async def test_tool_call_after_the_thought(qwen3) -> None:  # noqa: ANN001
    engine, http, _ = qwen3
    tools = [{"type": "function", "function": {"name": "add", "parameters": {
        "type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}}}]
    engine.script = ['<think>\nI will add.\n</think>\n\n<tool_call>\n{"name": "add", "arguments": '
                     '{"a": 2, "b": 2}}\n</tool_call>', "It is 4."]
    body = await _chat(http, engine, tools=tools)
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    assert choice["message"]["reasoning_content"] == "I will add."
    (call,) = choice["message"]["tool_calls"]
    assert call["function"] == {"name": "add", "arguments": '{"a": 2, "b": 2}'}
    # The thought and the call go back as the client echoes the message; the template shows both.
    back = [*ASK, choice["message"], {"role": "tool", "tool_call_id": call["id"], "content": "4"}]
    await _chat(http, engine, tools=tools, messages=back)
    assert "<think>\nI will add.\n</think>\n\n\n<tool_call>" in engine.prompts[1]


# ---- template variables -----------------------------------------------------------------------


@pytest.mark.parametrize(("body", "off"), [
    ({}, False),
    ({"chat_template_kwargs": {"enable_thinking": False}}, True),
    ({"reasoning_effort": "none"}, True),
    ({"reasoning_effort": "minimal"}, True),
    ({"reasoning_effort": "high"}, False),
    ({"reasoning_effort": "none", "chat_template_kwargs": {"enable_thinking": True}}, False),
])
async def test_thinking_switched_off_through_the_template(qwen3, body: dict, off: bool) -> None:  # noqa: ANN001
    engine, http, _ = qwen3
    engine.script = ["Four."]
    message = (await _chat(http, engine, **body))["choices"][0]["message"]
    assert engine.prompts[0].endswith("<think>\n\n</think>\n\n") is off
    assert message["content"] == "Four." and message["reasoning_content"] is None


def test_effort_reaches_templates_that_read_it() -> None:
    gpt_oss = "Reasoning: {{ reasoning_effort }}"
    assert template_kwargs(gpt_oss, None, "high") == {"reasoning_effort": "high"}
    assert template_kwargs("no switches", {"x": 1}, "none") == {"x": 1}  # accepted, no effect


@pytest.mark.parametrize(("body", "param"), [
    ({"chat_template_kwargs": {"messages": []}}, "chat_template_kwargs.messages"),
    ({"chat_template_kwarg": {"enable_thinking": False}}, "chat_template_kwarg"),
    ({"reasoning_effort": "extreme"}, "reasoning_effort"),
    ({"messages": [{"role": "assistant", "content": "x", "reasoning": "y"}]},
     "messages[0].reasoning"),
])
async def test_bad_reasoning_fields_are_400s_naming_them(qwen3, body: dict, param: str) -> None:  # noqa: ANN001
    engine, http, _ = qwen3
    r = await http.post("/v1/chat/completions",
                        json={"model": engine.model_name, "messages": ASK, **body})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == param


# ---- chat, streamed ---------------------------------------------------------------------------


async def test_sdk_stream_reads_reasoning_content_with_tags_cut_across_deltas(qwen3) -> None:  # noqa: ANN001
    engine, _, client = qwen3
    pieces = ["<thi", "nk>\nTwo plus", " two.\nThat is four.\n</th", "ink>", "\n\nIt", " is 4."]
    engine.script = [pieces, ANSWER]
    stream = await client.chat.completions.create(
        model=engine.model_name, messages=ASK, stream=True, stream_options={"include_usage": True})
    chunks = [c async for c in stream]
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    reasoning = "".join(d.reasoning_content or "" for d in deltas
                        if getattr(d, "reasoning_content", None))
    content = "".join(d.content or "" for d in deltas)
    assert (reasoning, content) == ("Two plus two.\nThat is four.", "It is 4.")
    # Every reasoning delta comes before the first content delta.
    kinds = [("r" if getattr(d, "reasoning_content", None) else "c") for d in deltas
             if getattr(d, "reasoning_content", None) or d.content]
    assert kinds == sorted(kinds, reverse=True) and kinds[0] == "r"
    whole = await client.chat.completions.create(model=engine.model_name, messages=ASK)
    assert whole.choices[0].message.reasoning_content == reasoning
    assert whole.choices[0].message.content == content
    assert chunks[-1].usage.completion_tokens_details.reasoning_tokens > 0


async def test_streamed_stop_inside_a_prefilled_thought(thinking) -> None:  # noqa: ANN001
    engine, http, _ = thinking
    engine.script, engine.finish_reason = [["Still ", "thinking </thi"]], "length"
    r = await http.post("/v1/chat/completions", json={
        "model": engine.model_name, "messages": ASK, "stream": True, "max_tokens": 5})
    events = [json.loads(line[6:]) for line in r.text.splitlines()
              if line.startswith("data: {")]
    deltas = [e["choices"][0]["delta"] for e in events if e["choices"]]
    assert "".join(d.get("reasoning_content", "") for d in deltas) == "Still thinking </thi"
    assert "".join(d.get("content", "") for d in deltas) == ""
    assert events[-1]["choices"][0]["finish_reason"] == "length"


# ---- Responses --------------------------------------------------------------------------------


async def test_responses_reasoning_item_before_the_message(qwen3) -> None:  # noqa: ANN001
    engine, _, client = qwen3
    engine.script = [ANSWER]
    r = await client.responses.create(model=engine.model_name, input="What is 2 + 2?",
                                      reasoning={"effort": "high", "summary": "auto"})
    reasoning, message = r.output
    assert reasoning.type == "reasoning" and reasoning.id.startswith("rs_")
    assert reasoning.summary == []
    assert [(c.type, c.text) for c in reasoning.content] == [
        ("reasoning_text", "Two plus two.\nThat is four.")]
    assert message.type == "message" and r.output_text == "It is 4."
    assert r.usage.output_tokens_details.reasoning_tokens == _thought_tokens(
        engine, "\nTwo plus two.\nThat is four.\n")
    assert r.reasoning.effort == "high"
    stored = await client.responses.retrieve(r.id)
    assert [item.type for item in stored.output] == ["reasoning", "message"]
    assert stored.output[0].content == reasoning.content


async def test_responses_effort_none_turns_thinking_off(qwen3) -> None:  # noqa: ANN001
    engine, _, client = qwen3
    engine.script = ["4."]
    r = await client.responses.create(model=engine.model_name, input="2 + 2?",
                                      reasoning={"effort": "none"})
    assert engine.prompts[0].endswith("<think>\n\n</think>\n\n")
    assert [item.type for item in r.output] == ["message"]


async def test_responses_stream_reasoning_events(qwen3) -> None:  # noqa: ANN001
    engine, _, client = qwen3
    engine.script = [["<think>\nTwo plus", " two.\nThat is four.\n</think>", "\n\nIt is 4."]]
    stream = await client.responses.create(model=engine.model_name, input="2 + 2?", stream=True)
    events = [e async for e in stream]
    types = [e.type for e in events]
    assert types[2:6] == ["response.output_item.added", "response.content_part.added",
                          "response.reasoning_text.delta", "response.reasoning_text.delta"]
    done = types.index("response.reasoning_text.done")
    assert types[done:done + 3] == ["response.reasoning_text.done", "response.content_part.done",
                                    "response.output_item.done"]
    assert done < types.index("response.output_text.delta")
    deltas = "".join(e.delta for e in events if e.type == "response.reasoning_text.delta")
    assert deltas == events[done].text == "Two plus two.\nThat is four."
    final = events[-1].response
    assert [item.type for item in final.output] == ["reasoning", "message"]
    assert final.output[0].content[0].text == deltas and final.output_text == "It is 4."


async def test_responses_accept_reasoning_items_passed_back(qwen3) -> None:  # noqa: ANN001
    engine, _, client = qwen3
    engine.script = [ANSWER, "Eight."]
    first = await client.responses.create(model=engine.model_name, input="2 + 2?")
    items = [{"role": "user", "content": "2 + 2?"},
             *[item.model_dump(exclude_none=True) for item in first.output],
             {"role": "user", "content": "Doubled?"}]
    second = await client.responses.create(model=engine.model_name, input=items)
    assert second.output_text == "Eight."
    assert "<think>\nTwo plus two.\nThat is four.\n</think>\n\nIt is 4." in engine.prompts[1]


# ---- the default model, and the options -------------------------------------------------------


async def test_default_model_reads_no_thought(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    engine = ScriptedEngine(["<think>x</think>y"])
    assert not reasoning_on(engine.tokenizer, None)
    async for _, http, _ in _served(tmp_path, monkeypatch, engine):
        body = await _chat(http, engine)
        assert body["choices"][0]["message"] == {"role": "assistant",
                                                 "content": "<think>x</think>y"}
        assert "completion_tokens_details" not in body["usage"]


async def test_parser_options_override_the_template(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    engine = ScriptedEngine(['<think>x</think>[TOOL_CALLS][{"name": "f", "arguments": {}}]'])
    settings = ServerSettings(parsers=ParserSettings(tool_call_parser="mistral",
                                                     reasoning_parser="think"))
    tools = [{"type": "function", "function": {"name": "f"}}]
    async for _, http, _ in _served(tmp_path, monkeypatch, engine, settings):
        message = (await _chat(http, engine, tools=tools))["choices"][0]["message"]
        assert message["reasoning_content"] == "x" and message["content"] is None
        assert message["tool_calls"][0]["function"] == {"name": "f", "arguments": "{}"}
        assert len(message["tool_calls"][0]["id"]) == 9


def test_parser_settings_from_env_and_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANLIN_TOOL_CALL_PARSER", "llama3_json")
    monkeypatch.setenv("HANLIN_REASONING_PARSER", "none")
    assert ServerSettings.from_env().parsers == ParserSettings(tool_call_parser="llama3_json",
                                                               reasoning_parser="none")
    flags = ServerSettings.from_env(tool_call_parser="qwen3_coder").parsers
    assert flags.tool_call_parser == "qwen3_coder"


@pytest.mark.parametrize(("flag", "what"), [("--tool-call-parser", "tool-call parser"),
                                            ("--reasoning-parser", "reasoning parser")])
def test_unknown_parser_name_is_one_line(tmp_path: Path, flag: str, what: str) -> None:
    done = subprocess.run([sys.executable, "-m", "server.cli", "serve", flag, "nope"], cwd=REPO,
                          env={"PATH": "/usr/bin:/bin", "HANLIN_HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"hanlin: unknown {what} 'nope' (known: ")
    assert done.stderr.count("\n") == 1
