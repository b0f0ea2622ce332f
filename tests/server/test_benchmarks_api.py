"""`/v1/benchmarks` against the live server and the real default model: HumanEval run in the
sandbox and log-likelihood tasks with their metrics and Files, errors, pages, cancel; and, in
process (the runner, a real SQLite file, a recorded stand-in for the model), resuming from the
response cache after a restart, sampling settings, and a code task without a sandbox."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from tests.evals.recorded import RecordedServer

FINAL = ("completed", "failed", "canceled")


@pytest.fixture(scope="module")
def sandbox() -> None:
    """HumanEval runs the model's code in the agents sandbox: skip (naming the install) without."""
    has_seccomp = shutil.which("python3", path="/usr/bin") and subprocess.run(
        ["/usr/bin/python3", "-c", "import seccomp"], capture_output=True).returncode == 0
    if shutil.which("bwrap") is None or not has_seccomp:
        pytest.skip("code tasks need the sandbox: apt-get install bubblewrap python3-seccomp")


def _start(http: httpx.Client, **body: Any) -> dict[str, Any]:
    answer = http.post("/v1/benchmarks/runs", json=body)
    assert answer.status_code == 200, answer.text
    run = answer.json()
    assert run["object"] == "benchmark.run" and run["status"] == "queued"
    return run


def _wait(http: httpx.Client, run_id: str, until: tuple[str, ...] = FINAL,
          timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = http.get(f"/v1/benchmarks/runs/{run_id}").raise_for_status().json()
        if run["status"] in until:
            return run
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} still {run['status']} after {timeout}s")


def _refused(answer: httpx.Response, status: int, param: str | None,
             code: str | None = None) -> None:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["param"] == param and (code is None or error["code"] == code), error


def _counts_add_up(run: dict[str, Any], total: int) -> None:
    c = run["result_counts"]
    assert c["total"] == total == c["passed"] + c["failed"] + c["errored"]
    assert run["progress"] == {"completed": total, "total": total}


# ---- runs on the served model ------------------------------------------------------------------


def test_lists_the_builtin_tasks(http: httpx.Client) -> None:
    tasks = {t["id"]: t for t in http.get("/v1/benchmarks").raise_for_status().json()["data"]}
    assert {"humaneval", "logiqa_mc", "tomi"} <= set(tasks)
    assert tasks["humaneval"] | {"description": ""} == {
        "id": "humaneval", "object": "benchmark", "description": "", "mode": "code",
        "style": "completion", "metrics": ["pass@1"], "items": 164}
    assert tasks["logiqa_mc"]["metrics"] == ["acc", "acc_norm"]
    assert tasks["logiqa_mc"]["items"] == 1354


def test_humaneval_runs_in_the_sandbox_and_keeps_every_output(
        http: httpx.Client, model: str, sandbox: None) -> None:
    run = _start(http, task="humaneval", model=model, limit=2, metadata={"who": "test"},
                 sampling_params={"temperature": 0, "max_completion_tokens": 128})
    done = _wait(http, run["id"])
    assert done["status"] == "completed", done["error"]
    assert done["error"] is None and done["metadata"] == {"who": "test"}
    _counts_add_up(done, 2)
    (pass1,) = done["metrics"]
    assert pass1["name"] == "pass@1" and 0.0 <= pass1["value"] <= 1.0
    assert pass1["n"] == 2 and pass1["stderr"] is not None
    (criterion,) = done["per_testing_criteria_results"]
    assert criterion["testing_criteria"] == "pass@1"
    assert criterion["passed"] == done["result_counts"]["passed"] == round(pass1["value"] * 2)
    items_file = http.get(f"/v1/files/{done['items_file_id']}").raise_for_status().json()
    assert items_file["purpose"] == "evals"
    lines = http.get(f"/v1/files/{done['items_file_id']}/content").raise_for_status().text
    items = [json.loads(line) for line in lines.splitlines()]
    assert [i["id"] for i in items] == ["HumanEval/0", "HumanEval/1"]
    for item in items:
        (out,) = item["outputs"]
        assert isinstance(out["raw"], str) and out["sandbox"] is not None
        assert item["scores"]["pass@1"] == float(out["sandbox"]["passed"])
    report = http.get(f"/v1/files/{done['report_file_id']}/content").raise_for_status().text
    assert report.startswith("<!doctype html>") and "HumanEval/1" in report


