"""Garbled text: replacement, control and private-use characters, symbol share, mojibake left
after ftfy (InternLM2's "abnormal characters" rule; it publishes no thresholds).
"""

from __future__ import annotations

import re
from typing import ClassVar

from ftfy import badness

from datapipe.document import Document
from datapipe.steps import Amount, Filter, Ratio, Settings
from datapipe.textutil import alnum_count

_REPLACEMENT = re.compile("\ufffd")
# C0 and C1 controls other than tab, newline, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")


class GarbledSettings(Settings):
    # Ours (InternLM2 publishes none): about one bad character in 500 marks a broken decode.
    max_replacement_ratio: Ratio = 0.002
    max_control_ratio: Ratio = 0.002
    max_private_use_ratio: Ratio = 0.002
    # NeMo-Curator NonAlphaNumericFilter (filters/heuristic_filter.py):
    # max_non_alpha_numeric_to_text_ratio = 0.25, whitespace counted as non-alphanumeric.
    max_symbol_ratio: Ratio = 0.25
    # Ours: mojibake sequences ftfy could not repair (ftfy.badness), per 1,000 characters.
    max_mojibake_per_1000: Amount = 1.0


class Garbled(Filter):
    name: ClassVar[str] = "garbled"
    Settings = GarbledSettings

    def filter(self, doc: Document) -> str | None:
        s = self.settings
        text = doc.content()
        n = len(text)
        if not n:
            return "empty"
        ascii_only = text.isascii()
        if not ascii_only:
            if len(_REPLACEMENT.findall(text)) / n > s.max_replacement_ratio:
                return "replacement_chars"
            if len(_PRIVATE_USE.findall(text)) / n > s.max_private_use_ratio:
                return "private_use_chars"
        if len(_CONTROL.findall(text)) / n > s.max_control_ratio:
            return "control_chars"
        if (n - alnum_count(text)) / n > s.max_symbol_ratio:
            return "symbol_ratio"
        if not ascii_only and badness.badness(text) * 1000 / n > s.max_mojibake_per_1000:
            return "mojibake"
        return None
