"""The loaders on the data PyPI ships: HumanEval's 164 problems, the evals-wheel sets with their
row counts (read out of the zip), and a user's JSONL file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import BUILTIN
from evals.data import DataUnavailable, evals_wheel, humaneval, local_jsonl, openai_evals
from evals.tasks import EXPECTED_ROWS


def test_humaneval_has_164_problems_with_their_parts() -> None:
    docs = humaneval()
    assert len(docs) == 164
    assert docs[0].id == "HumanEval/0" and docs[-1].id == "HumanEval/163"
    for doc in docs:
        assert doc.code is not None and doc.input == doc.code.prompt
        assert "def check(candidate)" in doc.code.test
        assert f"def {doc.code.entry_point}(" in doc.code.prompt
        assert doc.code.canonical_solution.strip()


@pytest.mark.parametrize(("member", "rows"), sorted(EXPECTED_ROWS.items()))
def test_evals_wheel_sets_load_with_their_row_counts(member: str, rows: int) -> None:
    docs = openai_evals(member)
    assert len(docs) == rows
    assert all(d.references and isinstance(d.input, list) for d in docs)
    assert docs[0].input[-1].role == "user"


def test_letter_answers_and_gold_indices() -> None:
    med = openai_evals("medmcqa/samples.jsonl", reference="letter")
    assert {d.references[0] for d in med} == {"A", "B", "C", "D"}
    assert med[0].references == ["C"]  # "c) Atrophy"
    logiqa = openai_evals("logiqa/logiqa.jsonl", choices=(" A", " B", " C", " D"))
    assert all(d.choices[d.gold].strip() == d.references[0] for d in logiqa)
    assert logiqa[0].gold == 2


def test_every_builtin_task_loads() -> None:
    for task in BUILTIN.values():
        assert task.load(), task.name


def test_a_missing_wheel_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv("HANLIN_EVALS_WHEEL", str(tmp_path / "absent.whl"))
    with pytest.raises(DataUnavailable, match="pip download --no-deps"):
        evals_wheel()


def test_user_jsonl_rows(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    rows = [{"input": "2+2?", "ideal": "4"},
            {"id": "chat", "input": [{"role": "user", "content": "Hi"}], "ideal": ["hello", "hi"]},
            {"input": "Pick", "choices": [" yes", " no"], "gold": 1},
            {"prompt": "def f():\n", "test": "def check(c):\n    assert c() == 1\n",
             "entry_point": "f"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    docs = local_jsonl(path)
    assert [d.id for d in docs] == ["line-1", "chat", "line-3", "line-4"]
    assert docs[1].references == ["hello", "hi"] and docs[1].input[0].content == "Hi"
    assert docs[2].gold == 1 and docs[3].code.entry_point == "f"


def test_user_jsonl_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"input": "ok", "ideal": "1"}\n{"input": 5}\n')
    with pytest.raises(ValueError, match="line 2"):
        local_jsonl(path)
