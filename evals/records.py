"""What an eval run reads and writes, as msgspec Structs: a data item (`Doc`), one per-item
record (`ItemRecord`, with its outputs, extraction, scores and sandbox runs) and the run's
results (`EvalResults`, metrics with standard errors, counts, unparsed rate)."""

from __future__ import annotations

import msgspec


class Message(msgspec.Struct, frozen=True, kw_only=True):
    role: str
    content: str


class CodeTest(msgspec.Struct, frozen=True, kw_only=True):
    """A HumanEval-shaped problem: the function header the model completes, and its tests."""

    prompt: str
    test: str
    entry_point: str
    canonical_solution: str = ""


class Doc(msgspec.Struct, frozen=True, kw_only=True):
    """One item of a data set. `input` is a completion prompt or chat messages; `references`
    the accepted answers; `choices`/`gold` the options of a log-likelihood multiple choice."""

    id: str
    input: str | list[Message]
    references: list[str] = []
    choices: list[str] = []
    gold: int | None = None
    code: CodeTest | None = None


class SandboxOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """A sandboxed run of model-written code against the task's tests (output cut to a few KB)."""

    passed: bool
    exit_code: int | None
    timed_out: bool
    stdout: str = ""
    stderr: str = ""
    signal: str | None = None
    duration_s: float = 0.0


class Output(msgspec.Struct, kw_only=True):
    """One sampled answer: raw text, the extracted answer (None: unparsed), the code run."""

    raw: str
    extracted: str | None = None
    finish_reason: str | None = None
    sandbox: SandboxOutcome | None = None


class ChoiceScore(msgspec.Struct, frozen=True, kw_only=True):
    """A continuation's summed log-probability, over `tokens` tokens and `chars` characters."""

    text: str
    logprob: float
    tokens: int
    chars: int
    is_greedy: bool | None = None


class ItemRecord(msgspec.Struct, kw_only=True):
    id: str
    prompt: str | list[Message]  # exactly what was sent (after the template)
    references: list[str] = []
    outputs: list[Output] = []
    choices: list[ChoiceScore] = []
    gold: int | None = None
    prediction: int | None = None  # log-likelihood: argmax of the choices' log-probabilities
    scores: dict[str, float] = {}
    unparsed: bool = False  # no answer could be extracted (scored 0, counted in the rate)
    error: str | None = None  # the request failed; the item is left out of the metrics


class MetricValue(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    value: float
    stderr: float | None  # None with fewer than two items
    n: int
    stderr_method: str = "mean"  # "mean": std/sqrt(n) (lm-eval mean_stderr); "bootstrap"


class Counts(msgspec.Struct, frozen=True, kw_only=True):
    total: int
    scored: int
    errored: int
    unparsed: int


class EvalResults(msgspec.Struct, kw_only=True):
    run_id: str
    task: str
    model: str
    base_url: str
    created_at: float
    duration_s: float
    counts: Counts
    metrics: list[MetricValue]
    unparsed_rate: float
    extraction: str | None
    task_config: dict = {}  # the Task as JSON, so a run says exactly what it measured

    def metric(self, name: str) -> MetricValue:
        return next(m for m in self.metrics if m.name == name)
