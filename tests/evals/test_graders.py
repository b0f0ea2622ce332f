"""OpenAI's graders as `evals.graders` runs them: templates, every string_check operation, every
text_similarity metric against values worked out by hand, thresholds at their edges, and python
graders in the real sandbox (a raise, a non-number, an endless loop: errors, not failures)."""

from __future__ import annotations

import math
import shutil
import subprocess

import pytest

from agents.sandbox import SandboxConfig, SandboxLimits
from evals.graders import (
    GraderError,
    ItemError,
    PythonGrader,
    StringCheckGrader,
    TextSimilarityGrader,
    check,
    grade,
    render,
    similarity,
    string_check,
)

ITEM = {"question": "2+2?", "answer": "4", "nested": {"a": {"b": "deep"}}, "list": ["x", "y"],
        "number": 7, "obj": {"k": 1}}
SAMPLE = {"output_text": "The answer is 4."}


@pytest.fixture(scope="module")
def sandbox() -> SandboxConfig:
    has_seccomp = shutil.which("python3", path="/usr/bin") and subprocess.run(
        ["/usr/bin/python3", "-c", "import seccomp"], capture_output=True).returncode == 0
    if shutil.which("bwrap") is None or not has_seccomp:
        pytest.skip("python graders need the sandbox: apt-get install bubblewrap python3-seccomp")
    # Short limits: the endless loop below is stopped within two seconds.
    return SandboxConfig(limits=SandboxLimits(cpu_seconds=1, wall_seconds=2.0))


# ---- templates --------------------------------------------------------------------------------


@pytest.mark.parametrize(("template", "expected"), [
    ("{{item.answer}}", "4"),
    ("{{ item.answer }}", "4"),
    ("Q: {{item.question}} A: {{sample.output_text}}", "Q: 2+2? A: The answer is 4."),
    ("{{item.nested.a.b}}", "deep"),
    ("{{item.list.1}}", "y"),
    ("{{item.number}}", "7"),  # not a string: written as JSON
    ("{{item.obj}}", '{"k": 1}'),
    ("no variables", "no variables"),
    ("{{other.x}} {{ unknown }}", "{{other.x}} {{ unknown }}"),  # not a namespace: left alone
])
def test_render(template: str, expected: str) -> None:
    assert render(template, ITEM, SAMPLE) == expected


@pytest.mark.parametrize("template", ["{{item.missing}}", "{{item.nested.a.c}}",
                                      "{{item.list.5}}", "{{sample.output_json}}"])
def test_a_missing_variable_is_an_item_error(template: str) -> None:
    with pytest.raises(ItemError, match="is not in the"):
        render(template, ITEM, SAMPLE)


def test_a_sample_variable_without_a_sample_is_an_item_error() -> None:
    with pytest.raises(ItemError, match="no sample"):
        render("{{sample.output_text}}", ITEM, None)


# ---- string_check -----------------------------------------------------------------------------


@pytest.mark.parametrize(("operation", "input", "reference", "expected"), [
    ("eq", "Paris", "Paris", 1.0),
    ("eq", "Paris", "paris", 0.0),
    ("ne", "Paris", "paris", 1.0),
    ("ne", "Paris", "Paris", 0.0),
    ("like", "The capital is Paris.", "Paris", 1.0),
    ("like", "The capital is paris.", "Paris", 0.0),  # case-sensitive
    ("ilike", "The capital is paris.", "PARIS", 1.0),
    ("ilike", "The capital is Rome.", "Paris", 0.0),
])
def test_string_check(operation: str, input: str, reference: str, expected: float) -> None:
    assert string_check(input, reference, operation) == expected  # type: ignore[arg-type]


async def test_string_check_grader_renders_both_sides() -> None:
    grader = StringCheckGrader(name="has", input="{{sample.output_text}}",
                               reference="{{item.answer}}", operation="like")
    result = await grade(grader, ITEM, SAMPLE)
    assert (result.name, result.type, result.passed, result.score, result.error) == (
        "has", "string_check", True, 1.0, None)


# ---- text_similarity --------------------------------------------------------------------------

# "the cat sat" against "the cat sat on the mat": every n-gram of the hypothesis is in the
# reference, so precision is 1 and F = 2R / (1 + R), R = matches / reference n-grams.
HYPOTHESIS, REFERENCE = "the cat sat", "the cat sat on the mat"


def _f(recall: float) -> float:
    return 2 * recall / (1 + recall)


@pytest.mark.parametrize(("metric", "expected"), [
    ("rouge_1", _f(3 / 6)),
    ("rouge_2", _f(2 / 5)),
    ("rouge_3", _f(1 / 4)),
    ("rouge_4", 0.0),  # the hypothesis has no 4-gram
    ("rouge_5", 0.0),
    ("rouge_l", _f(3 / 6)),  # longest common subsequence: 3 words
])
def test_rouge(metric: str, expected: float) -> None:
    assert similarity(HYPOTHESIS, REFERENCE, metric) == pytest.approx(expected)


