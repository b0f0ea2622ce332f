"""Kill the server (SIGKILL) while a dataset is cleaning: its worker process dies with it, and
after a restart the dataset is requeued and finishes; the input file is intact throughout."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import time
from pathlib import Path

import httpx

from tests.server.conftest import launch, stop

WORDS = ("river stone market garden winter coffee engine letter mountain window yellow "
         "quiet bridge harbor lantern pepper orbit violin meadow copper thunder pillow "
         "canvas glacier tunnel saddle velvet marble falcon").split()


def _corpus(n: int) -> bytes:
    rng = random.Random(0)
    lines = []
    for i in range(n):
        sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize()
                     + "." for _ in range(rng.randint(4, 8))]
        lines.append(json.dumps({"text": f"Note {i}. " + " ".join(sentences)}))
    return ("\n".join(lines) + "\n").encode()


def _cleaning_children(input_path: Path) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"datapipe" in cmdline and str(input_path).encode() in cmdline:
                pids.append(int(proc.name))
    return pids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def test_kill_during_cleaning_then_restart(tmp_path: Path) -> None:
    home, log = tmp_path / "home", tmp_path / "server.log"
    corpus = _corpus(30_000)
    proc, url = launch(home, log)
    try:
        with httpx.Client(base_url=url, timeout=60) as http:
            upload = http.post("/v1/files", files={"file": ("notes.jsonl", corpus)},
                               data={"purpose": "user_data"}).json()
            ds = http.post("/v1/datasets", json={"file_id": upload["id"], "pipeline": "text"}
                           ).json()
            deadline = time.monotonic() + 60
            while http.get(f"/v1/datasets/{ds['id']}").json()["status"] != "running":
                assert time.monotonic() < deadline, "cleaning never started"
                time.sleep(0.1)
            blob = next((home / "blobs" / "objects").glob("*/*"))
            deadline = time.monotonic() + 30
            while not (children := _cleaning_children(blob)):
                assert time.monotonic() < deadline, "no cleaning process found"
                time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            stop(proc)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children):  # the worker dies with its server
        assert time.monotonic() < deadline, f"cleaning process {children} outlived the server"
        time.sleep(0.1)

    proc, url = launch(home, log)
    try:
        with httpx.Client(base_url=url, timeout=60) as http:
            deadline = time.monotonic() + 180
            while (after := http.get(f"/v1/datasets/{ds['id']}").json())["status"] in (
                    "queued", "running"):
                assert time.monotonic() < deadline, "the requeued dataset did not finish"
                time.sleep(0.25)
            assert after["status"] == "succeeded", after["error"]
            assert after["attempts"] == 2
            assert after["report"]["lines"] == 30_000
            content = http.get(f"/v1/files/{upload['id']}/content").content
            assert hashlib.sha256(content).hexdigest() == hashlib.sha256(corpus).hexdigest()
            # Nothing half-written was registered: every listed file downloads whole.
            for f in http.get("/v1/files").json()["data"]:
                assert len(http.get(f"/v1/files/{f['id']}/content").content) == f["bytes"]
    finally:
        stop(proc)
    assert "requeued" in log.read_text()
    assert not os.listdir(home / "blobs" / "tmp")
