"""`/tokenize` and `/detokenize` against the live server: the engine's own ids, round trips."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.slow


def test_tokenize_detokenize_round_trip(http: httpx.Client, model: str) -> None:
    from engine.loaders.default_model import resolve_model_path
    from engine.tokenizer import Tokenizer

    text = "Hello, 世界! 12345 def f(x): return x"
    r = http.post("/tokenize", json={"model": model, "prompt": text})
    assert r.status_code == 200, r.text
    body = r.json()
    tokenizer = Tokenizer.from_gguf(resolve_model_path(model))
    assert body["tokens"] == tokenizer.encode(text, add_special_tokens=True)
    assert body["count"] == len(body["tokens"]) and body["max_model_len"] > 0
    back = http.post("/detokenize", json={"model": model, "tokens": body["tokens"]})
    assert back.status_code == 200 and back.json() == {"prompt": text}


def test_tokenize_messages_counts_what_chat_sends(http: httpx.Client, model: str) -> None:
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    r = http.post("/tokenize", json={"model": model, "messages": messages})
    chat = http.post(
        "/v1/chat/completions", json={"model": model, "messages": messages, "max_tokens": 1}
    )
    assert r.json()["count"] == chat.json()["usage"]["prompt_tokens"]


@pytest.mark.parametrize(
    "path,body,param",
    [
        ("/tokenize", {"prompt": "a", "messages": [{"role": "user", "content": "a"}]}, "prompt"),
        ("/tokenize", {}, "prompt"),
        ("/detokenize", {"tokens": [10**9]}, "tokens"),
        ("/detokenize", {"tokens": "abc"}, "tokens"),
    ],
)
def test_token_routes_reject_bad_input(http: httpx.Client, model: str, path, body, param) -> None:
    r = http.post(path, json={"model": model, **body})
    assert r.status_code == 400
    assert r.json()["error"]["param"] == param