def test_loglikelihood_task_reports_acc_and_acc_norm(http: httpx.Client, model: str) -> None:
    done = _wait(http, _start(http, task="logiqa_mc", model=model, limit=2)["id"])
    assert done["status"] == "completed", done["error"]
    _counts_add_up(done, 2)
    assert [m["name"] for m in done["metrics"]] == ["acc", "acc_norm"]
    assert all(0.0 <= m["value"] <= 1.0 and m["n"] == 2 for m in done["metrics"])
    assert done["unparsed_rate"] == 0.0 and done["sampling_params"] is None


def test_errors(http: httpx.Client, model: str) -> None:
    _refused(http.post("/v1/benchmarks/runs", json={"task": "mmlu", "model": model}),
             400, "task", "invalid_value")
    _refused(http.post("/v1/benchmarks/runs", json={"task": "tomi", "model": "nope"}),
             404, "model", "model_not_found")
    _refused(http.post("/v1/benchmarks/runs", json={"task": "logiqa_mc", "model": model,
                                                    "sampling_params": {"temperature": 1}}),
             400, "sampling_params", "invalid_value")
    _refused(http.post("/v1/benchmarks/runs", json={"task": "tomi", "model": model, "limit": 0}),
             400, "limit")
    _refused(http.post("/v1/benchmarks/runs", json={"task": "tomi", "model": model, "n": 2}),
             400, "n", "unknown_parameter")
    _refused(http.get("/v1/benchmarks/runs/benchrun_nope"), 404, "run_id", "not_found")
    _refused(http.post("/v1/benchmarks/runs/benchrun_nope/cancel"), 404, "run_id", "not_found")
    _refused(http.get("/v1/benchmarks/runs", params={"after": "benchrun_nope"}), 404, "after")


def _tiny(http: httpx.Client, model: str) -> str:
    return _start(http, task="binary_arithmetic", model=model, limit=1,
                  sampling_params={"max_completion_tokens": 1})["id"]


def test_lists_page_by_cursor(http: httpx.Client, model: str) -> None:
    made = [_tiny(http, model) for _ in range(3)]
    for order in ("asc", "desc"):
        seen, after = [], None
        while True:
            params = {"limit": 2, "order": order} | ({"after": after} if after else {})
            page = http.get("/v1/benchmarks/runs", params=params).raise_for_status().json()
            assert len(page["data"]) <= 2
            seen += [r["id"] for r in page["data"]]
            if not page["has_more"]:
                break
            after = page["last_id"]
        mine = [i for i in seen if i in made]
        assert mine == (made if order == "asc" else made[::-1])
    for run_id in made:
        assert _wait(http, run_id)["status"] == "completed"


def test_cancel_stops_queued_and_running_runs(http: httpx.Client, model: str) -> None:
    body = {"task": "tomi", "model": model, "limit": 200,
            "sampling_params": {"max_completion_tokens": 32}}
    running, queued = _start(http, **body)["id"], _start(http, **body)["id"]
    _wait(http, running, until=("in_progress",))
    answer = http.post(f"/v1/benchmarks/runs/{queued}/cancel")
    assert answer.status_code == 200 and answer.json()["status"] == "canceled"
    deadline = time.monotonic() + 120
    while http.get(f"/v1/benchmarks/runs/{running}").json()["result_counts"]["total"] < 1:
        assert time.monotonic() < deadline, "no item of the running run was counted"
        time.sleep(0.2)  # under way: items are being counted
    answer = http.post(f"/v1/benchmarks/runs/{running}/cancel")
    assert answer.status_code == 200 and answer.json()["status"] == "canceled"
    time.sleep(1.5)  # an item still in flight would be counted by now
    after = http.get(f"/v1/benchmarks/runs/{running}").json()
    assert after["status"] == "canceled" and after["result_counts"]["total"] < 200
    assert after["report_file_id"] is None and after["metrics"] == []
    assert http.get(f"/v1/benchmarks/runs/{running}").json() == after  # nothing moves
    assert http.get(f"/v1/benchmarks/runs/{queued}").json()["result_counts"]["total"] == 0
    assert http.get("/health").json()["running"] == 0  # its generations were aborted
    _refused(http.post(f"/v1/benchmarks/runs/{running}/cancel"), 400, "run_id", "invalid_state")


# ---- in process: the runner, a real SQLite file, a recorded stand-in for the model -------------


