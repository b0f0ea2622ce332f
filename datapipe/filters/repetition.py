"""Gopher repetition rules (Rae et al. 2021, table A1), as datatrove's GopherRepetitionFilter
computes them, with the n-gram loops short-circuited when a text has no repeated 5-gram.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import accumulate
from typing import Annotated, ClassVar

from msgspec import Meta

from datapipe.document import Document
from datapipe.steps import Filter, Ratio, Settings, SmallInt
from datapipe.textutil import tokens

_PARAGRAPHS = re.compile(r"\n{2,}")
_LINES = re.compile(r"\n+")


# (n, the most a share of the text may be) pairs, as Gopher's table A1 gives them.
NGramLimits = Annotated[tuple[tuple[SmallInt, Ratio], ...], Meta(max_length=32)]


class GopherRepetitionSettings(Settings):
    # datatrove pipeline/filters/gopher_repetition_filter.py defaults (Gopher table A1).
    dup_line_frac: Ratio = 0.3
    dup_para_frac: Ratio = 0.3
    dup_line_char_frac: Ratio = 0.2
    dup_para_char_frac: Ratio = 0.2
    top_n_grams: NGramLimits = ((2, 0.20), (3, 0.18), (4, 0.16))
    dup_n_grams: NGramLimits = (
        (5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10))


def duplicates(parts: list[str]) -> tuple[int, int]:
    """(number of repeated elements, characters in them), first occurrences not counted."""
    seen: set[str] = set()
    count = chars = 0
    for part in parts:
        if part in seen:
            count += 1
            chars += len(part)
        else:
            seen.add(part)
    return count, chars


def top_ngram_chars(words: list[str], n: int) -> int:
    """Characters covered by the most frequent n-gram (joined with spaces) times its count."""
    counts = Counter(zip(*(words[i:] for i in range(n)), strict=False))
    if not counts:
        return 0
    gram, count = counts.most_common(1)[0]
    return (sum(map(len, gram)) + n - 1) * count


def duplicated_ngram_chars(words: list[str], n: int, prefix: list[int]) -> int:
    """datatrove's find_all_duplicate: scan left to right, a repeated n-gram adds its characters
    (words joined without spaces) and jumps past itself."""
    seen: set[tuple[str, ...]] = set()
    repeated = i = 0
    last = len(words) - n + 1
    while i < last:
        gram = tuple(words[i:i + n])
        if gram in seen:
            repeated += prefix[i + n] - prefix[i]
            i += n
        else:
            seen.add(gram)
            i += 1
    return repeated


class GopherRepetition(Filter):
    name: ClassVar[str] = "gopher_repetition"
    Settings = GopherRepetitionSettings

    def filter(self, doc: Document) -> str | None:
        s = self.settings
        text = doc.content()
        size = len(text)
        if not size:
            return "empty"
        paragraphs = _PARAGRAPHS.split(text.strip())
        count, chars = duplicates(paragraphs)
        if count / len(paragraphs) > s.dup_para_frac:
            return "dup_para_frac"
        if chars / size > s.dup_para_char_frac:
            return "dup_para_char_frac"
        lines = _LINES.split(text)
        count, chars = duplicates(lines)
        if count / len(lines) > s.dup_line_frac:
            return "dup_line_frac"
        if chars / size > s.dup_line_char_frac:
            return "dup_line_char_frac"
        words = tokens(text)
        for n, frac in s.top_n_grams:
            if top_ngram_chars(words, n) / size > frac:
                return f"top_{n}_gram"
        prefix: list[int] | None = None
        for n, frac in sorted(s.dup_n_grams):
            grams = list(zip(*(words[i:] for i in range(n)), strict=False))
            if len(set(grams)) == len(grams):
                break  # no repeated n-gram, so no repeated longer one either
            if prefix is None:
                prefix = [0, *accumulate(map(len, words))]
            if duplicated_ngram_chars(words, n, prefix) / size > frac:
                return f"duplicated_{n}_gram"
        return None
