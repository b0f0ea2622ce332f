"""`POST /v1/embeddings` against the live server: the official SDK (base64 by default), the four
input forms, `dimensions`, and every refusal in OpenAI's error envelope."""

from __future__ import annotations

import base64
import math

import httpx
import numpy as np
import openai
import pytest

TEXTS = ["The capital of France is Paris.", "def add(a, b):\n    return a + b", "我喜欢喝茶"]


def post(http: httpx.Client, **body: object) -> httpx.Response:
    return http.post("/v1/embeddings", json=body)


def vectors(response: httpx.Response) -> np.ndarray:
    assert response.status_code == 200, response.text
    body = response.json()
    assert [d["index"] for d in body["data"]] == list(range(len(body["data"])))
    return np.array([d["embedding"] for d in body["data"]], dtype=np.float32)


def token_ids(http: httpx.Client, model: str, text: str) -> list[int]:
    return http.post("/tokenize", json={"model": model, "prompt": text}).json()["tokens"]


def test_sdk_embeds_one_string(client: openai.OpenAI, http: httpx.Client, model: str) -> None:
    r = client.embeddings.create(model=model, input=TEXTS[0], user="user-1")
    assert r.object == "list" and r.model == model
    assert len(r.data) == 1 and r.data[0].object == "embedding" and r.data[0].index == 0
    vector = r.data[0].embedding
    assert len(vector) == 576
    assert math.isclose(math.fsum(v * v for v in vector), 1.0, rel_tol=1e-5)
    n = len(token_ids(http, model, TEXTS[0]))
    assert (r.usage.prompt_tokens, r.usage.total_tokens) == (n, n)


def test_base64_is_the_float_vector_as_little_endian_float32(
    http: httpx.Client, model: str
) -> None:
    floats = vectors(post(http, model=model, input=TEXTS, encoding_format="float"))
    r = post(http, model=model, input=TEXTS, encoding_format="base64")
    assert r.status_code == 200, r.text
    decoded = [np.frombuffer(base64.b64decode(d["embedding"]), dtype="<f4") for d in r.json()["data"]]
    np.testing.assert_array_equal(np.stack(decoded), floats)


def test_the_four_input_forms_agree(http: httpx.Client, model: str) -> None:
    batch = vectors(post(http, model=model, input=TEXTS))
    assert batch.shape == (3, 576)
    ids = [token_ids(http, model, t) for t in TEXTS]
    by_ids = vectors(post(http, model=model, input=ids))
    np.testing.assert_array_equal(by_ids, batch)
    for i, text in enumerate(TEXTS):
        alone = vectors(post(http, model=model, input=text))[0]
        flat = vectors(post(http, model=model, input=ids[i]))[0]
        # Packed with others or alone: the same vector up to fp32 rounding.
        np.testing.assert_allclose(alone, batch[i], atol=1e-5)
        np.testing.assert_array_equal(flat, alone)
    # Different texts, different vectors (a pooling that mixed inputs up would fail here).
    assert np.abs(batch[0] - batch[1]).max() > 0.05


def test_dimensions_shorten_and_renormalise(http: httpx.Client, model: str) -> None:
    full = vectors(post(http, model=model, input=TEXTS[0]))[0]
    short = vectors(post(http, model=model, input=TEXTS[0], dimensions=64))[0]
    assert short.shape == (64,)
    np.testing.assert_allclose(short, full[:64] / np.linalg.norm(full[:64]), atol=1e-6)


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"input": ""}, "input", "invalid_value"),
        ({"input": []}, "input", "invalid_value"),
        ({"input": ["a", ""]}, "input", "invalid_value"),
        ({"input": [[1, 2], []]}, "input", "invalid_value"),
        ({"input": [1, "a"]}, "input", "invalid_value"),
        ({"input": [49152]}, "input", "invalid_value"),
        ({"input": [[5, -1]]}, "input", "invalid_value"),
        ({"input": "a", "dimensions": 0}, "dimensions", "invalid_value"),
        ({"input": "a", "dimensions": 577}, "dimensions", "invalid_value"),
        ({"input": "a", "encoding_format": "int8"}, "encoding_format", "invalid_value"),
        ({"input": "a", "pooling": "cls"}, "pooling", "unknown_parameter"),
        ({}, "input", "missing_required_parameter"),
    ],
)
def test_bad_requests_are_400_with_param(
    http: httpx.Client, model: str, body: dict, param: str, code: str
) -> None:
    r = post(http, model=model, **body)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert (error["param"], error["code"], error["type"]) == (param, code, "invalid_request_error")


def test_an_input_longer_than_the_context_is_refused(http: httpx.Client, model: str) -> None:
    limit = http.get(f"/v1/models/{model}").json()["max_model_len"]
    assert vectors(post(http, model=model, input=[[7] * 4, [7] * 8])).shape == (2, 576)
    r = post(http, model=model, input=[[7] * 4, [7] * (limit + 1)])
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert (error["param"], error["code"]) == ("input", "context_length_exceeded")
    assert "input 1" in error["message"]


def test_unknown_model_is_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        client.embeddings.create(model="text-embedding-3-small", input="hi")
    assert info.value.code == "model_not_found"
    assert info.value.param == "model"
