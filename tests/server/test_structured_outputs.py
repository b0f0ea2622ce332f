"""`response_format` through the official `openai` SDK against a live `hanlin serve`: every
json_schema answer validates (ten schemas, greedy, seeded, streamed, n choices, cut short by
max_tokens), json_object answers parse, and bad formats are 400s with `param`.
"""

from __future__ import annotations

import asyncio
import json
import math

import jsonschema
import openai
import pytest

pytestmark = pytest.mark.slow

STR = {"type": "string"}
SCHEMAS = {
    "flat": {
        "type": "object",
        "properties": {"name": STR, "age": {"type": "integer", "minimum": 0, "maximum": 120}},
        "required": ["name", "age"],
        "additionalProperties": False,
    },
    "nested": {
        "type": "object",
        "properties": {
            "title": STR,
            "author": {
                "type": "object",
                "properties": {"name": STR, "born": {"type": "integer"}},
                "required": ["name", "born"],
            },
        },
        "required": ["title", "author"],
    },
    "array": {
        "type": "object",
        "properties": {"fruits": {"type": "array", "items": STR, "minItems": 2, "maxItems": 4}},
        "required": ["fruits"],
    },
    "enum": {
        "type": "object",
        "properties": {"color": {"enum": ["red", "green", "blue"]}},
        "required": ["color"],
    },
    "numbers": {
        "type": "object",
        "properties": {
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
        },
        "required": ["lat", "lon"],
    },
    "string_rules": {
        "type": "object",
        "properties": {
            "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
            "code": {"type": "string", "minLength": 3, "maxLength": 6},
        },
        "required": ["zip", "code"],
    },
    "boolean": {
        "type": "object",
        "properties": {"answer": {"type": "boolean"}, "sure": {"type": "boolean"}},
        "required": ["answer", "sure"],
    },
    "nullable": {
        "type": "object",
        "properties": {
            "king": {"anyOf": [STR, {"type": "null"}]},
            "year": {"type": ["integer", "null"]},
        },
        "required": ["king", "year"],
    },
    "array_of_objects": {
        "type": "object",
        "properties": {
            "planets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": STR, "moons": {"type": "integer"}},
                    "required": ["name", "moons"],
                },
            }
        },
        "required": ["planets"],
    },
    "recursive": {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "label": STR,
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                },
                "required": ["label", "children"],
            }
        },
        "$ref": "#/$defs/node",
    },
}


def ask(name: str) -> list[dict]:
    return [{"role": "user", "content": f"Give an example '{name}' record as JSON."}]


def schema_format(name: str, strict: bool = True) -> dict:
    return {
        "type": "json_schema",
        "json_schema": {"name": name, "schema": SCHEMAS[name], "strict": strict},
    }


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_json_schema_answer_validates(client: openai.OpenAI, model: str, name: str) -> None:
    # 40 tokens is too few for some of these to finish on their own: the grammar closes them.
    resp = client.chat.completions.create(
        model=model,
        messages=ask(name),
        temperature=0,
        max_tokens=40,
        response_format=schema_format(name),
    )
    (choice,) = resp.choices
    assert choice.finish_reason == "stop"
    jsonschema.validate(json.loads(choice.message.content), SCHEMAS[name])


def test_seeded_n_choices_each_validate(client: openai.OpenAI, model: str) -> None:
    resp = client.chat.completions.create(
        model=model,
        messages=ask("nested"),
        temperature=1.3,
        seed=11,
        n=3,
        max_tokens=40,
        response_format=schema_format("nested", strict=False),
    )
    assert len(resp.choices) == 3
    for choice in resp.choices:  # each choice has its own grammar state
        jsonschema.validate(json.loads(choice.message.content), SCHEMAS["nested"])


def test_json_object_always_parses(client: openai.OpenAI, model: str) -> None:
    for temperature, seed in ((0, None), (1.0, 3)):
        resp = client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "Describe a cat in JSON."}],
            temperature=temperature,
            seed=seed,
            max_tokens=40,
            response_format={"type": "json_object"},
        )
        assert isinstance(json.loads(resp.choices[0].message.content), dict)


def test_async_stream_reassembles_to_the_whole_answer(server_url: str, model: str) -> None:
    async def run() -> tuple[str, str]:
        async with openai.AsyncOpenAI(
            base_url=f"{server_url}/v1", api_key="unused", max_retries=0
        ) as client:
            kwargs = dict(
                model=model,
                messages=ask("array_of_objects"),
                temperature=0,
                max_tokens=40,
                response_format=schema_format("array_of_objects"),
            )
            whole = await client.chat.completions.create(**kwargs)
            stream = await client.chat.completions.create(**kwargs, stream=True)
            parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
            return whole.choices[0].message.content, "".join(parts)

    whole, streamed = asyncio.run(run())
    assert streamed == whole
    jsonschema.validate(json.loads(streamed), SCHEMAS["array_of_objects"])


def test_logprobs_come_from_the_constrained_distribution(
    client: openai.OpenAI, model: str
) -> None:
    resp = client.chat.completions.create(
        model=model,
        messages=ask("enum"),
        temperature=0,
        max_tokens=20,
        logprobs=True,
        top_logprobs=5,
        response_format=schema_format("enum"),
    )
    content = resp.choices[0].logprobs.content
    assert "".join(t.token for t in content) == resp.choices[0].message.content
    # The first position can only open the object: the few tokens the grammar allows hold all
    # of the probability, and no forbidden token is listed as an alternative.
    first = content[0]
    assert first.token.startswith("{")
    assert all(alt.token.startswith("{") for alt in first.top_logprobs)
    assert sum(math.exp(alt.logprob) for alt in first.top_logprobs) == pytest.approx(1, abs=1e-3)


@pytest.mark.parametrize(
    "response_format, param",
    [
        ({"type": "json_schema"}, "response_format.json_schema"),
        ({"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "nope"}}},
         "response_format"),
        ({"type": "json_schema", "json_schema": {"name": "x", "schema": {
            "type": "array", "minItems": 3, "maxItems": 1}}}, "response_format"),
        ({"type": "yaml"}, "response_format.type"),
    ],
    ids=["missing-json_schema", "bad-type", "unsatisfiable", "unknown-type"],
)
def test_bad_response_format_is_a_400_with_param(
    client: openai.OpenAI, model: str, response_format: dict, param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(
            model=model, messages=ask("x"), max_tokens=5, response_format=response_format
        )
    assert err.value.status_code == 400
    assert err.value.body["param"] == param
