"""SIGTERM to a real `hanlin serve`: it stops taking connections at once; an open stream runs
until HANLIN_SHUTDOWN_GRACE_S and then ends with a final `shutting_down` error event, a whole
answer still running gets a 503 `shutting_down`; the batched spans reach the OTLP collector; the
process exits 0. A fine-tuning job running at the SIGTERM is `queued` in the database after
exit, its trainer gone, and a restarted server finishes it from its last checkpoint. In process:
the same shutdown requeues a cleaning dataset (its worker killed) and a benchmark run at once,
not as one of their attempts, and the next start finishes them."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from litestar.testing import AsyncTestClient

from server.app import begin_shutdown, create_app
from server.settings import ServerSettings
from server.state.config import StateConfig
from tests.evals.recorded import RecordedServer
from tests.server.conftest import launch, stop, wait_for_job
from tests.server.otlp import Collector, running_collector
from tests.server.scripted_engine import ScriptedEngine
from tests.server.test_benchmarks_api import Gate, _create, _runner, _until
from tests.server.test_finetune import (
    _job_with_a_checkpoint,
    _messages,
    _wait_no_trainer,
)
from tests.server.test_restart import _alive, _cleaning_children, _corpus

pytestmark = pytest.mark.slow

GRACE_S = 2
EXIT_TIMEOUT_S = 60  # a bound on the wait, not a measured time: the exit comes in seconds
ENDLESS = {"temperature": 0, "ignore_eos": True, "max_tokens": 4000}


@pytest.fixture
def collector() -> Iterator[Collector]:
    with running_collector() as running:
        yield running


def _running(url: str) -> int:
    return httpx.get(f"{url}/health", timeout=30).json()["running"]


def _refused(url: str) -> bool:
    try:
        httpx.get(f"{url}/health", timeout=5)
    except httpx.ConnectError:
        return True
    return False


def test_sigterm_cuts_open_answers_at_the_grace_and_exits_0(tmp_path: Path, model: str,
                                                            collector: Collector) -> None:
    log = tmp_path / "server.log"
    # Spans leave only when the batch is flushed: the export delay is far beyond the test.
    proc, url = launch(tmp_path / "home", log, HANLIN_SHUTDOWN_GRACE_S=str(GRACE_S),
                       HANLIN_OTEL_EXPORTER="otlp", OTEL_EXPORTER_OTLP_ENDPOINT=collector.url,
                       OTEL_BSP_SCHEDULE_DELAY="600000")
    whole: dict[str, httpx.Response] = {}

    def ask_whole() -> None:
        whole["response"] = httpx.post(f"{url}/v1/completions", timeout=120, json={
            "model": model, "prompt": "1, 2, 3,", **ENDLESS})

    asker = threading.Thread(target=ask_whole)
    try:
        with httpx.Client(base_url=url, timeout=120) as http, http.stream(
                "POST", "/v1/chat/completions", json={
                    "model": model, "stream": True, **ENDLESS,
                    "messages": [{"role": "user", "content": "Count to a million."}]}) as stream:
            lines = stream.iter_lines()
            first = next(line for line in lines if line.startswith("data: "))
            assert json.loads(first[6:])["choices"]
            asker.start()
            deadline = time.monotonic() + 60
            while _running(url) < 2:
                assert time.monotonic() < deadline, "the whole answer never started"
                time.sleep(0.1)
            proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            while not _refused(url):  # no new connections from the start of the shutdown
                assert time.monotonic() < deadline, "the server still takes connections"
                time.sleep(0.1)
            data = [line[6:] for line in lines if line.startswith("data: ")]
        asker.join(timeout=EXIT_TIMEOUT_S)
        assert proc.wait(timeout=EXIT_TIMEOUT_S) == 0
    finally:
        if proc.poll() is None:
            stop(proc)
    *chunks, error, done = data
    assert done == "[DONE]" and all("choices" in json.loads(c) for c in chunks)
    assert json.loads(error) == {"error": {"message": "server is shutting down",
                                           "type": "server_error", "param": None,
                                           "code": "shutting_down"}}
    response = whole["response"]
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "shutting_down"
    # The tracer provider was shut down, flushing its batch: the cut requests' spans included.
    assert {"POST /v1/chat/completions", "POST /v1/completions"} <= set(collector.span_names())
    assert "shutting down" in log.read_text()


def test_sigterm_mid_fine_tune_requeues_it_and_a_restart_finishes_it(tmp_path: Path,
                                                                     model: str) -> None:
    home, log = tmp_path / "home", tmp_path / "server.log"
    proc, url = launch(home, log)
    try:
        with openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0) as client:
            job = _job_with_a_checkpoint(client, model)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=EXIT_TIMEOUT_S) == 0
    finally:
        if proc.poll() is None:
            stop(proc)
    _wait_no_trainer(job.id)
    with sqlite3.connect(home / "hanlin.db") as db:
        status, attempts = db.execute("SELECT status, attempts FROM fine_tuning_jobs WHERE id = ?",
                                      (job.id,)).fetchone()
    assert (status, attempts) == ("queued", 0)  # a shutdown is not one of its attempts

    proc, url = launch(home, log)
    try:
        with openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0) as client:
            done = wait_for_job(client, job.id)
            assert done.status == "succeeded", done.error
            messages = _messages(client, job.id)
            assert any(m.startswith("The server is shutting down; the job is queued again and "
                                    "resumes from its checkpoint at step") for m in messages)
            assert any(m.startswith("Resumed from the checkpoint at step") for m in messages)
            assert "Fine-tuning job started again." in messages
            assert done.hanlin["attempts"] == 1  # type: ignore[attr-defined]
            steps = {c.step_number for c in client.fine_tuning.jobs.checkpoints.list(job.id)}
            assert steps == set(range(1, 21))
    finally:
        stop(proc)


async def test_the_shutdown_requeues_a_cleaning_dataset_at_once(tmp_path: Path) -> None:
    settings = ServerSettings(state=StateConfig(home=str(tmp_path)))
    app = create_app(engine=ScriptedEngine(), settings=settings)
    async with AsyncTestClient(app, timeout=60) as http:
        upload = (await http.post("/v1/files", files={"file": ("notes.jsonl", _corpus(5000))},
                                  data={"purpose": "user_data"})).json()
        ds = (await http.post("/v1/datasets", json={"file_id": upload["id"],
                                                    "pipeline": "text"})).json()
        blob = next((tmp_path / "blobs" / "objects").glob("*/*"))
        deadline = time.monotonic() + 60
        while not (children := _cleaning_children(blob)):
            assert time.monotonic() < deadline, "no cleaning process found"
            await asyncio.sleep(0.1)
        async def shut_down() -> None:  # on the app's own loop (the client's portal thread)
            begin_shutdown(app, 1.0)
            await app.state.stopping_jobs

        await asyncio.to_thread(http.blocking_portal.call, shut_down)
        stopped = (await http.get(f"/v1/datasets/{ds['id']}")).json()
        assert (stopped["status"], stopped["attempts"]) == ("queued", 0)
        assert not any(_alive(pid) for pid in children)  # its worker was killed
    async with AsyncTestClient(create_app(engine=ScriptedEngine(), settings=settings)) as http:
        deadline = time.monotonic() + 180
        while (after := (await http.get(f"/v1/datasets/{ds['id']}")).json())["status"] in (
                "queued", "running"):
            assert time.monotonic() < deadline, "the requeued dataset did not finish"
            await asyncio.sleep(0.25)
    assert (after["status"], after["attempts"]) == ("succeeded", 1), after["error"]
    assert after["report"]["lines"] == 5000


async def test_an_orderly_stop_requeues_a_benchmark_run_at_once(tmp_path: Path) -> None:
    gate = Gate(answers=2)  # answers two items, then hangs: the run is mid-way at the stop
    first = await _runner(tmp_path, httpx.MockTransport(gate))
    run_id = await _create(first, "logiqa", 5)
    while (await first.store.get(run_id)).tally["result_counts"]["total"] < 2:
        await asyncio.sleep(0.05)
    await first.stop(requeue=True)
    stopped = await first.store.get(run_id)
    assert (stopped.status, stopped.attempts) == ("queued", 0)
    second = await _runner(tmp_path, httpx.MockTransport(RecordedServer(answer=lambda _: "C")))
    done = await _until(second, run_id)
    await second.stop()
    assert (done.status, done.attempts) == ("completed", 1)
    assert done.tally["result_counts"]["total"] == 5
    await second.store.db.close()
