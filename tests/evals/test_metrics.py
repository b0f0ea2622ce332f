"""Every metric against values computed by hand (the arithmetic is in the test), and the two
standard errors against their formulas."""

from __future__ import annotations

import math
import statistics
from math import comb

import pytest

from evals.metrics import (
    ITEM_METRICS,
    accuracy,
    bootstrap_stderr,
    corpus_bleu,
    exact_match,
    f1,
    includes,
    mean_stderr,
    normalize_answer,
    pass_at_k,
    sentence_bleu,
)


def test_accuracy_is_strict_and_unparsed_scores_zero() -> None:
    assert accuracy("C", ["C"]) == 1.0
    assert accuracy(" C\n", ["C"]) == 1.0
    assert accuracy("c", ["C"]) == 0.0
    assert accuracy(None, ["C"]) == 0.0
    assert all(metric(None, ["x"]) == 0.0 for metric in ITEM_METRICS.values())


def test_exact_match_normalises_like_squad() -> None:
    assert normalize_answer("The  Bathtub!") == "bathtub"
    assert exact_match("the Bathtub.", ["bathtub"]) == 1.0
    assert exact_match("a pantry", ["kitchen", "Pantry"]) == 1.0
    assert exact_match("bathtub two", ["bathtub"]) == 0.0


def test_includes_needs_whole_words() -> None:
    assert includes("The boots are in the bathtub.", ["bathtub"]) == 1.0
    assert includes("bathtubs everywhere", ["bathtub"]) == 0.0


def test_squad_f1_by_hand() -> None:
    # pred tokens after normalisation: [cat, sat, on, mat]; ref: [cat, is, on, mat]
    # common = 3 -> precision 3/4, recall 3/4, F1 = 0.75
    assert f1("The cat sat on the mat", ["the cat is on the mat"]) == pytest.approx(0.75)
    # the best reference counts: "cat" alone -> P = 1/4, R = 1, F1 = 0.4
    assert f1("The cat sat on the mat", ["dog", "cat"]) == pytest.approx(2 * 0.25 / 1.25)
    assert f1("nothing in common", ["cat"]) == 0.0


def test_bleu_by_hand() -> None:
    # hyp "the cat sat on the mat" vs ref "the cat is on the mat": clipped n-gram precisions
    # 5/6, 3/5, 1/4 and 0/3, which sacrebleu's default 'exp' smoothing makes 1/(2*3); BP = 1.
    by_hand = 100 * (5 / 6 * 3 / 5 * 1 / 4 * 1 / 6) ** 0.25
    hyp, ref = "the cat sat on the mat", "the cat is on the mat"
    assert corpus_bleu([hyp], [[ref]]) == pytest.approx(by_hand, abs=1e-9)
    assert sentence_bleu(hyp, [ref]) == pytest.approx(by_hand, abs=1e-9)
    assert corpus_bleu([hyp], [[ref, ref]]) == pytest.approx(by_hand, abs=1e-9)
    # Items with one and two references: padding the short list changes nothing.
    two = corpus_bleu([hyp, hyp], [[ref], [ref, "a dog"]])
    assert two == pytest.approx(corpus_bleu([hyp, hyp], [[ref, ref], [ref, "a dog"]]))


def test_rouge_by_hand() -> None:
    # LCS("the cat sat on the mat", "the cat is on the mat") = the cat on the mat = 5 of 6
    hyp, ref = "the cat sat on the mat", "the cat is on the mat"
    assert ITEM_METRICS["rougeL"](hyp, [ref]) == pytest.approx(5 / 6)
    assert ITEM_METRICS["rouge1"](hyp, [ref]) == pytest.approx(5 / 6)
    # bigrams: 3 of 5 shared -> P = R = 3/5
    assert ITEM_METRICS["rouge2"](hyp, [ref]) == pytest.approx(3 / 5)


def test_mean_stderr_formula() -> None:
    values = [1.0, 0.0, 1.0, 1.0]
    assert mean_stderr(values) == pytest.approx(statistics.stdev(values) / math.sqrt(4))
    # Bernoulli mean p = 3/4: sqrt(p(1-p) * n/(n-1) / n)
    assert mean_stderr(values) == pytest.approx(math.sqrt(0.75 * 0.25 / 3))
    assert mean_stderr([1.0]) is None


def test_bootstrap_stderr_is_seeded_and_close_to_the_analytic_one() -> None:
    values = [float(i % 3 == 0) for i in range(300)]

    def mean(indices: list[int]) -> float:
        return sum(values[i] for i in indices) / len(indices)

    first = bootstrap_stderr(mean, len(values), iters=500)
    assert first == bootstrap_stderr(mean, len(values), iters=500)
    assert first == pytest.approx(mean_stderr(values), rel=0.15)
    assert bootstrap_stderr(mean, 1) is None


def reference_pass_at_k(n: int, c: int, k: int) -> float:
    return 1.0 - comb(n - c, k) / comb(n, k)


@pytest.mark.parametrize("n", [1, 2, 5, 10, 20, 200])
def test_pass_at_k_matches_the_binomial_formula(n: int) -> None:
    for c in range(n + 1):
        for k in sorted({1, 2, 5, 10, 100, n} & set(range(1, n + 1))):
            assert pass_at_k(n, c, k) == pytest.approx(reference_pass_at_k(n, c, k), abs=1e-12)


def test_pass_at_k_edges() -> None:
    assert pass_at_k(10, 0, 1) == 0.0  # c = 0
    assert pass_at_k(10, 8, 5) == 1.0  # n - c < k: every k-subset has a correct sample
    assert pass_at_k(1, 1, 1) == 1.0
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    with pytest.raises(ValueError):
        pass_at_k(5, 1, 6)