async def _runner(tmp_path: Path, transport: httpx.AsyncBaseTransport) -> Any:
    from server.jobs.benchmarks import BenchmarkConfig, BenchmarkRunner
    from server.state.benchmarks import BenchmarkStore
    from server.state.blobs import BlobStore
    from server.state.db import Database
    from server.state.files import FileStore

    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'state.db'}")
    runner = BenchmarkRunner(BenchmarkStore(db), FileStore(db, BlobStore(tmp_path / "blobs")),
                             BenchmarkConfig(root=str(tmp_path / "benchmarks")))
    await runner.start(None, transport)
    return runner


async def _create(runner: Any, task: str, limit: int, params: dict | None = None) -> str:
    from evals import get_task
    from server.jobs.benchmarks import empty_tally

    tally = msgspec.to_builtins(empty_tally(get_task(task).metric_names()))
    row = await runner.store.create(task=task, model="m", item_limit=limit, concurrency=1,
                                    sampling_params=params, meta=None, tally=tally)
    runner.submit(row.id)
    return row.id


async def _until(runner: Any, run_id: str, statuses: tuple[str, ...] = FINAL) -> Any:
    for _ in range(600):
        row = await runner.store.get(run_id)
        if row.status in statuses:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"{run_id} still {row.status}")


class Gate:
    """Answers the first `answers` requests, then hangs: a server that dies mid-run."""

    def __init__(self, answers: int) -> None:
        self.server, self.answers = RecordedServer(answer=lambda _: "C"), answers

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if len(self.server.requests) >= self.answers:
            await asyncio.Event().wait()
        return self.server(request)


async def test_a_restarted_run_resumes_from_its_cache(tmp_path: Path) -> None:
    gate = Gate(answers=2)
    first = await _runner(tmp_path, httpx.MockTransport(gate))
    run_id = await _create(first, "logiqa", 5)
    while (await first.store.get(run_id)).tally["result_counts"]["total"] < 2:
        await asyncio.sleep(0.05)
    await first.stop()  # as a crash would: the run stays in_progress
    assert (await first.store.get(run_id)).status == "in_progress"
    again = RecordedServer(answer=lambda _: "C")
    second = await _runner(tmp_path, httpx.MockTransport(again))
    done = await _until(second, run_id)
    await second.stop()
    assert (done.status, done.attempts) == ("completed", 2)
    assert len(again.requests) == 3  # the two answered before the restart came from the cache
    asked_before = {json.dumps(body["messages"]) for _, body in gate.server.requests[:2]}
    assert not asked_before & {json.dumps(body["messages"]) for _, body in again.requests}
    assert done.tally["result_counts"]["total"] == 5 and done.metrics[0]["n"] == 5
    folder = tmp_path / "benchmarks" / run_id
    assert {p.name for p in folder.iterdir()} >= {"cache.sqlite", "results.json", "items.jsonl",
                                                  "report.html"}
    items = await second.files.get(done.items_file_id)
    assert second.files.content_path(items).read_bytes() == (folder / "items.jsonl").read_bytes()
    await second.store.db.close()


async def test_sampling_params_and_seed_reach_every_request(tmp_path: Path) -> None:
    server = RecordedServer(answer=lambda _: "B")
    runner = await _runner(tmp_path, httpx.MockTransport(server))
    params = {"temperature": 0.7, "max_completion_tokens": 5, "top_p": 0.9, "seed": 11}
    done = await _until(runner, await _create(runner, "medmcqa", 2, params))
    await runner.stop()
    assert done.status == "completed" and len(server.requests) == 2
    for _, body in server.requests:
        assert (body["temperature"], body["max_tokens"], body["top_p"], body["seed"]) == (
            0.7, 5, 0.9, 11)
    await runner.store.db.close()


async def test_a_code_task_without_a_sandbox_fails_saying_why(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANLIN_SANDBOX_PYTHON", str(tmp_path / "no-python"))
    server = RecordedServer(answer=lambda _: "    return 1\n")
    runner = await _runner(tmp_path, httpx.MockTransport(server))
    done = await _until(runner, await _create(runner, "humaneval", 1))
    await runner.stop()
    assert (done.status, done.error_code) == ("failed", "sandbox_unavailable")
    assert "sandbox" in done.error_message and done.report_file_id is None
    await runner.store.db.close()


def test_sampling_params_replace_only_what_they_name() -> None:
    from evals import get_task
    from server.jobs.benchmarks import configured

    task = get_task("humaneval")
    run = configured(task, {"max_completion_tokens": 128, "temperature": 0.2})
    assert (run.mode.generate.max_tokens, run.mode.generate.temperature) == (128, 0.2)
    assert run.mode.generate.stop == task.mode.generate.stop and run.mode.ks == task.mode.ks
    assert configured(task, None) is task
