"""A SIGKILLed server takes a DeepSpeed fine-tune down with it: the trainer, the torchrun launcher
and both ZeRO ranks (which torchrun puts in sessions of their own, out of reach of a process-group
kill) all exit; no orphan trains on for a job nobody will record.

The kill lands inside the first step, not as soon as the ranks exist: a rank that is not tied to
the trainer still dies at its next write into the dead trainer's pipe (the "start" line, or the
next step's), so only a step longer than the deadline tells the two apart."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

import openai

from tests.server.conftest import launch, stop

WORDS = ("river", "garden", "lantern", "market", "harbor", "meadow", "bridge", "orchard")
CHAT = "".join(json.dumps({"messages": [
    {"role": "user", "content": f"Tell story {n}."},
    {"role": "assistant", "content": " ".join(
        f"On day {n * 100 + i} the traveler crossed the {WORDS[(i + n) % 8]} and counted "
        f"{i * 7 + n} stones." for i in range(60))}]}) + "\n" for n in range(32))
# 2 ZeRO-2 ranks, LoRA on one projection, 1 thread each. A step is 16 rows of 512 tokens per
# rank: minutes on these CPUs, far longer than the deadline.
JOB = {"zero_stage": 2, "nproc": 2, "lora_rank": 2, "lora_targets": ["q_proj"], "seq_len": 512,
       "threads": 1}
DEADLINE_S = 30


def _processes(job_id: str) -> dict[int, str]:
    """pid -> role of every live process whose command line names the job's folder."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state == "Z" or not any(f"finetune/{job_id}/".encode() in arg for arg in cmdline):
            continue
        launcher = b"torch.distributed.run" in cmdline
        found[int(proc.name)] = ("launcher" if launcher else "rank" if b"worker" in cmdline
                                 else "trainer")
    return found


def _started(client: openai.OpenAI, job_id: str) -> bool:
    events = client.fine_tuning.jobs.list_events(job_id, limit=100).data
    return any(e.message.startswith("Training started") for e in events)


def test_killing_the_server_kills_every_deepspeed_rank(tmp_path: Path, model: str) -> None:
    home, log = tmp_path / "home", tmp_path / "server.log"
    proc, url = launch(home, log)
    found: dict[int, str] = {}
    try:
        with openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0) as client:
            file = client.files.create(file=("stories.jsonl", CHAT.encode()), purpose="fine-tune")
            job = client.fine_tuning.jobs.create(
                model=model, training_file=file.id, extra_body={"hanlin": JOB},
                hyperparameters={"batch_size": 16})
            deadline = time.monotonic() + 240
            while not _started(client, job.id):  # the ranks are in their first step
                assert time.monotonic() < deadline, "training never started"
                status = client.fine_tuning.jobs.retrieve(job.id).status
                assert status in ("validating_files", "queued", "running"), status
                time.sleep(0.5)
            found = _processes(job.id)
            assert sorted(found.values()) == ["launcher", "rank", "rank", "trainer"], found
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + DEADLINE_S
        while left := _processes(job.id):
            assert time.monotonic() < deadline, f"outlived the killed server: {left}"
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            stop(proc)
        for pid in _processes(job.id) if found else ():  # a failed run leaves no burning orphans
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
