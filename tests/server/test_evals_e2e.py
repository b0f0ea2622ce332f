"""The evals library and `hanlin eval` against the live server and the real default model:
HumanEval completions executed in the sandbox, log-likelihood multiple choice checked against
an independent echo call, and the CLI's run folder, HTML report and compare table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import msgspec
import openai
import pytest

from evals import EndpointConfig, get_task, run_task
from evals.task import CodeExecution

pytestmark = pytest.mark.slow


async def test_humaneval_subset_runs_every_completion_in_the_sandbox(server_url: str,
                                                                     model: str) -> None:
    task = get_task("humaneval")
    assert isinstance(task.mode, CodeExecution)
    gen = msgspec.structs.replace(task.mode.generate, max_tokens=200)
    task = msgspec.structs.replace(task, mode=msgspec.structs.replace(task.mode, generate=gen))
    endpoint = EndpointConfig(base_url=f"{server_url}/v1", model=model, concurrency=5)
    run = await run_task(task, endpoint, limit=5)
    assert run.results.counts.total == 5 and run.results.counts.errored == 0
    problems = {d.id: d for d in task.load()[:5]}
    for item in run.items:
        assert item.error is None and item.prompt == problems[item.id].code.prompt
        (out,) = item.outputs
        assert isinstance(out.raw, str) and out.finish_reason in ("stop", "length")
        assert out.sandbox is not None, f"{item.id} was not executed"
        assert out.sandbox.exit_code is not None or out.sandbox.timed_out
        assert out.sandbox.passed == (out.sandbox.exit_code == 0 and not out.sandbox.timed_out)
        assert item.scores["pass@1"] == float(out.sandbox.passed)
        assert item.unparsed == (out.extracted is None)
    pass1 = run.results.metric("pass@1")
    assert 0.0 <= pass1.value <= 1.0 and pass1.n == 5 and pass1.stderr is not None
    assert 0.0 <= run.results.unparsed_rate <= 1.0


async def test_loglikelihood_multiple_choice_matches_an_independent_call(
        server_url: str, model: str, client: openai.OpenAI) -> None:
    endpoint = EndpointConfig(base_url=f"{server_url}/v1", model=model, concurrency=4)
    run = await run_task(get_task("logiqa_mc"), endpoint, limit=8)
    assert run.results.counts.errored == 0
    for name in ("acc", "acc_norm"):
        metric = run.results.metric(name)
        assert metric.n == 8 and 0.0 <= metric.value <= 1.0
    for item in run.items:
        assert [c.text for c in item.choices] == [" A", " B", " C", " D"]
        assert item.prediction == max(range(4), key=lambda i: item.choices[i].logprob)
        assert item.scores["acc"] == float(item.prediction == item.gold)
    item = run.items[0]
    independent = client.completions.create(model=model, prompt=item.prompt + " C",
                                            max_tokens=0, echo=True, logprobs=1)
    lp = independent.choices[0].logprobs
    assert lp.tokens[-1] == " C" and item.choices[2].tokens == 1
    assert item.choices[2].logprob == pytest.approx(lp.token_logprobs[-1], abs=1e-4)


def _eval(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server.cli", "eval", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_cli_run_writes_a_report_and_compare_prints_both(repo_root: Path, server_url: str,
                                                         model: str, tmp_path: Path) -> None:
    common = ["--model", model, "--base-url", f"{server_url}/v1", "--out", str(tmp_path)]
    first = _eval("run", "tomi", "--limit", "2", *common, cwd=repo_root)
    assert first.returncode == 0, first.stderr
    assert "includes" in first.stdout and "unparsed" in first.stdout
    second = _eval("run", "tomi", "--limit", "3", *common, cwd=repo_root)
    assert second.returncode == 0, second.stderr
    runs = sorted((p for p in tmp_path.iterdir() if p.is_dir()),
                  key=lambda p: json.loads((p / "results.json").read_text())["created_at"])
    assert len(runs) == 2 and (tmp_path / "cache.sqlite").is_file()
    for folder in runs:
        assert {p.name for p in folder.iterdir()} == {"results.json", "items.jsonl",
                                                      "report.html"}
        results = json.loads((folder / "results.json").read_text())
        assert results["task"] == "tomi" and results["counts"]["errored"] == 0
        items = [json.loads(line) for line in (folder / "items.jsonl").read_text().splitlines()]
        page = (folder / "report.html").read_text()
        for item in items:
            assert item["outputs"][0]["raw"] is not None and "includes" in item["scores"]
            assert item["id"] in page
    # The second run asked only for the item the first had not: the first two came from the
    # cache, so their answers are the same.
    a, b = ([json.loads(x) for x in (f / "items.jsonl").read_text().splitlines()] for f in runs)
    assert [i["outputs"] for i in a] == [i["outputs"] for i in b[:2]]
    compared = _eval("compare", str(runs[0]), str(runs[1]), cwd=repo_root)
    assert compared.returncode == 0, compared.stderr
    assert "exact_match" in compared.stdout and "f1" in compared.stdout
    assert "2 items in both runs; 0 scored differently on includes" in compared.stdout
