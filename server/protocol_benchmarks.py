"""Wire types of `/v1/benchmarks`: the built-in tasks, and a benchmark run — an eval run's counts
(`result_counts`, `per_testing_criteria_results`, one criterion per metric) plus the task's
metrics with standard errors and the Files holding its report and per-item records."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from evals.records import MetricValue
from server.protocol import PositiveInt, Request, Temperature, TopP
from server.protocol_evals import CriterionResult, EvalError, Metadata, ResultCounts, RunStatus

Concurrency = Annotated[int, Meta(ge=1, le=64)]


class BenchmarkObject(msgspec.Struct, kw_only=True, omit_defaults=False):
    id: str  # the task's name, what a run's `task` names
    object: Literal["benchmark"] = "benchmark"
    description: str
    mode: Literal["generate", "loglikelihood", "code"]
    style: Literal["chat", "completion"]  # which route the items are sent to
    metrics: list[str]
    items: int | None  # None: the task's data is not on this machine


class BenchmarkList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[BenchmarkObject]


class BenchmarkSamplingParams(Request):
    """Replace the task's own generation settings (greedy, its max tokens) for this run."""

    temperature: Temperature | None = None
    max_completion_tokens: PositiveInt | None = None
    top_p: TopP | None = None
    seed: int | None = None


class CreateBenchmarkRunRequest(Request):
    task: str  # a built-in task: GET /v1/benchmarks
    model: str  # a served model: the base model or a fine-tuned `ft:` one
    limit: PositiveInt | None = None  # the first `limit` items; all by default
    concurrency: Concurrency | None = None  # requests in flight (default 8)
    sampling_params: BenchmarkSamplingParams | None = None
    metadata: Metadata | None = None


class BenchmarkTally(msgspec.Struct, kw_only=True):
    """The counts a run keeps as items finish; `items` is how many it will evaluate."""

    result_counts: ResultCounts = msgspec.field(default_factory=ResultCounts)
    per_testing_criteria_results: list[CriterionResult] = []
    items: int | None = None


class BenchmarkProgress(msgspec.Struct, kw_only=True):
    completed: int  # items evaluated (in this attempt: a resumed run recounts from its cache)
    total: int | None  # None until the task's items are loaded


class BenchmarkRunObject(msgspec.Struct, kw_only=True, omit_defaults=False):
    id: str
    object: Literal["benchmark.run"] = "benchmark.run"
    task: str
    model: str
    status: RunStatus
    created_at: int
    started_at: int | None
    finished_at: int | None
    limit: int | None
    concurrency: int
    sampling_params: BenchmarkSamplingParams | None
    # An item passes when the task's first metric gives it full marks; errored: no answer.
    result_counts: ResultCounts
    per_testing_criteria_results: list[CriterionResult]
    metrics: list[MetricValue]  # set when completed
    unparsed_rate: float | None  # share of answers nothing could be extracted from
    report_file_id: str | None  # report.html (purpose `evals`)
    items_file_id: str | None  # items.jsonl: one record per item, raw outputs and sandbox runs
    progress: BenchmarkProgress
    error: EvalError | None
    metadata: dict[str, str] | None


class BenchmarkRunList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[BenchmarkRunObject]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False
