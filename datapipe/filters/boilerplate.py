"""Ads and boilerplate: C4's page rules (lorem ipsum, curly brace) and policy / javascript lines,
NeMo-Curator's boilerplate-line and URL ratios. No open pipeline ships an ad classifier.
"""

from __future__ import annotations

import re
from typing import ClassVar

from datapipe.document import Document
from datapipe.steps import Filter, Phrases, Ratio, Settings

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)

# datatrove pipeline/filters/c4_filters.py POLICY_SUBSTRINGS (from TF-Datasets c4_utils.py).
C4_POLICY_PHRASES = ("terms of use", "privacy policy", "cookie policy", "uses cookies",
                     "use of cookies", "use cookies")


class BoilerplateSettings(Settings):
    # C4 (Raffel et al. 2020; datatrove C4QualityFilter defaults): pages with "lorem ipsum" or a
    # curly bracket are dropped; lines naming javascript or a policy phrase are removed.
    filter_lorem_ipsum: bool = True
    filter_curly_bracket: bool = True
    filter_javascript: bool = True
    policy_phrases: Phrases = C4_POLICY_PHRASES
    # NeMo-Curator BoilerPlateStringFilter: max_boilerplate_string_ratio = 0.4 of the lines.
    max_boilerplate_line_ratio: Ratio = 0.4
    # NeMo-Curator UrlsFilter: max_url_to_text_ratio = 0.2 of the characters.
    max_url_ratio: Ratio = 0.2


class Boilerplate(Filter):
    name: ClassVar[str] = "boilerplate"
    Settings = BoilerplateSettings

    def is_boilerplate(self, line: str) -> bool:
        low = line.lower()
        if self.settings.filter_javascript and "javascript" in low:
            return True
        return any(p in low for p in self.settings.policy_phrases)

    def filter(self, doc: Document) -> str | None:
        s = self.settings
        text = doc.content()
        low = text.lower()
        if s.filter_lorem_ipsum and "lorem ipsum" in low:
            return "lorem_ipsum"
        if s.filter_curly_bracket and "{" in text:
            return "curly_bracket"
        if "http" in low or "www." in low:
            url_chars = sum(map(len, _URL.findall(text)))
            if url_chars / len(text) > s.max_url_ratio:
                return "url_ratio"
        if doc.text is None or not ("javascript" in low or any(p in low for p in s.policy_phrases)):
            return None
        lines = text.split("\n")
        kept = [line for line in lines if not self.is_boilerplate(line)]
        nonblank = sum(1 for line in lines if line.strip())
        if (len(lines) - len(kept)) / max(1, nonblank) > s.max_boilerplate_line_ratio:
            return "boilerplate_lines"
        doc.text = "\n".join(kept)
        return None