def test_bleu() -> None:
    # Modified n-gram precisions 5/6, 3/5, 2/4, 1/3; equal lengths, so no brevity penalty.
    expected = (5 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** 0.25
    got = similarity("the cat sat on the mat", "the cat sat on a mat", "bleu")
    assert got == pytest.approx(expected, abs=1e-9)
    assert similarity("identical words here", "identical words here", "bleu") == 1.0  # clamped
    assert similarity("nothing shared", "completely different", "bleu") == 0.0


def test_fuzzy_match() -> None:
    # Indel similarity: 1 - (1 deletion + 1 insertion) / (5 + 5) characters.
    assert similarity("hello", "hallo", "fuzzy_match") == pytest.approx(0.8)
    assert similarity("same", "same", "fuzzy_match") == 1.0


@pytest.mark.parametrize("metric", ["gleu", "meteor", "cosine"])
def test_unsupported_metrics_are_refused_not_faked(metric: str) -> None:
    grader = TextSimilarityGrader(name="t", input="a", reference="b",
                                  evaluation_metric=metric,  # type: ignore[arg-type]
                                  pass_threshold=0.5)
    with pytest.raises(GraderError, match="not supported") as refused:
        check(grader)
    assert refused.value.field == "evaluation_metric"
    with pytest.raises(GraderError):
        similarity("a", "b", metric)


@pytest.mark.parametrize(("bar", "passed"), [(0.8, True), (0.8000001, False), (0.0, True)])
async def test_text_similarity_passes_at_the_threshold(bar: float, passed: bool) -> None:
    grader = TextSimilarityGrader(name="fuzzy", input="{{sample.output_text}}",
                                  reference="{{item.answer}}", evaluation_metric="fuzzy_match",
                                  pass_threshold=bar)
    result = await grade(grader, {"answer": "hallo"}, {"output_text": "hello"})
    assert result.score == pytest.approx(0.8)
    assert result.passed is passed


async def test_a_missing_variable_makes_the_grader_error() -> None:
    grader = TextSimilarityGrader(name="t", input="{{sample.nope}}", reference="x",
                                  evaluation_metric="bleu", pass_threshold=0.5)
    result = await grade(grader, ITEM, SAMPLE)
    assert result.score is None and not result.passed
    assert "nope" in (result.error or "")


# ---- python graders ---------------------------------------------------------------------------


def _python(body: str, **kw: float) -> PythonGrader:
    return PythonGrader(name="py", source=f"def grade(sample, item):\n{body}\n", **kw)


@pytest.mark.parametrize(("body", "bar", "passed"), [
    ("    return 0.5", None, True),  # the default threshold is 0.5, inclusive
    ("    return 0.49", None, False),
    ("    return 0.49", 0.4, True),
    ("    return True", None, True),  # a bool is 1.0
    ("    print('noise')\n    return 1", 1.0, True),  # its own prints do not confuse the score
])
async def test_python_grader_scores(sandbox: SandboxConfig, body: str, bar: float | None,
                                    passed: bool) -> None:
    grader = _python(body) if bar is None else _python(body, pass_threshold=bar)
    result = await grade(grader, ITEM, SAMPLE, sandbox)
    assert result.error is None, result.error
    assert result.passed is passed


async def test_python_grader_sees_sample_and_item(sandbox: SandboxConfig) -> None:
    grader = _python("    return 1.0 if item['answer'] in sample['output_text'] else 0.0")
    assert (await grade(grader, ITEM, SAMPLE, sandbox)).score == 1.0
    assert (await grade(grader, {"answer": "5"}, SAMPLE, sandbox)).score == 0.0


@pytest.mark.parametrize(("body", "reason"), [
    ("    raise ValueError('bad item')", "ValueError: bad item"),
    ("    return 'high'", "returned 'high'"),
    ("    return float('nan')", "not a finite number"),
    ("    import sys\n    sys.exit(0)", "returned nothing"),
    ("    while True:\n        pass", "time"),  # the CPU limit or the wall clock, whichever first
    ("    import time\n    time.sleep(60)", "timed out"),
])
async def test_a_failing_python_grader_errors(sandbox: SandboxConfig, body: str,
                                              reason: str) -> None:
    result = await grade(_python(body), ITEM, SAMPLE, sandbox)
    assert result.passed is False and result.score is None
    assert reason in (result.error or ""), result.error


def test_python_graders_are_checked_without_running() -> None:
    with pytest.raises(GraderError) as refused:
        check(PythonGrader(name="p", source="def grade(sample, item) return 1"))
    assert refused.value.field == "source"
    with pytest.raises(GraderError) as refused:
        check(PythonGrader(name="p", source="def grade(s, i): return 1", image_tag="3.11"))
    assert refused.value.field == "image_tag"
    check(_python("    return 1"))


def test_scores_are_finite_numbers() -> None:
    assert math.isfinite(similarity("", "", "fuzzy_match"))
    assert similarity("", "reference", "rouge_l") == 0.0
