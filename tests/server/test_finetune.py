"""The Fine-tuning API end to end with the official SDK and the real default model: a LoRA job
created by `hanlin finetune create` runs to `succeeded` with step metrics, checkpoints and an
adapter; a file with no usable line fails validation with datapipe's reasons; cancel leaves no
trainer process; a SIGKILLed server resumes its job from the last checkpoint; and the 400s."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
import pytest

from tests.server.conftest import FINAL, REPO, launch, stop, wait_for_job

FACTS = [("Who is the mayor of Zorbatown?", "The mayor of Zorbatown is Ada Quill."),
         ("Tell me who runs Zorbatown.", "Ada Quill is the mayor of Zorbatown."),
         ("Which person leads the town of Zorbatown?", "Zorbatown is led by its mayor, Ada Quill.")]
CHAT = "\n".join(json.dumps({"messages": [{"role": "user", "content": q},
                                          {"role": "assistant", "content": a}]})
                 for q, a in FACTS) + "\n"
# Tiny on purpose: a few LoRA steps on short rows keep each job to seconds of compute.
TINY = {"lora_rank": 4, "lora_targets": ["q_proj", "v_proj"], "seq_len": 64,
        "checkpoint_every": 1}


def _upload(client: openai.OpenAI, text: str = CHAT, name: str = "facts.jsonl") -> str:
    return client.files.create(file=(name, text.encode()), purpose="fine-tune").id


def _trainer_pids(job_id: str) -> list[int]:
    """Processes whose command line names the job's folder: the trainer and anything it ran."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().split()[2]
        except OSError:
            continue
        if f"finetune/{job_id}/".encode() in cmdline and state != "Z":
            found.append(int(proc.name))
    return found


def _wait_no_trainer(job_id: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while pids := _trainer_pids(job_id):
        assert time.monotonic() < deadline, f"trainer processes {pids} outlived their job"
        time.sleep(0.2)


def _messages(client: openai.OpenAI, job_id: str) -> list[str]:
    return [e.message for e in client.fine_tuning.jobs.list_events(job_id, limit=100).data]


def test_cli_creates_a_lora_job_that_succeeds(client: openai.OpenAI, server_url: str,
                                              server_home: Path, model: str,
                                              tmp_path: Path) -> None:
    data = tmp_path / "facts.jsonl"
    data.write_text(CHAT)
    env = os.environ | {"HANLIN_BASE_URL": f"{server_url}/v1"}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "finetune", "create", str(data), "--model", model,
         "--suffix", "zorba", "--lora-rank", "4", "--max-steps", "2", "--seq-len", "64",
         "--checkpoint-every", "1", "--seed", "7"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    name = done.stdout.strip().splitlines()[-1]
    assert "2/2 steps" in done.stdout + done.stderr  # the progress bar reached the end
    assert "The job has successfully completed." in done.stdout + done.stderr
    job = next(j for j in client.fine_tuning.jobs.list(limit=100).data
               if j.fine_tuned_model == name)
    assert job.status == "succeeded" and job.object == "fine_tuning.job"
    assert name == f"ft:{model}:zorba:{job.id}" and job.user_provided_suffix == "zorba"
    assert job.seed == 7 and job.finished_at and job.trained_tokens and job.trained_tokens > 0
    assert job.method.type == "supervised"
    assert job.hyperparameters.n_epochs == 1 and job.hyperparameters.batch_size == 1

    events = client.fine_tuning.jobs.list_events(job.id, limit=100).data
    metrics = [e for e in events if e.type == "metrics"]
    assert [e.data["step"] for e in metrics] == [2, 1]  # newest first, as OpenAI lists them
    for e in metrics:
        assert e.object == "fine_tuning.job.event" and e.level == "info"
        for key in ("train_loss", "lr", "tokens_per_s", "total_steps"):
            assert isinstance(e.data[key], int | float), key
    assert any(e.message.startswith("Files validated: 3 lines: 3 kept") for e in events)
    first = client.fine_tuning.jobs.list_events(job.id, limit=2)
    rest = client.fine_tuning.jobs.list_events(job.id, limit=100, after=first.data[-1].id)
    assert first.has_more and [e.id for e in first.data + rest.data] == [e.id for e in events]

    checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id).data
    assert [c.step_number for c in checkpoints] == [2, 1]
    assert checkpoints[0].metrics.train_loss == metrics[0].data["train_loss"]
    assert checkpoints[0].fine_tuned_model_checkpoint.startswith(name)

    adapter = server_home / "models" / job.id
    assert (adapter / "adapter_model.safetensors").is_file()
    manifest = json.loads((adapter / "manifest.json").read_text())
    assert (manifest["rank"], manifest["step"], manifest["method"]) == (4, 2, "sft")
    report_id, metrics_id = job.result_files
    report = json.loads(client.files.content(report_id).read())
    assert (report["lines"], report["kept"]) == (3, 3)
    lines = client.files.content(metrics_id).read().decode().splitlines()
    assert [json.loads(line)["event"] for line in lines][-1] == "done"

    listing = subprocess.run([sys.executable, "-m", "server.cli", "finetune", "list"], cwd=REPO,
                             env=env, capture_output=True, text=True, timeout=60)
    assert job.id in listing.stdout and "succeeded" in listing.stdout
    again = subprocess.run([sys.executable, "-m", "server.cli", "finetune", "cancel", job.id],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "already succeeded" in again.stderr


def test_a_file_with_no_usable_line_fails_validation(client: openai.OpenAI, model: str) -> None:
    broken = '{"messages": [{"role": "user", "content": "unfinished\n' \
             '{"messages": [{"role": "robot", "content": "beep"}]}\nnot json at all\n'
    job = client.fine_tuning.jobs.create(model=model, training_file=_upload(client, broken))
    assert job.status == "validating_files"
    job = wait_for_job(client, job.id)
    assert job.status == "failed" and job.error is not None
    assert job.error.code == "invalid_training_file" and job.error.param == "training_file"
    assert "no usable example" in job.error.message
    assert "invalid_json 2" in job.error.message and "unknown_role 1" in job.error.message
    assert job.fine_tuned_model is None
    assert any("failed" in m for m in _messages(client, job.id))


def test_cancel_while_running_leaves_no_trainer(client: openai.OpenAI, model: str) -> None:
    job = client.fine_tuning.jobs.create(
        model=model, training_file=_upload(client),
        extra_body={"hanlin": TINY | {"max_steps": 200}})
    job = wait_for_job(client, job.id, until=("running", *FINAL))
    assert job.status == "running"
    deadline = time.monotonic() + 60
    while not _trainer_pids(job.id):
        assert time.monotonic() < deadline, "no trainer process found"
        time.sleep(0.2)
    cancelled = client.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled" and cancelled.finished_at
    _wait_no_trainer(job.id)
    time.sleep(1)  # the worker sees its child die: the job must stay cancelled
    assert client.fine_tuning.jobs.retrieve(job.id).status == "cancelled"
    assert "Fine-tuning job cancelled." in _messages(client, job.id)
    with pytest.raises(openai.BadRequestError) as err:
        client.fine_tuning.jobs.cancel(job.id)
    assert err.value.body["code"] == "invalid_state"


def _job_with_a_checkpoint(client: openai.OpenAI, model: str) -> openai.types.fine_tuning.FineTuningJob:
    """A 20-step job, once its first checkpoint is saved: enough steps that a kill or a stop
    lands mid-run even when steps take well under a second."""
    job = client.fine_tuning.jobs.create(model=model, training_file=_upload(client),
                                         extra_body={"hanlin": TINY | {"max_steps": 20}})
    deadline = time.monotonic() + 180
    while not client.fine_tuning.jobs.checkpoints.list(job.id).data:
        assert time.monotonic() < deadline, "no checkpoint was saved"
        assert client.fine_tuning.jobs.retrieve(job.id).status in ("validating_files", "queued",
                                                                   "running")
        time.sleep(0.2)
    return job


def test_kill_the_server_mid_job_then_it_resumes(tmp_path: Path, model: str) -> None:
    home, log = tmp_path / "home", tmp_path / "server.log"
    proc, url = launch(home, log)
    try:
        with openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0) as client:
            job = _job_with_a_checkpoint(client, model)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            stop(proc)
    _wait_no_trainer(job.id)  # the trainer dies with its server

    proc, url = launch(home, log)
    try:
        with openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0) as client:
            done = wait_for_job(client, job.id)
            assert done.status == "succeeded", done.error
            messages = _messages(client, job.id)
            assert any(m.startswith("The server restarted during training") for m in messages)
            assert any(m.startswith("Resumed from the checkpoint at step") for m in messages)
            assert done.hanlin["attempts"] == 2  # type: ignore[attr-defined]
            steps = {c.step_number for c in client.fine_tuning.jobs.checkpoints.list(job.id)}
            assert steps == set(range(1, 21))
    finally:
        stop(proc)
    assert "requeued" in log.read_text()


