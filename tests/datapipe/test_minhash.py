"""MinHash LSH near dedup on a generated corpus with planted near-duplicates at known Jaccard
levels: recall of pairs at J >= 0.8, false merges at J <= 0.5; CJK character shingles."""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np
import pytest
from datasketch import MinHash

from datapipe.dedup.exact import ExactDedup
from datapipe.dedup.minhash import MinHashDedup, MinHashSettings, shingles
from datapipe.document import Document
from tests.datapipe.conftest import run_steps

# Word replacements at positions 5 apart: each kills 5 of 196 shingles, so k edits give
# J ~ (196 - 5k) / (196 + 5k): 1 -> 0.95, 2 -> 0.90, 3 -> 0.86, 4 -> 0.82, 6 -> 0.73,
# 8 -> 0.66, 14 -> 0.47, 16 -> 0.42, 20 -> 0.32.
EDIT_LEVELS = [1, 2, 3, 4, 6, 8, 14, 16, 20]


def planted_corpus(originals: int, seed: int = 0) -> tuple[list[str], list[tuple[int, int, float]]]:
    """~200-word documents from a random vocabulary, each followed by an edited copy; returns the
    texts and (original, copy, true Jaccard of their shingle sets)."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
             for _ in range(5000)]
    texts, pairs = [], []
    settings = MinHashSettings()
    for i in range(originals):
        words = [rng.choice(vocab) for _ in range(200)]
        copy = list(words)
        for position in rng.sample(range(0, 200, 5), EDIT_LEVELS[i % len(EDIT_LEVELS)]):
            copy[position] = rng.choice(vocab)
        a, b = shingles(" ".join(words), settings), shingles(" ".join(copy), settings)
        pairs.append((len(texts), len(texts) + 1, len(a & b) / len(a | b)))
        texts += [" ".join(words), " ".join(copy)]
    return texts, pairs


def test_recall_and_false_merges_on_planted_near_duplicates(tmp_path) -> None:
    texts, pairs = planted_corpus(originals=540)
    report, cleaned, rejected = run_steps(tmp_path, [MinHashDedup()],
                                          [{"id": str(i), "text": t} for i, t in enumerate(texts)])
    dropped = {int(r["document"]["id"]) for r in rejected}
    assert {r["reason"] for r in rejected} <= {"near_duplicate"}
    high = [b in dropped for _, b, j in pairs if j >= 0.8]
    low = [b in dropped for _, b, j in pairs if j <= 0.5]
    by_level = defaultdict(list)
    for _, b, j in pairs:
        by_level[round(j, 1)].append(b in dropped)
    summary = {level: round(float(np.mean(v)), 3) for level, v in sorted(by_level.items())}
    assert len(high) >= 200 and len(low) >= 100, summary
    assert np.mean(high) >= 0.95, summary
    assert np.mean(low) < 0.02, summary
    # no original is ever dropped: the first of a cluster is kept
    assert not {a for a, _, _ in pairs} & dropped
    assert report.kept + report.rejected == len(texts) == len(cleaned) + len(rejected)


def test_signature_is_datasketch_minhash_of_the_shingles() -> None:
    step = MinHashDedup()
    text = "The quick brown fox jumps over the lazy dog, again and again, every day."
    expected = MinHash(num_perm=128, seed=1, scheme="affine32",
                       hashfunc=__import__("xxhash").xxh32_intdigest)
    expected.update_batch(sorted(shingles(text, step.settings)))
    assert np.array_equal(step.signature(text), expected.hashvalues)


def test_shingles_are_five_lowercase_words_without_punctuation() -> None:
    got = shingles("One, two; THREE four five six!", MinHashSettings())
    assert got == {b"one two three four five", b"two three four five six"}


def test_cjk_text_uses_character_shingles(tmp_path) -> None:
    base = ("人工智能是计算机科学的一个分支，它企图了解智能的实质，并生产出一种新的能以人类智能相似的方式"
            "做出反应的智能机器，该领域的研究包括机器人、语言识别、图像识别、自然语言处理和专家系统等。"
            "人工智能从诞生以来，理论和技术日益成熟，应用领域也不断扩大。")
    near = base.replace("日益成熟", "日渐成熟")  # one edit: most 5-char shingles survive
    other = ("长城是中国古代的军事防御工程，是一道高大、坚固而且连绵不断的长垣，用以限隔敌骑的行动。"
             "长城不是一道单纯孤立的城墙，而是以城墙为主体，同大量的城、障、亭、标相结合的防御体系。")
    grams = shingles(base, MinHashSettings())
    assert all(len(g.decode()) == 5 for g in grams)
    assert len(base.split()) == 1  # whitespace words would give a single shingle
    _, cleaned, rejected = run_steps(tmp_path, [MinHashDedup()], [
        {"id": "base", "text": base}, {"id": "near", "text": near}, {"id": "other", "text": other}])
    assert [r["id"] for r in cleaned] == ["base", "other"]
    assert rejected[0]["document"]["id"] == "near"
    assert rejected[0]["detail"].startswith("near-duplicate of line 1")


def test_exact_dedup_keeps_first_and_names_it(tmp_path) -> None:
    records = [{"id": "a", "text": "Hello   world.\n"}, {"id": "b", "text": "Other text."},
               {"id": "c", "text": "Hello world."}]
    report, cleaned, rejected = run_steps(tmp_path, [ExactDedup()], records)
    assert [r["id"] for r in cleaned] == ["a", "b"]
    assert (rejected[0]["reason"], rejected[0]["detail"]) == ("exact_duplicate", "same as line 1")
    assert report.steps[1].reasons["exact_duplicate"].examples[0].id == "c"


def test_exact_duplicates_are_not_counted_again_by_minhash(tmp_path) -> None:
    text = " ".join(f"word{i}" for i in range(60))
    records = [{"id": str(i), "text": text} for i in range(3)]
    report, cleaned, _ = run_steps(tmp_path, [ExactDedup(), MinHashDedup()], records)
    steps = {s.name: s for s in report.steps}
    assert (steps["exact_dedup"].removed, steps["minhash_dedup"].docs_in) == (2, 1)
    assert steps["minhash_dedup"].removed == 0 and len(cleaned) == 1


@pytest.mark.parametrize("verify", [True, False])
def test_unverified_lsh_only_adds_merges(verify: bool) -> None:
    texts, _ = planted_corpus(originals=90, seed=1)
    step = MinHashDedup(MinHashSettings(verify=verify))
    keys = step.pack([step.key(Document(id=str(i), text=t)) for i, t in enumerate(texts)])
    drops = step.decide([keys], [np.arange(1, len(texts) + 1)], [set()]).drops[0]
    assert all(i % 2 == 1 for i in drops)  # only copies are dropped
