"""Quality rules with the public pipelines' thresholds: Gopher quality, C4 line rules, FineWeb.
Defaults are datatrove's (pipeline/filters/{gopher_quality,c4,fineweb_quality}_filter.py), from
the Gopher (Rae et al. 2021, table A1), C4 (Raffel et al. 2020) and FineWeb papers.
"""

from __future__ import annotations

import re
from typing import ClassVar

from datapipe.document import Document
from datapipe.steps import Amount, Filter, Phrases, Ratio, Settings, Size
from datapipe.textutil import (
    C4_END_PUNCTUATION,
    TERMINAL_PUNCTUATION,
    cjk_ratio,
    has_cjk,
    is_word,
    nonblank_lines,
    tokens,
)

GOPHER_STOP_WORDS = ("the", "be", "to", "of", "and", "that", "have", "with")


class GopherQualitySettings(Settings):
    min_doc_words: Size = 50
    max_doc_words: Size = 100_000
    min_avg_word_length: Amount = 3
    max_avg_word_length: Amount = 10
    max_symbol_word_ratio: Amount = 0.1  # "#" per word, and "..."/"…" per word
    max_bullet_lines_ratio: Ratio = 0.9
    max_ellipsis_lines_ratio: Ratio = 0.3
    min_alpha_words_ratio: Ratio = 0.8
    min_stop_words: Size = 2
    stop_words: Phrases = GOPHER_STOP_WORDS
    # Ours: word length and English stop words mean nothing for Chinese / Japanese text.
    cjk_min_ratio: Ratio = 0.3


class GopherQuality(Filter):
    name: ClassVar[str] = "gopher_quality"
    Settings = GopherQualitySettings

    def filter(self, doc: Document) -> str | None:
        s = self.settings
        text = doc.content()
        toks = tokens(text)
        words = [t for t in toks if is_word(t)]
        n_words, n_toks = len(words), max(1, len(toks))
        if n_words < s.min_doc_words:
            return "too_few_words"
        if n_words > s.max_doc_words:
            return "too_many_words"
        latin = cjk_ratio(text) < s.cjk_min_ratio
        if latin:
            mean = sum(map(len, words)) / n_words
            if mean < s.min_avg_word_length:
                return "mean_word_length_low"
            if mean > s.max_avg_word_length:
                return "mean_word_length_high"
        if text.count("#") / n_toks > s.max_symbol_word_ratio:
            return "hash_ratio"
        if (text.count("...") + text.count("…")) / n_toks > s.max_symbol_word_ratio:
            return "ellipsis_ratio"
        lines = text.splitlines() or [""]
        bullets = sum(1 for li in lines if li.lstrip().startswith(("•", "-")))
        if bullets / len(lines) > s.max_bullet_lines_ratio:
            return "bullet_lines"
        ellipses = sum(1 for li in lines if li.rstrip().endswith(("...", "…")))
        if ellipses / len(lines) > s.max_ellipsis_lines_ratio:
            return "ellipsis_lines"
        # A word token has an alphabetic character unless it is all digits.
        if sum(1 for w in words if not w.isdecimal()) / n_toks < s.min_alpha_words_ratio:
            return "alpha_words"
        if latin and len(set(s.stop_words).intersection(w.lower() for w in words)) \
                < s.min_stop_words:
            return "stop_words"
        return None


_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
# Latin sentence ends need a space (or the line end) after them; CJK full stops stand alone.
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s|$)|[。！？]+[”’」』）]*")


class C4LinesSettings(Settings):
    remove_citations: bool = True
    # C4 keeps only lines ending in terminal punctuation; FineWeb (datatrove examples/fineweb.py)
    # turns that off as too aggressive, and so do we.
    filter_no_terminal_punct: bool = False
    min_num_sentences: Size = 5
    min_words_per_line: Size = 3
    max_word_length: Size = 1000


class C4Lines(Filter):
    """C4's line rules (lorem ipsum, braces, javascript and policy lines are in `boilerplate`)."""

    name: ClassVar[str] = "c4_lines"
    Settings = C4LinesSettings

    @staticmethod
    def _words(line: str) -> int:
        return sum(1 for t in tokens(line) if is_word(t)) if has_cjk(line) else len(line.split())

    def filter(self, doc: Document) -> str | None:
        s = self.settings
        kept, sentences = [], 0
        for line in doc.content().splitlines():
            line = line.strip()
            if not line:  # ours: keep paragraph breaks (C4 joins the kept lines without them)
                if kept and kept[-1]:
                    kept.append("")
                continue
            if any(len(w) > s.max_word_length for w in line.split()):
                continue
            if s.remove_citations and "[" in line:
                line = _CITATION.sub("", line)
            if s.filter_no_terminal_punct and (not line.endswith(C4_END_PUNCTUATION)
                                               or line.endswith("...")):
                continue
            if self._words(line) < s.min_words_per_line:
                continue
            sentences += max(1, len(_SENTENCE_END.findall(line)))
            kept.append(line)
        if sentences < s.min_num_sentences:
            return "too_few_sentences"
        if doc.text is not None:
            new = "\n".join(kept).strip("\n")
            if new != doc.text:
                doc.text = new
        return None


class FineWebSettings(Settings):
    # datatrove pipeline/filters/fineweb_quality_filter.py defaults (FineWeb, Penedo et al. 2024)
    line_punct_thr: Ratio = 0.12
    line_punct_exclude_zero: bool = False
    short_line_thr: Ratio = 0.67
    short_line_length: Size = 30
    char_duplicates_ratio: Ratio = 0.01
    new_line_ratio: Amount = 0.3


class FineWebQuality(Filter):
    name: ClassVar[str] = "fineweb_quality"
    Settings = FineWebSettings

    def filter(self, doc: Document) -> str | None:
        s = self.settings
        text = doc.content()
        lines = nonblank_lines(text)
        if not lines:
            return "empty"
        ratio = sum(1 for li in lines if li.endswith(TERMINAL_PUNCTUATION)) / len(lines)
        if ratio < s.line_punct_thr and not (ratio == 0 and s.line_punct_exclude_zero):
            return "line_punct_ratio"
        if sum(1 for li in lines if len(li) <= s.short_line_length) / len(lines) \
                > s.short_line_thr:
            return "short_line_ratio"
        seen: set[str] = set()
        dup_chars = 0
        for li in lines:
            if li in seen:
                dup_chars += len(li)
            else:
                seen.add(li)
        if dup_chars / max(1, len(text) - text.count("\n")) > s.char_duplicates_ratio:
            return "char_dup_ratio"
        if text.count("\n") / max(1, len(tokens(text))) > s.new_line_ratio:
            return "list_ratio"
        return None
