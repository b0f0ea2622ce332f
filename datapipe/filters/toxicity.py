"""Toxicity: a lexicon (Aho-Corasick, English and Chinese; the shipped one, or an uploaded file by
id) for every language, then `alt-profanity-check`'s linear SVM (shipped in its wheel) for
English text, batched."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar

import ahocorasick
from msgspec import Meta

from datapipe.document import Document
from datapipe.steps import Filter, Ratio, SettingError, Settings, StepContext
from datapipe.textutil import CJK_CHAR

# Lexicons by name: a setting names one of these, or an uploaded file by its id (the caller
# resolves ids to local files, see `Toxicity.__init__`); a setting is never a path.
LEXICONS = {"default": str(Path(__file__).with_name("toxicity_lexicon.txt"))}
FILE_ID = r"file-[A-Za-z0-9_-]{1,64}"
_LEXICON_NAME = f"^(?:{'|'.join(map(re.escape, LEXICONS))}|{FILE_ID})\\Z"
_WORDS = re.compile(r"\w+")
_ASCII_LETTERS = re.compile(r"[A-Za-z]+")
_BATCH = 256  # the SVM costs ~47 us a document in batches of 256, ~78 us in batches of 64


class ToxicitySettings(Settings):
    # A shipped lexicon's name, or the id of a file holding one term per line.
    lexicon: Annotated[str, Meta(pattern=_LEXICON_NAME)] = "default"
    # data-juicer flagged_words_filter (ops/filter/flagged_words_filter.py): max_ratio = 0.045 of
    # the words (a CJK character counts as a word here).
    max_flagged_ratio: Ratio = 0.045
    # alt-profanity-check's own predict() cuts at 0.5; ours is 0.8, because measured on the
    # OpenWebText excerpts of OpenAI evals, 0.5 flags ~1% of ordinary news text and 0.8 none.
    profanity_threshold: Ratio = 0.8
    use_profanity_model: bool = True
    # Share of ASCII letters among letters from which a text counts as English for the model.
    english_min_ascii_letters: Ratio = 0.8


@functools.cache
def _automaton(path: str) -> Any:
    automaton = ahocorasick.Automaton()
    with open(path, encoding="utf-8") as f:
        for raw in f:
            term = raw.strip().lower()
            if term and not term.startswith("#"):
                cjk = CJK_CHAR.search(term) is not None
                weight = len(term) if cjk else len(term.split())
                automaton.add_word(term, (len(term), cjk, weight))
    automaton.make_automaton()
    return automaton


@functools.cache
def _profanity_model() -> Any:
    # Imported on first use: loading the model takes ~0.3 s, once per worker process.
    from profanity_check import predict_prob

    return predict_prob


class Toxicity(Filter):
    name: ClassVar[str] = "toxicity"
    Settings = ToxicitySettings

    def __init__(self, settings: ToxicitySettings | None = None, *,
                 files: Mapping[str, str] | None = None) -> None:
        """`files`: file id -> local path, for a lexicon given by id. None only checks the
        settings (a server request, before its files are looked up)."""
        super().__init__(settings)
        name = self.settings.lexicon
        if name in LEXICONS:
            self._lexicon: str | None = LEXICONS[name]
        elif files is None:
            self._lexicon = None
        elif name in files:
            self._lexicon = files[name]
        else:
            raise SettingError(f"toxicity.lexicon: no file {name} was given", "toxicity.lexicon")

    def flagged_ratio(self, text: str) -> float:
        low = text.lower()
        flagged = 0
        for end, (length, cjk, weight) in _automaton(self._lexicon_file()).iter(low):
            start = end - length + 1
            if cjk or ((start == 0 or not low[start - 1].isalnum())
                       and (end + 1 == len(low) or not low[end + 1].isalnum())):
                flagged += weight
        if not flagged:
            return 0.0
        words = len(_WORDS.findall(low)) + len(CJK_CHAR.findall(low))
        return flagged / max(1, words)

    def _lexicon_file(self) -> str:
        if self._lexicon is None:
            raise RuntimeError("a Toxicity step built to check settings cannot run")
        return self._lexicon

    def is_english(self, text: str) -> bool:
        if text.isascii():
            return True
        letters = sum(c.isalpha() for c in text)
        ascii_letters = sum(map(len, _ASCII_LETTERS.findall(text)))
        return letters > 0 and ascii_letters / letters >= self.settings.english_min_ascii_letters

    def _lexicon_reason(self, text: str) -> str | None:
        return "lexicon" if self.flagged_ratio(text) > self.settings.max_flagged_ratio else None

    def filter(self, doc: Document) -> str | None:
        return self._verdicts([doc])[0]

    def _verdicts(self, docs: list[Document]) -> list[str | None]:
        texts = [d.content() for d in docs]
        verdicts = [self._lexicon_reason(t) for t in texts]
        if self.settings.use_profanity_model:
            ask = [i for i, t in enumerate(texts) if verdicts[i] is None and self.is_english(t)]
            if ask:
                probs = _profanity_model()([texts[i] for i in ask])
                for i, p in zip(ask, probs, strict=True):
                    if p > self.settings.profanity_threshold:
                        verdicts[i] = "profanity_model"
        return verdicts

    def run(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        batch: list[Document] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) == _BATCH:
                yield from self._flush(batch, ctx)
                batch = []
        if batch:
            yield from self._flush(batch, ctx)

    def _flush(self, batch: list[Document], ctx: StepContext) -> Iterator[Document]:
        ctx.stats.docs_in += len(batch)
        for doc, reason in zip(batch, self._verdicts(batch), strict=True):
            if reason is None:
                yield doc
            else:
                ctx.reject(doc, reason)
