"""Benchmark evals against any OpenAI-compatible endpoint: tasks (data + template + mode +
extraction + metrics), a cached, concurrent runner, sandboxed code execution and run reports.
The HTTP side (`/v1/evals`, OpenAI's graders) lives in the server, not here."""

from evals.client import EndpointConfig, EndpointError, ModelClient
from evals.compare import Comparison, compare
from evals.extract import EXTRACTORS, extractor
from evals.records import (
    ChoiceScore,
    CodeTest,
    Counts,
    Doc,
    EvalResults,
    ItemRecord,
    Message,
    MetricValue,
    Output,
    SandboxOutcome,
)
from evals.report import load_run, write_run
from evals.runner import EvalRun, run_task
from evals.task import CodeExecution, Generate, Loglikelihood, PromptTemplate, Source, Task
from evals.tasks import BUILTIN, get_task, jsonl_task

__all__ = ["BUILTIN", "EXTRACTORS", "ChoiceScore", "CodeExecution", "CodeTest", "Comparison",
           "Counts", "Doc", "EndpointConfig", "EndpointError", "EvalResults", "EvalRun",
           "Generate", "ItemRecord", "Loglikelihood", "Message", "MetricValue", "ModelClient",
           "Output", "PromptTemplate", "SandboxOutcome", "Source", "Task", "compare",
           "extractor", "get_task", "jsonl_task", "load_run", "run_task", "write_run"]
