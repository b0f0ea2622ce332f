"""Long-context selection (InternLM2, after LongWanjuan): length, statistical filters meant to
remove meaningless text, and the perplexity-gain filter: keep a document only when its second
half is easier to predict given the first half than alone.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from typing import Annotated, ClassVar

from msgspec import Meta

from datapipe.document import Document
from datapipe.steps import Filter, Ratio, Settings, Size

# (first_half, second_half) -> (mean NLL of the second half given the first, mean NLL alone)
Scorer = Callable[[str, str], tuple[float, float]]
_WORDS = re.compile(r"\w+")


class LengthSettings(Settings):
    min_bytes: Size = 32 * 1024  # InternLM2 keeps documents of at least 32 KB
    max_bytes: Size = 0  # 0: no upper bound


class LengthSelect(Filter):
    name: ClassVar[str] = "length"
    Settings = LengthSettings

    def filter(self, doc: Document) -> str | None:
        size = len(doc.content().encode())
        if size < self.settings.min_bytes:
            return "too_short"
        if self.settings.max_bytes and size > self.settings.max_bytes:
            return "too_long"
        return None


class LongStatsSettings(Settings):
    # Ours (InternLM2 names the features, not the numbers). Measured in windows so that long
    # books are not judged by vocabulary growth (distinct words per total falls with length).
    window_words: Annotated[int, Meta(ge=1, le=1_000_000)] = 1000
    min_distinct_ratio: Ratio = 0.25  # English prose: ~0.45-0.55 distinct words per 1,000
    # prose: ~8-9 bits; a repeated template: far lower
    min_word_entropy_bits: Annotated[float, Meta(ge=0.0, le=64.0)] = 6.0
    min_alpha_ratio: Ratio = 0.5  # letters among non-space characters


class LongStats(Filter):
    name: ClassVar[str] = "long_stats"
    Settings = LongStatsSettings

    def filter(self, doc: Document) -> str | None:
        s = self.settings
        text = doc.content()
        words = [w.lower() for w in _WORDS.findall(text)]
        if not words:
            return "no_words"
        compact = len(text) - sum(text.count(c) for c in " \t\n\r")
        if sum(c.isalpha() for c in text) / max(1, compact) < s.min_alpha_ratio:
            return "alpha_ratio"
        windows = [words[i:i + s.window_words] for i in range(0, len(words), s.window_words)]
        full = [w for w in windows if len(w) == s.window_words] or windows
        distinct = sum(len(set(w)) / len(w) for w in full) / len(full)
        if distinct < s.min_distinct_ratio:
            return "distinct_words"
        counts = Counter(words)
        entropy = -sum(c / len(words) * math.log2(c / len(words)) for c in counts.values())
        if entropy < s.min_word_entropy_bits:
            return "word_entropy"
        return None


class PerplexityGainSettings(Settings):
    # InternLM2: drop a document when ppl(S2 | S1) is not lower than ppl(S2); a gain is
    # NLL(S2) - NLL(S2 | S1) in nats per token.
    min_gain: Annotated[float, Meta(ge=-100.0, le=100.0)] = 0.0
    # Ours: each half is cut to this many characters (nearest the split) to fit the scorer's
    # context window; 16 KiB is ~4K tokens.
    max_half_chars: Annotated[int, Meta(ge=1, le=1 << 20)] = 16 * 1024


class PerplexityGain(Filter):
    """Runs in the calling process: the scorer may be the served engine, which cannot be sent to
    a worker process."""

    name: ClassVar[str] = "perplexity_gain"
    in_parent: ClassVar[bool] = True
    Settings = PerplexityGainSettings

    def __init__(self, settings: PerplexityGainSettings | None = None, *,
                 scorer: Scorer | None = None) -> None:
        super().__init__(settings)
        if scorer is None:
            raise ValueError("the perplexity_gain step needs a scorer "
                             "(first_half, second_half) -> (nll_conditional, nll_alone)")
        self.scorer = scorer

    @staticmethod
    def split(text: str) -> tuple[str, str]:
        """Halves cut at the whitespace nearest the middle."""
        middle = len(text) // 2
        right = text.find(" ", middle)
        cut = right if 0 <= right < middle + 200 else middle
        return text[:cut], text[cut:]

    def filter(self, doc: Document) -> str | None:
        first, second = self.split(doc.content())
        limit = self.settings.max_half_chars
        nll_conditional, nll_alone = self.scorer(first[-limit:], second[:limit])
        if nll_alone - nll_conditional <= self.settings.min_gain:
            return "no_context_gain"
        return None
