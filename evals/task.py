"""What a task is: data source + prompt template + mode + answer extraction + metrics, as frozen
msgspec Structs (so a run's results carry the exact task they measured, as JSON)."""

from __future__ import annotations

from typing import Literal

import msgspec

from evals.records import Doc


class Source(msgspec.Struct, frozen=True, kw_only=True):
    """Where the items come from: `humaneval`, a set inside the `openai_evals` wheel (`path`
    under evals/registry/data), or a user's `jsonl` file (`path` on disk)."""

    kind: Literal["humaneval", "openai_evals", "jsonl"]
    path: str = ""
    reference: Literal["ideal", "letter"] = "ideal"  # letter: "c) Atrophy" -> "C"
    choices: tuple[str, ...] = ()  # log-likelihood continuations, e.g. (" A", " B", " C", " D")


class PromptTemplate(msgspec.Struct, frozen=True, kw_only=True):
    """`chat` sends messages to /v1/chat/completions, `completion` one text to /v1/completions.
    `instruction` wraps the item's text (or its last user message); `fewshot` solved examples
    come first, taken from the end of the set, never the item itself."""

    style: Literal["chat", "completion"] = "chat"
    instruction: str = "{input}"
    system: str | None = None  # replaces the item's own system message, if any
    fewshot: int = 0
    answer_prefix: str = " "  # completion few-shot: between an example's prompt and its answer
    example_separator: str = "\n\n"


class Generate(msgspec.Struct, frozen=True, kw_only=True, tag="generate"):
    max_tokens: int = 256
    stop: tuple[str, ...] = ()  # the first 4 are sent (OpenAI's cap); all are cut client-side
    temperature: float = 0.0
    top_p: float | None = None
    samples: int = 1  # answers per item (pass@k needs n >= k)


class Loglikelihood(msgspec.Struct, frozen=True, kw_only=True, tag="loglikelihood"):
    """Scores each of the item's `choices` as a continuation of the prompt (echo + logprobs)."""

    max_tokens: int = 0  # 1 for servers that refuse 0; the generated token is then dropped


class CodeExecution(msgspec.Struct, frozen=True, kw_only=True, tag="code"):
    """Generates, then runs prompt + completion + the item's tests in the agents sandbox."""

    generate: Generate = Generate(max_tokens=512)
    timeout_s: float = 5.0
    ks: tuple[int, ...] = (1,)


Mode = Generate | Loglikelihood | CodeExecution


class Task(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    description: str = ""
    source: Source
    template: PromptTemplate = PromptTemplate()
    mode: Mode = Generate()
    extraction: str | None = None  # name@version from evals.extract; None for log-likelihood
    metrics: tuple[str, ...] = ("accuracy",)  # generate mode; the other modes fix theirs

    def metric_names(self) -> tuple[str, ...]:
        match self.mode:
            case Loglikelihood():
                return ("acc", "acc_norm")
            case CodeExecution(ks=ks):
                return tuple(f"pass@{k}" for k in ks)
            case _:
                return self.metrics

    def load(self) -> list[Doc]:
        from evals import data

        match self.source.kind:
            case "humaneval":
                return data.humaneval()
            case "openai_evals":
                return data.openai_evals(self.source.path, reference=self.source.reference,
                                         choices=self.source.choices)
            case "jsonl":
                return data.local_jsonl(self.source.path)
