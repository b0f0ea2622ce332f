"""`/v1/responses` through the official SDK. Against the live server and the real model: text
answers stored, retrieved, listed and deleted; `previous_response_id` continuing a conversation;
a forced function tool returning a `function_call` item the client answers; named stream events;
400s with `param`. With a scripted engine (a test double for the model only, in-process): the
built-in code interpreter computing what the model cannot, in the real sandbox, with its output
fed back; a session kept across calls; `max_tool_calls`; streamed code-interpreter events.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import openai
import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from tests.server.scripted_engine import ScriptedEngine

WEATHER_TOOL = {
    "type": "function", "name": "get_weather", "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]},
}
INTERPRETER = {"type": "code_interpreter", "container": {"type": "auto"}}
FIBONACCI = "a, b = 0, 1\nfor _ in range(30):\n    a, b = b, a + b\nprint(a)"


# ---- the live server, the real model ----------------------------------------------------------


def test_text_response_is_stored_listed_and_deleted(client: openai.OpenAI, model: str) -> None:
    r = client.responses.create(model=model, input="Name a colour.", max_output_tokens=12,
                                instructions="Answer in one word.", temperature=0)
    assert r.id.startswith("resp_") and r.object == "response"
    assert r.status in ("completed", "incomplete")
    assert r.output[0].type == "message" and r.output_text
    assert r.usage.output_tokens <= 12 and r.usage.input_tokens > 0
    assert r.usage.total_tokens == r.usage.input_tokens + r.usage.output_tokens
    assert r.instructions == "Answer in one word."
    got = client.responses.retrieve(r.id)
    assert got.output_text == r.output_text and got.usage == r.usage
    items = client.responses.input_items.list(r.id)
    assert [(i.type, i.role) for i in items.data] == [("message", "user")]
    assert items.data[0].content[0].text == "Name a colour."
    client.responses.delete(r.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(r.id)


def test_store_false_keeps_nothing(client: openai.OpenAI, model: str) -> None:
    r = client.responses.create(model=model, input="Hi", max_output_tokens=4, store=False)
    assert r.store is False
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(r.id)


def test_previous_response_id_continues_the_conversation(client: openai.OpenAI,
                                                         model: str) -> None:
    first = client.responses.create(model=model, input="Pick a number from 1 to 10.",
                                    max_output_tokens=8, temperature=0)
    second = client.responses.create(model=model, input="Now double it.", max_output_tokens=8,
                                     previous_response_id=first.id, temperature=0)
    assert second.previous_response_id == first.id
    # The second prompt holds the first exchange: its question and the model's answer.
    assert second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.create(model=model, input="x", previous_response_id="resp_nope")
    assert err.value.body["param"] == "previous_response_id"


def test_function_tool_returns_a_call_the_client_answers(client: openai.OpenAI,
                                                         model: str) -> None:
    r = client.responses.create(model=model, input="What is the weather in Paris?",
                                tools=[WEATHER_TOOL], max_output_tokens=64,
                                tool_choice={"type": "function", "name": "get_weather"})
    calls = [item for item in r.output if item.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_weather"
    assert isinstance(json.loads(calls[0].arguments)["city"], str)
    assert calls[0].call_id
    answer = client.responses.create(
        model=model, previous_response_id=r.id, tools=[WEATHER_TOOL], max_output_tokens=16,
        input=[{"type": "function_call_output", "call_id": calls[0].call_id,
                "output": "sunny, 21 C"}])
    assert answer.status in ("completed", "incomplete") and answer.output
    # The call and its output are in the prompt now.
    assert answer.usage.input_tokens > r.usage.input_tokens + r.usage.output_tokens
    items = client.responses.input_items.list(answer.id).data
    assert [i.type for i in items] == ["function_call_output"]


def test_stream_names_every_event(client: openai.OpenAI, model: str) -> None:
    events = list(client.responses.create(model=model, input="Say hello.", max_output_tokens=10,
                                          stream=True))
    types = [e.type for e in events]
    assert types[:4] == ["response.created", "response.in_progress",
                         "response.output_item.added", "response.content_part.added"]
    assert types[-4:-1] == ["response.output_text.done", "response.content_part.done",
                            "response.output_item.done"]
    final = events[-1].response  # cut at max_output_tokens, or not
    assert types[-1] == {"completed": "response.completed",
                         "incomplete": "response.incomplete"}[final.status]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas and deltas == final.output_text
    assert client.responses.retrieve(final.id).output_text == deltas


def test_streamed_function_call_arguments(client: openai.OpenAI, model: str) -> None:
    events = list(client.responses.create(
        model=model, input="Weather in Rome?", tools=[WEATHER_TOOL], max_output_tokens=64,
        tool_choice={"type": "function", "name": "get_weather"}, stream=True))
    deltas = "".join(e.delta for e in events
                     if e.type == "response.function_call_arguments.delta")
    done = [e for e in events if e.type == "response.function_call_arguments.done"]
    assert len(done) == 1 and done[0].arguments == deltas and json.loads(deltas)["city"]
    item = events[-1].response.output[-1]
    assert item.type == "function_call" and item.arguments == deltas


@pytest.mark.parametrize(("body", "param"), [
    ({"input": [{"type": "function_call_output", "call_id": "call_x", "output": "1"}]},
     "input[0].call_id"),
    ({"input": [{"type": "input_image", "image_url": "x"}]}, "input[0].type"),
    ({"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]},
     "input[0].content[0].type"),
    ({"input": [{"role": "robot", "content": "hi"}]}, "input[0].role"),
    ({"input": "hi", "background": True}, "background"),
    ({"input": "hi", "tools": [{**WEATHER_TOOL, "name": "code_interpreter"}]}, "tools[0].name"),
    ({}, "input"),
])
def test_bad_requests_name_the_param(http, model: str, body: dict, param: str) -> None:  # noqa: ANN001
    r = http.post("/v1/responses", json={"model": model, **body})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == param


def test_unknown_model_and_response_ids(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="no-such-model", input="hi")
    with pytest.raises(openai.NotFoundError):
        client.responses.delete("resp_nope")
    with pytest.raises(openai.NotFoundError):
        client.responses.input_items.list("resp_nope")


# ---- a scripted model in-process: the code interpreter in the real sandbox --------------------


@pytest.fixture
async def scripted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                   ) -> AsyncIterator[tuple[ScriptedEngine, openai.AsyncOpenAI]]:
    monkeypatch.setenv("HANLIN_HOME", str(tmp_path))
    engine = ScriptedEngine()
    async with AsyncTestClient(create_app(engine=engine)) as http:
        yield engine, openai.AsyncOpenAI(base_url="http://testserver.local/v1", api_key="unused",
                                         http_client=http, max_retries=0)


async def test_code_interpreter_computes_what_the_model_cannot(scripted) -> None:  # noqa: ANN001
    engine, client = scripted
    engine.script = [engine.call("code_interpreter", json.dumps({"code": FIBONACCI})),
                     "The 30th Fibonacci number is 832040."]
    r = await client.responses.create(model=engine.model_name, tools=[INTERPRETER],
                                      input="What is the 30th Fibonacci number?")
    call, message = r.output
    assert call.type == "code_interpreter_call" and call.status == "completed"
    assert call.code == FIBONACCI and call.container_id.startswith("cntr_")
    assert call.outputs[0].logs.strip() == "832040"
    # The sandbox's output, not the script, is what the model was shown next.
    assert "832040" in engine.prompts[1] and "832040" not in engine.prompts[0]
    assert message.type == "message" and r.output_text == "The 30th Fibonacci number is 832040."


async def test_csv_in_the_input_summed_in_a_kept_session(scripted) -> None:  # noqa: ANN001
    engine, client = scripted
    csv = "item,price\napple,1.25\npear,2.5\nfig,30.75\n"
    first = "import csv, io\nrows = list(csv.DictReader(io.StringIO(DATA)))".replace(
        "DATA", repr(csv))
    engine.script = [engine.call("code_interpreter", json.dumps({"code": first})),
                     engine.call("code_interpreter",
                                 json.dumps({"code": "print(sum(float(r['price']) for r in rows))"})),
                     "34.5"]
    r = await client.responses.create(model=engine.model_name, tools=[INTERPRETER],
                                      input=f"Sum the prices:\n{csv}")
    calls = [item for item in r.output if item.type == "code_interpreter_call"]
    assert len(calls) == 2 and calls[0].container_id == calls[1].container_id
    assert calls[1].outputs[0].logs.strip() == "34.5"  # `rows` survived from the first call


async def test_max_tool_calls_stops_built_in_calls(scripted) -> None:  # noqa: ANN001
    engine, client = scripted
    engine.script = [engine.call("code_interpreter", json.dumps({"code": "print(1)"})),
                     "done"]
    r = await client.responses.create(model=engine.model_name, tools=[INTERPRETER],
                                      input="Count.", max_tool_calls=1)
    assert [item.type for item in r.output] == ["code_interpreter_call", "message"]
    # The turn after the limit did not offer the tools again.
    assert "code_interpreter" in engine.prompts[0] and "<tools>" not in engine.prompts[1]


async def test_failed_code_is_an_observation_not_an_error(scripted) -> None:  # noqa: ANN001
    engine, client = scripted
    engine.script = [engine.call("code_interpreter", json.dumps({"code": "1 / 0"})), "oops"]
    r = await client.responses.create(model=engine.model_name, tools=[INTERPRETER], input="Go.")
    call = r.output[0]
    assert call.status == "failed" and "ZeroDivisionError" in call.outputs[0].logs
    assert r.status == "completed" and "ZeroDivisionError" in engine.prompts[1]


async def test_streamed_code_interpreter_events(scripted) -> None:  # noqa: ANN001
    engine, client = scripted
    engine.script = [engine.call("code_interpreter", json.dumps({"code": "print(6 * 7)"})),
                     "42"]
    stream = await client.responses.create(model=engine.model_name, tools=[INTERPRETER],
                                           input="Six times seven?", stream=True)
    events = [e async for e in stream]
    types = [e.type for e in events]
    order = ["response.output_item.added", "response.code_interpreter_call.in_progress",
             "response.code_interpreter_call_code.delta",
             "response.code_interpreter_call_code.done",
             "response.code_interpreter_call.interpreting",
             "response.code_interpreter_call.completed", "response.output_item.done"]
    assert types[2:2 + len(order)] == order
    assert events[-1].type == "response.completed"
    assert events[-1].response.output[0].outputs[0].logs.strip() == "42"
    assert events[-1].response.output_text == "42"
