"""Wire types of OpenAI's Evals API: an eval (item schema, graders), a run (data source, counts,
usage), an output item (sample, per-grader results) and their list pages. The graders' own
Structs live in `evals.graders`; model-graded types are here only to be refused by name."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from evals.graders import GradeResult, PythonGrader, StringCheckGrader, TextSimilarityGrader
from server.protocol import PositiveInt, Request, ResponseFormat, Temperature, Tool, TopP

# OpenAI's limits: 16 pairs, keys up to 64 characters, values up to 512.
Metadata = Annotated[dict[Annotated[str, Meta(max_length=64)],
                          Annotated[str, Meta(max_length=512)]], Meta(max_length=16)]
RunStatus = Literal["queued", "in_progress", "completed", "failed", "canceled"]
ACTIVE: tuple[RunStatus, ...] = ("queued", "in_progress")

# ---- evals ------------------------------------------------------------------------------------


class CustomDataSourceConfig(Request, tag_field="type", tag="custom"):
    item_schema: dict[str, Any]  # a JSON Schema every run's items must match
    include_sample_schema: bool = False


class LogsDataSourceConfig(Request, tag_field="type", tag="logs"):
    metadata: dict[str, Any] | None = None


class StoredCompletionsDataSourceConfig(Request, tag_field="type", tag="stored_completions"):
    metadata: dict[str, Any] | None = None


DataSourceConfig = CustomDataSourceConfig | LogsDataSourceConfig | StoredCompletionsDataSourceConfig


class LabelModelGrader(Request, tag_field="type", tag="label_model"):
    name: str
    model: str
    input: list[dict[str, Any]]
    labels: list[str]
    passing_labels: list[str]


class ScoreModelGrader(Request, tag_field="type", tag="score_model"):
    name: str
    model: str
    input: list[dict[str, Any]]
    range: list[float] | None = None
    pass_threshold: float | None = None
    sampling_params: dict[str, Any] | None = None


Grader = StringCheckGrader | TextSimilarityGrader | PythonGrader
Criterion = Grader | LabelModelGrader | ScoreModelGrader


class CreateEvalRequest(Request):
    data_source_config: DataSourceConfig
    testing_criteria: Annotated[list[Criterion], Meta(min_length=1)]
    name: str | None = None
    metadata: Metadata | None = None


class UpdateEvalRequest(Request):
    """Only what is given changes."""

    name: str | None = None
    metadata: Metadata | None = None


class CustomDataSourceConfigObject(msgspec.Struct, kw_only=True):
    """OpenAI answers with the schema of a whole row: `{item, sample}`."""

    type: Literal["custom"] = "custom"
    schema: dict[str, Any]


class EvalObject(msgspec.Struct, kw_only=True, omit_defaults=False):
    id: str
    object: Literal["eval"] = "eval"
    created_at: int
    name: str
    metadata: dict[str, str] | None
    data_source_config: CustomDataSourceConfigObject
    testing_criteria: list[Grader]


class EvalList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[EvalObject]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


class EvalDeleted(msgspec.Struct, kw_only=True):
    object: Literal["eval.deleted"] = "eval.deleted"
    deleted: bool = True
    eval_id: str


# ---- run data sources -------------------------------------------------------------------------


class SourceRow(Request):
    item: dict[str, Any]
    sample: dict[str, Any] | None = None  # a given answer; a completions run makes its own


class FileContentSource(Request, tag_field="type", tag="file_content"):
    content: list[SourceRow]


class FileIdSource(Request, tag_field="type", tag="file_id"):
    id: str  # a JSONL file of the Files API, one `{"item": ..., "sample"?: ...}` a line


Source = FileContentSource | FileIdSource


class TemplateInputText(Request, tag_field="type", tag="input_text"):
    text: str


class TemplateOutputText(Request, tag_field="type", tag="output_text"):
    text: str


TextContent = TemplateInputText | TemplateOutputText


class TemplateMessage(Request):
    role: Literal["user", "assistant", "system", "developer"]
    content: str | TextContent | list[TextContent]
    type: Literal["message"] | None = None


class TemplateInput(Request, tag_field="type", tag="template"):
    template: Annotated[list[TemplateMessage], Meta(min_length=1)]


class ItemReferenceInput(Request, tag_field="type", tag="item_reference"):
    item_reference: str  # e.g. "item.messages": a list of {role, content} in each item


class SamplingParams(Request):
    temperature: Temperature | None = None
    max_completion_tokens: PositiveInt | None = None
    top_p: TopP | None = None
    seed: int | None = None
    response_format: ResponseFormat | None = None
    tools: list[Tool] | None = None


class JsonlDataSource(Request, tag_field="type", tag="jsonl"):
    source: Source


class CompletionsDataSource(Request, tag_field="type", tag="completions"):
    source: Source
    model: str | None = None
    input_messages: TemplateInput | ItemReferenceInput | None = None
    sampling_params: SamplingParams | None = None


DataSource = JsonlDataSource | CompletionsDataSource


class CreateRunRequest(Request):
    data_source: DataSource
    name: str | None = None
    metadata: Metadata | None = None


# ---- runs -------------------------------------------------------------------------------------


class ResultCounts(msgspec.Struct, kw_only=True):
    total: int = 0  # items graded so far: passed + failed + errored
    passed: int = 0
    failed: int = 0
    errored: int = 0


class CriterionResult(msgspec.Struct, kw_only=True):
    testing_criteria: str  # the grader's name
    passed: int = 0
    failed: int = 0
    errored: int = 0  # hanlin's addition: items this grader could not score


class ModelUsage(msgspec.Struct, kw_only=True):
    model_name: str
    invocation_count: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0


class RunTally(msgspec.Struct, kw_only=True):
    """The counts a run keeps as it goes, stored with each item recorded."""

    result_counts: ResultCounts = msgspec.field(default_factory=ResultCounts)
    per_testing_criteria_results: list[CriterionResult] = []
    per_model_usage: list[ModelUsage] = []


class EvalError(msgspec.Struct, kw_only=True):
    code: str
    message: str


class RunObject(msgspec.Struct, kw_only=True, omit_defaults=False):
    id: str
    object: Literal["eval.run"] = "eval.run"
    eval_id: str
    name: str
    model: str | None
    status: RunStatus
    created_at: int
    report_url: str | None
    result_counts: ResultCounts
    per_testing_criteria_results: list[CriterionResult]
    per_model_usage: list[ModelUsage]
    data_source: DataSource
    error: EvalError | None
    metadata: dict[str, str] | None


class RunList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[RunObject]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


class RunDeleted(msgspec.Struct, kw_only=True):
    object: Literal["eval.run.deleted"] = "eval.run.deleted"
    deleted: bool = True
    run_id: str


# ---- output items -----------------------------------------------------------------------------


class SampleMessage(msgspec.Struct, kw_only=True):
    role: str
    content: str


class SampleUsage(msgspec.Struct, kw_only=True):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int = 0


class SampleObject(msgspec.Struct, kw_only=True, omit_defaults=False):
    """The model's answer to one item (given in the data for a jsonl run)."""

    input: list[SampleMessage] = []
    output: list[SampleMessage] = []
    finish_reason: str | None = None
    model: str | None = None
    usage: SampleUsage | None = None
    error: EvalError | None = None
    temperature: float | None = None
    max_completion_tokens: int | None = None
    top_p: float | None = None
    seed: int | None = None


OutputItemStatus = Literal["pass", "fail", "error"]


class OutputItemObject(msgspec.Struct, kw_only=True):
    id: str
    object: Literal["eval.run.output_item"] = "eval.run.output_item"
    run_id: str
    eval_id: str
    created_at: int
    status: OutputItemStatus
    datasource_item_id: int  # the item's index in the data source
    datasource_item: dict[str, Any]
    results: list[GradeResult]
    sample: SampleObject


class OutputItemList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[OutputItemObject]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False