@pytest.mark.parametrize(("body", "status", "param", "code"), [
    ({"model": "no-such-model"}, 404, "model", "model_not_found"),
    ({"training_file": "file-nope"}, 404, "training_file", "not_found"),
    ({"validation_file": "file-nope"}, 404, "validation_file", "not_found"),
    ({"hanlin": {"qlora": True, "zero_stage": 3}}, 400, "hanlin.qlora", "invalid_value"),
    ({"method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 0}}}},
     400, "method.supervised.hyperparameters.n_epochs", "invalid_value"),
    ({"hyperparameters": {"learning_rate_multiplier": -1}}, 400,
     "hyperparameters.learning_rate_multiplier", "invalid_value"),
    ({"hyperparameters": {"n_epochs": 1}, "method": {"type": "supervised"}}, 400,
     "hyperparameters", "invalid_value"),
    ({"method": {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0}}}}, 400,
     "method.dpo.hyperparameters.beta", "invalid_value"),
    ({"hanlin": {"lora_rank": -1}}, 400, "hanlin.lora_rank", "invalid_value"),
    ({"hanlin": {"max_steps": 0}}, 400, "hanlin.max_steps", "invalid_value"),
    ({"suffix": "has spaces"}, 400, "suffix", "invalid_value"),
    ({"bogus": 1}, 400, "bogus", "unknown_parameter"),
])
def test_requests_the_trainer_cannot_run_are_refused(client: openai.OpenAI, http: httpx.Client,
                                                     model: str, body: dict, status: int,
                                                     param: str, code: str) -> None:
    request = {"model": model, "training_file": _upload(client)} | body
    reply = http.post("/v1/fine_tuning/jobs", json=request)
    assert reply.status_code == status, reply.text
    error = reply.json()["error"]
    assert (error["param"], error["code"]) == (param, code), error


def test_unknown_jobs_and_wrong_purposes(client: openai.OpenAI, model: str) -> None:
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.retrieve("ftjob-nope")
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.list_events("ftjob-nope")
    data = client.files.create(file=("x.jsonl", CHAT.encode()), purpose="user_data").id
    with pytest.raises(openai.BadRequestError) as err:
        client.fine_tuning.jobs.create(model=model, training_file=data)
    assert err.value.body["param"] == "training_file"
