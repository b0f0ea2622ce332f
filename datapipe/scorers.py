"""A CPU scorer for the perplexity-gain filter when no engine is at hand: a unigram model of a
reference corpus mixed with a cache of the words already seen (Kuhn & De Mori's cache LM), so
the context helps exactly when it shares vocabulary with what follows.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

_WORDS = re.compile(r"\w+")


class CacheUnigramScorer:
    """`(first_half, second_half) -> (nll_conditional, nll_alone)`, nats per word."""

    def __init__(self, corpus: Iterable[str], cache_weight: float = 0.5) -> None:
        self.counts = Counter(w for text in corpus for w in _WORDS.findall(text.lower()))
        self.total = sum(self.counts.values())
        self.vocab = len(self.counts) + 1  # +1: one bucket for words the corpus never had
        self.cache_weight = cache_weight

    def _nll(self, context: list[str], target: list[str]) -> float:
        cache = Counter(context)
        seen = len(context)
        total = 0.0
        for word in target:
            background = (self.counts[word] + 1) / (self.total + self.vocab)  # add-one smoothing
            p = background
            if seen:
                p = self.cache_weight * cache[word] / seen + (1 - self.cache_weight) * background
            total -= math.log(p)
            cache[word] += 1
            seen += 1
        return total / max(1, len(target))

    def __call__(self, first: str, second: str) -> tuple[float, float]:
        context = _WORDS.findall(first.lower())
        target = _WORDS.findall(second.lower())
        return self._nll(context, target), self._nll([], target)


class CompletionsScorer:
    """The perplexity-gain scorer backed by a served model: `/tokenize` for ids, then
    `/v1/completions` with `echo`, `logprobs` and `max_tokens: 0` (prompt log-probabilities only)
    for the second half alone and after the first. Both averages cover the same tokens (all of the
    second half but its first, which has no context when scored alone), in nats per token."""

    def __init__(self, base_url: str, model: str | None = None, api_key: str | None = None,
                 timeout: float = 300.0, max_tokens: int | None = None) -> None:
        import httpx  # only this scorer talks HTTP; the pipeline itself never does

        root = base_url.rstrip("/").removesuffix("/v1")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=root, headers=headers, timeout=timeout)
        self.model = model or self._served_model()
        self.max_tokens = max_tokens

    def _served_model(self) -> str:
        reply = self.client.get("/v1/models")
        reply.raise_for_status()
        return reply.json()["data"][0]["id"]

    def _ids(self, text: str) -> list[int]:
        body = {"model": self.model, "prompt": text, "add_special_tokens": False}
        reply = self.client.post("/tokenize", json=body)
        reply.raise_for_status()
        return reply.json()["tokens"]

    def _prompt_logprobs(self, ids: list[int]) -> list[float | None]:
        body = {"model": self.model, "prompt": ids, "echo": True, "logprobs": 0, "max_tokens": 0}
        reply = self.client.post("/v1/completions", json=body)
        reply.raise_for_status()
        return reply.json()["choices"][0]["logprobs"]["token_logprobs"]

    def __call__(self, first: str, second: str) -> tuple[float, float]:
        context, target = self._ids(first), self._ids(second)
        if self.max_tokens:  # keep the pair inside the model's context window
            half = self.max_tokens // 2
            context, target = context[-half:], target[:half]
        if len(target) < 2:
            return 0.0, 0.0
        alone = self._prompt_logprobs(target)[1:]
        given = self._prompt_logprobs(context + target)[len(context) + 1:]
        n = len(alone)
        return -sum(given) / n, -sum(alone) / n  # type: ignore[arg-type]

    def close(self) -> None:
        self.client.close()
