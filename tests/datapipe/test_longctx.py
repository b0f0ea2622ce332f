"""Long-context selection: length, statistical filters, and the perplexity-gain filter with a
real small scorer (a unigram model of the corpus plus a cache of the context) passed in."""

from __future__ import annotations

import random

import pytest

from datapipe import CacheUnigramScorer, run_pipeline
from datapipe.document import Document
from datapipe.longctx import LengthSelect, LengthSettings, LongStats, PerplexityGain
from tests.datapipe.conftest import read_jsonl, write_jsonl

COMMON = ("the of and to in a is that it was for on with as by at from this be are or an "
          "which were have has not but his her they their one all we can there been").split()


def topic_vocab(rng: random.Random, size: int = 3000) -> list[str]:
    return ["".join(rng.choice("abcdefghijklmnoprstuvw") for _ in range(rng.randint(4, 9)))
            for _ in range(size)]


def zipf_words(rng: random.Random, vocab: list[str], n: int) -> list[str]:
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    topical = rng.choices(vocab, weights, k=n)
    return [w if rng.random() < 0.6 else rng.choice(COMMON) for w in topical]


def long_doc(rng: random.Random, first: list[str], second: list[str] | None = None,
             words: int = 6000) -> str:
    """Sentences of 12 words; the second half from another topic when `second` is given."""
    body = zipf_words(rng, first, words // 2) + zipf_words(rng, second or first, words // 2)
    return " ".join(" ".join(body[i:i + 12]) + "." for i in range(0, len(body), 12))


def test_length_selection() -> None:
    assert LengthSelect().filter(Document(id="s", text="short text")) == "too_short"
    assert LengthSelect().filter(Document(id="l", text="x " * 20_000)) is None
    capped = LengthSelect(LengthSettings(max_bytes=1000))
    assert capped.filter(Document(id="l", text="x " * 20_000)) == "too_long"


def skewed_text() -> str:
    """70% "the", every other word seen once: distinct enough per window, low entropy."""
    words: list[str] = []
    for i in range(700):
        words += ["the"] * 7 + [f"w{i}a", f"v{i}b", f"u{i}c"]
    return " ".join(words)


@pytest.mark.parametrize(("reason", "text"), [
    ("no_words", "!? " * 12_000),
    ("alpha_ratio", " ".join(str(i) for i in range(8000))),
    ("distinct_words", "the cat sat on the mat and looked at the dog. " * 700),
    ("word_entropy", skewed_text()),
])
def test_long_stats_reasons(reason: str, text: str) -> None:
    assert LongStats().filter(Document(id="x", text=text)) == reason


def test_long_stats_pass_natural_like_text() -> None:
    rng = random.Random(0)
    assert LongStats().filter(Document(id="ok", text=long_doc(rng, topic_vocab(rng)))) is None


def test_perplexity_gain_keeps_coherent_and_drops_spliced_documents(tmp_path) -> None:
    rng = random.Random(1)
    topics = [topic_vocab(rng) for _ in range(6)]
    coherent = [long_doc(rng, topics[i]) for i in range(6)]
    spliced = [long_doc(rng, topics[i], topics[(i + 3) % 6]) for i in range(6)]
    records = [{"id": f"coherent{i}", "text": t} for i, t in enumerate(coherent)]
    records += [{"id": f"spliced{i}", "text": t} for i, t in enumerate(spliced)]
    records.append({"id": "tiny", "text": "too short for long context"})
    scorer = CacheUnigramScorer([r["text"] for r in records])
    report = run_pipeline(write_jsonl(tmp_path / "long.jsonl", records), "long_context",
                          tmp_path / "out", scorer=scorer, workers=2, shard_bytes=80_000)
    kept = {r["id"] for r in read_jsonl(report.cleaned_path)}
    rejected = {r["document"]["id"]: r["reason"] for r in read_jsonl(report.rejected_path)}
    assert kept == {f"coherent{i}" for i in range(6)}
    assert rejected == {"tiny": "too_short", **{f"spliced{i}": "no_context_gain" for i in range(6)}}
    nll_conditional, nll_alone = scorer(*PerplexityGain.split(coherent[0]))
    assert nll_conditional < nll_alone


def test_long_context_needs_a_scorer(tmp_path) -> None:
    source = write_jsonl(tmp_path / "f.jsonl", [{"text": "x"}])
    with pytest.raises(ValueError, match="scorer"):
        run_pipeline(source, "long_context", tmp_path / "out")
    report = run_pipeline(source, "long_context", tmp_path / "out",
                          overrides={"perplexity_gain": {"enabled": False}})
    assert report.rejected == 1
