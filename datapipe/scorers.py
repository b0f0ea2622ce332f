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
