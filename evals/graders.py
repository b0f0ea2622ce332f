"""OpenAI's eval graders `string_check`, `text_similarity` and `python` (in the agents sandbox),
their `{{item.x}}` / `{{sample.output_text}}` templates, and `grade()`: grader + item + sample ->
result. Not here: model-graded types (label_model, score_model), which the server refuses."""

from __future__ import annotations

import json
import math
import re
from functools import cache
from typing import Any, Literal

import msgspec

from agents.sandbox import RunResult, SandboxConfig, SandboxUnavailable, run_code

Operation = Literal["eq", "ne", "like", "ilike"]
Metric = Literal["cosine", "fuzzy_match", "bleu", "gleu", "meteor", "rouge_1", "rouge_2",
                 "rouge_3", "rouge_4", "rouge_5", "rouge_l"]
SUPPORTED_METRICS = ("fuzzy_match", "bleu", "rouge_1", "rouge_2", "rouge_3", "rouge_4",
                     "rouge_5", "rouge_l")
DEFAULT_PYTHON_THRESHOLD = 0.5
_VARIABLE = re.compile(r"\{\{\s*((?:item|sample)(?:\.[\w-]+)*)\s*\}\}")
_MARK = "__hanlin_grade__="


class GraderError(ValueError):
    """A grader that cannot run at all (refused when the eval is created); `field` is the
    grader's field at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class ItemError(ValueError):
    """One item could not be graded (a missing variable, a python grader that failed)."""


class Grader(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True,
             tag_field="type"):
    name: str


class StringCheckGrader(Grader, tag="string_check"):
    input: str
    reference: str
    operation: Operation


class TextSimilarityGrader(Grader, tag="text_similarity"):
    input: str
    reference: str
    evaluation_metric: Metric
    pass_threshold: float


class PythonGrader(Grader, tag="python"):
    source: str  # defines grade(sample, item) -> float
    pass_threshold: float | None = None  # None: DEFAULT_PYTHON_THRESHOLD
    image_tag: str | None = None


RunnableGrader = StringCheckGrader | TextSimilarityGrader | PythonGrader


class GradeResult(msgspec.Struct, kw_only=True):
    """One grader's verdict on one item, as OpenAI's output item lists it; `error` (hanlin's
    addition) says why a grader could not score the item, which then counts as errored."""

    name: str
    type: str
    passed: bool
    score: float | None
    sample: dict[str, Any] | None = None
    error: str | None = None


# ---- templates --------------------------------------------------------------------------------


def lookup(path: str, item: dict[str, Any], sample: dict[str, Any] | None) -> Any:
    """`item.a.b` / `sample.output_text` in the namespaces; list elements by index."""
    head, *keys = path.split(".")
    value: Any = item if head == "item" else sample
    if value is None:
        raise ItemError(f"{{{{{path}}}}}: this item has no sample")
    for key in keys:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            raise ItemError(f"{{{{{path}}}}}: {key!r} is not in the {head}")
    return value


def render(template: str, item: dict[str, Any], sample: dict[str, Any] | None) -> str:
    """Fill `{{item.x}}` and `{{sample.y}}`; a value that is not a string is written as JSON.
    Other `{{...}}` text is left as it is (it may be literal braces in a prompt)."""

    def fill(match: re.Match[str]) -> str:
        value = lookup(match.group(1), item, sample)
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    return _VARIABLE.sub(fill, template)


# ---- the scores -------------------------------------------------------------------------------


def string_check(input: str, reference: str, operation: Operation) -> float:
    """1.0 or 0.0. `like` is a case-sensitive contains, `ilike` a case-insensitive one."""
    if operation == "eq":
        ok = input == reference
    elif operation == "ne":
        ok = input != reference
    elif operation == "like":
        ok = reference in input
    else:
        ok = reference.lower() in input.lower()
    return 1.0 if ok else 0.0


def similarity(input: str, reference: str, metric: str) -> float:
    """A score in [0, 1]: rapidfuzz's ratio, sacrebleu's sentence BLEU or rouge-score's
    F-measure, of `input` (the hypothesis) against `reference`."""
    if metric == "fuzzy_match":
        from rapidfuzz import fuzz

        score = fuzz.ratio(input, reference) / 100
    elif metric == "bleu":
        import sacrebleu

        score = sacrebleu.sentence_bleu(input, [reference]).score / 100
    elif metric.startswith("rouge_"):
        name = _rouge_name(metric)
        score = _rouge(name).score(reference, input)[name].fmeasure
    else:
        raise GraderError(_unsupported_metric(metric), "evaluation_metric")
    return min(1.0, max(0.0, score))  # BLEU of identical text is 100.00000000000004


def _rouge_name(metric: str) -> str:
    return "rougeL" if metric == "rouge_l" else f"rouge{metric.removeprefix('rouge_')}"


@cache
def _rouge(name: str) -> Any:
    from rouge_score.rouge_scorer import RougeScorer

    return RougeScorer([name])


def _unsupported_metric(metric: str) -> str:
    return (f"evaluation_metric {metric!r} is not supported by this server; use one of "
            f"{', '.join(SUPPORTED_METRICS)}.")


# ---- python graders ---------------------------------------------------------------------------


def python_script(source: str, item: dict[str, Any], sample: dict[str, Any] | None) -> str:
    """A script for the sandbox: define the grader's source, call grade(sample, item), print
    the result after a marker (the source may print too)."""
    data = json.dumps({"item": item, "sample": sample if sample is not None else {}})
    return (
        "import json as _json\n"
        f"_data = _json.loads({data!r})\n"
        f"exec(compile({source!r}, 'grader.py', 'exec'))\n"
        "_score = grade(_data['sample'], _data['item'])\n"
        "_ok = isinstance(_score, (int, float))\n"  # a bool counts as 1.0 / 0.0
        f"print({_MARK!r} + _json.dumps(_score if _ok else repr(_score)))\n"
    )


def python_score(result: RunResult, limits_s: float) -> float:
    """The float the script printed, or ItemError saying why there is none."""
    if result.timed_out:
        raise ItemError(f"the python grader timed out after {limits_s:g} s")
    if result.signal == "SIGXCPU":
        raise ItemError("the python grader ran past its CPU time limit")
    if result.exit_code != 0:
        last = (result.stderr.strip().splitlines() or [f"exit status {result.exit_code}"])[-1]
        raise ItemError(f"the python grader failed: {last}")
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith(_MARK)]
    value = json.loads(lines[-1].removeprefix(_MARK)) if lines else None
    if isinstance(value, str) or value is None or not math.isfinite(value):
        raise ItemError(f"grade() returned {value if value is not None else 'nothing'}, "
                        "not a finite number")
    return float(value)


async def run_python(grader: PythonGrader, item: dict[str, Any], sample: dict[str, Any] | None,
                     sandbox: SandboxConfig) -> float:
    try:
        result = await run_code(python_script(grader.source, item, sample), config=sandbox)
    except SandboxUnavailable as exc:
        raise ItemError(f"the python grader could not run: {exc}") from None
    return python_score(result, sandbox.limits.wall_seconds)


# ---- checking and grading ---------------------------------------------------------------------


def check(grader: Grader) -> None:
    """Refuse what could never grade anything: an unsupported metric, python that does not
    parse (compiled, never run, here), a threshold outside [0, 1]."""
    if isinstance(grader, TextSimilarityGrader):
        if grader.evaluation_metric not in SUPPORTED_METRICS:
            raise GraderError(_unsupported_metric(grader.evaluation_metric), "evaluation_metric")
    if isinstance(grader, PythonGrader):
        if grader.image_tag is not None:
            raise GraderError("image_tag is not supported: python graders run in hanlin's "
                              "sandbox with the server's own Python.", "image_tag")
        try:
            compile(grader.source, "grader.py", "exec")
        except Exception as exc:  # SyntaxError, and ValueError / RecursionError on odd text
            raise GraderError(f"The python grader does not parse: {exc}", "source") from None


def threshold(grader: Grader) -> float | None:
    if isinstance(grader, TextSimilarityGrader):
        return grader.pass_threshold
    if isinstance(grader, PythonGrader):
        return DEFAULT_PYTHON_THRESHOLD if grader.pass_threshold is None else grader.pass_threshold
    return None


async def score(grader: RunnableGrader, item: dict[str, Any], sample: dict[str, Any] | None,
                sandbox: SandboxConfig | None = None) -> float:
    if isinstance(grader, StringCheckGrader):
        return string_check(render(grader.input, item, sample),
                            render(grader.reference, item, sample), grader.operation)
    if isinstance(grader, TextSimilarityGrader):
        return similarity(render(grader.input, item, sample),
                          render(grader.reference, item, sample), grader.evaluation_metric)
    return await run_python(grader, item, sample, sandbox or SandboxConfig())


async def grade(grader: RunnableGrader, item: dict[str, Any], sample: dict[str, Any] | None,
                sandbox: SandboxConfig | None = None) -> GradeResult:
    """Never raises for one item's trouble: that becomes a result with `error` set."""
    kind = grader.__struct_config__.tag
    try:
        value = await score(grader, item, sample, sandbox)
    except ItemError as exc:
        return GradeResult(name=grader.name, type=str(kind), passed=False, score=None,
                           error=str(exc))
    bar = threshold(grader)
    passed = value == 1.0 if bar is None else value >= bar
    return GradeResult(name=grader.name, type=str(kind), passed=passed, score=value)
