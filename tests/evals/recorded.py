"""Recorded stand-ins for an OpenAI-compatible server, as `httpx.MockTransport` handlers: the
unit tests need answers of a known shape without a model. The live server is tested in
tests/server/test_evals_e2e.py."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import httpx

WORDS = re.compile(r"\s*\S+|\s+")


def echo_logprobs(prompt: str, last: Callable[[str], float], generated: str = "") -> dict:
    """`/v1/completions` echo logprobs for a whitespace "tokenizer": every token -0.1, except
    the prompt's last token, which gets last(token)."""
    tokens = WORDS.findall(prompt)
    values: list[float | None] = [None] + [-0.1] * (len(tokens) - 1)
    values[-1] = last(tokens[-1])
    if generated:
        tokens, values = tokens + [generated], values + [-0.01]
    offsets = [sum(len(t) for t in tokens[:i]) for i in range(len(tokens))]
    tops = [None] + [{t: v} for t, v in zip(tokens[1:], values[1:], strict=True)]
    return {"tokens": tokens, "token_logprobs": values, "top_logprobs": tops,
            "text_offset": offsets}


class RecordedServer:
    """Answers chat and text completions with `answer(prompt_or_messages)` and echo scoring with
    `score(last_token)`; counts the requests it saw."""

    def __init__(self, answer: Callable[[object], str] = lambda _: "A",
                 score: Callable[[str], float] = lambda _: -1.0) -> None:
        self.answer, self.score, self.requests = answer, score, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append((request.url.path, body))
        n = body.get("n", 1)
        if request.url.path.endswith("/chat/completions"):
            text = self.answer(body["messages"])
            choices = [{"index": i, "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop"} for i in range(n)]
        elif body.get("echo"):
            generated = "x" if body["max_tokens"] else ""
            choices = [{"index": 0, "text": body["prompt"] + generated, "finish_reason": "length",
                        "logprobs": echo_logprobs(body["prompt"], self.score, generated)}]
        else:
            choices = [{"index": i, "text": self.answer(body["prompt"]), "finish_reason": "stop"}
                       for i in range(n)]
        return httpx.Response(200, json={"object": "text_completion", "choices": choices})


def failing_server(request: httpx.Request) -> httpx.Response:
    """A server that refuses everything: only a cache can answer."""
    raise AssertionError(f"the failing server was asked {request.url.path}")
