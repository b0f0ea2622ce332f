"""Faults a live `hanlin serve` must survive. A client that leaves mid-stream has its request
aborted and its KV blocks back within one engine step (the clock is the engine's step counter in
`/metrics`, and the server's log line that records the step of each abort). A disk that fills up
during an upload answers a clear 507 in OpenAI's envelope, registers nothing, leaves no partial
blob, and the server goes on serving. Both "no room" errors are made for real: ENOSPC from a
tiny tmpfs (where this machine may mount one) or /dev/full, EFBIG from RLIMIT_FSIZE.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import re
import resource
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import httpx
import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.state.blobs import BlobStore, DiskFull
from tests.server.conftest import launch, stop

CHAT = "/v1/chat/completions"
ABORT = re.compile(r"request (\S+) aborted: asked after engine step (\d+), "
                   r"blocks freed after step (\d+)")


@contextmanager
def file_size_limit(nbytes: int) -> Iterator[None]:
    """RLIMIT_FSIZE on this process, and so on every child started meanwhile (limits are
    inherited). Python ignores SIGXFSZ from startup, so a write past the limit fails with EFBIG
    instead of killing the writer. This process writes nothing big while it holds."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


# ---- a client that leaves: aborted, blocks back within one engine step -----------------------


@dataclass(frozen=True)
class Load:
    """The engine as `/metrics` shows it."""

    steps: int
    running: int
    used_blocks: int
    generated: int
    prompt_tokens: int


def load(http: httpx.Client) -> Load:
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(http.get("/metrics").text):
        for sample in family.samples:
            state = sample.labels.get("state")
            values[sample.name + (f"/{state}" if state else "")] = sample.value
    return Load(steps=int(values["hanlin_engine_steps_total"]),
                running=int(values["hanlin_requests_running"]),
                used_blocks=int(values["hanlin_kv_blocks/used"]),
                generated=int(values["hanlin_engine_generated_tokens_total"]),
                prompt_tokens=int(values["hanlin_engine_prompt_tokens_total"]))


def idle(http: httpx.Client, since: int) -> Load:
    """The load once nothing runs and every block is free; fails if the engine runs 200 steps
    past `since` without getting there (an abort that was lost keeps its request stepping)."""
    for _ in range(6000):  # a guard against a hung server, not a time limit
        now = load(http)
        if now.running == 0 and now.used_blocks == 0:
            return now
        assert now.steps <= since + 200, f"still {now} after {now.steps - since} steps"
    pytest.fail(f"the engine never went idle: {now}")


def abort_record(log: Path, request_id: str) -> tuple[int, int]:
    """(step the abort was asked after, step its blocks were freed after), from the JSON log."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{") and (m := ABORT.fullmatch(json.loads(line)["message"])):
            if m.group(1) == request_id:
                found.append((int(m.group(2)), int(m.group(3))))
    assert len(found) == 1, f"abort records of {request_id}: {found}"
    return found[0]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A server of our own, for its log and an engine nobody else loads. A 32-token budget:
    a long prompt's prefill takes dozens of steps, during which the stream writes nothing."""
    folder = tmp_path_factory.mktemp("faults")
    log = folder / "server.log"
    proc, url = launch(folder / "home", log, HANLIN_MAX_BATCHED_TOKENS="32")
    try:
        yield url, log
    finally:
        stop(proc)


def chat(model: str, content: str) -> dict:
    # Greedy, EOS ignored: only the abort ends it before 3000 tokens.
    return {"model": model, "messages": [{"role": "user", "content": content}],
            "max_tokens": 3000, "temperature": 0, "ignore_eos": True, "stream": True}


@pytest.mark.slow
def test_client_gone_mid_stream_frees_blocks_within_one_step(served: tuple[str, Path],
                                                             model: str) -> None:
    url, log = served
    with httpx.Client(base_url=url, timeout=120) as http:
        body = chat(model, "Count from 1 to 5000, separated by commas.")
        with http.stream("POST", CHAT, json=body) as resp:
            assert resp.status_code == 200
            data = (line[6:] for line in resp.iter_lines() if line.startswith("data: "))
            chunks = [json.loads(d) for d in islice(data, 6)]  # the role, then 5 tokens
            during = load(http)
        # Leaving the `with` with the body unread closes the connection: the client is gone.
        assert all(c["choices"][0]["finish_reason"] is None for c in chunks)
        assert during.running == 1 and during.used_blocks > 0
        after = idle(http, during.steps)
    asked, freed = abort_record(log, chunks[0]["id"])
    assert during.steps <= asked, "the abort was asked before the client left"
    assert freed - asked <= 1, f"asked after step {asked}, blocks freed after step {freed}"
    # Nothing stepped after the free: the engine's clock stopped where its log says.
    assert after.steps == freed


@pytest.mark.slow
def test_client_gone_mid_prefill_is_noticed_without_a_write(served: tuple[str, Path],
                                                            model: str) -> None:
    """A long prompt's prefill is dozens of steps in which the stream sends nothing: the server
    must notice the client leave from the connection, not from a failed write of a token."""
    url, log = served
    with httpx.Client(base_url=url, timeout=120) as http:
        before = load(http)
        body = chat(model, "Repeat after me: " + "lorem ipsum dolor sit amet " * 250)
        with http.stream("POST", CHAT, json=body) as resp:
            assert resp.status_code == 200
            # Held in a name: an iterator dropped unfinished closes the connection with it.
            lines = resp.iter_lines()
            role = json.loads(next(line for line in lines if line.startswith("data: "))[6:])
            for _ in range(10_000):  # until the prefill is a few steps in
                held = load(http)
                if held.steps >= before.steps + 3:
                    break
            assert held.running == 1 and held.generated == before.generated, "not prefilling"
        assert role["choices"][0]["delta"] == {"role": "assistant", "content": ""}
        after = idle(http, held.steps)
    asked, freed = abort_record(log, role["id"])
    assert held.steps <= asked, "the abort was asked before the client left"
    assert freed - asked <= 1, f"asked after step {asked}, blocks freed after step {freed}"
    assert after.steps == freed
    prompt = after.prompt_tokens - before.prompt_tokens
    assert freed - before.steps < prompt // 32, "the prefill was over before the abort"
    assert after.generated == before.generated, "a token was sampled after the client left"


# ---- a disk that fills during an upload -------------------------------------------------------


@dataclass(frozen=True)
class FullDisk:
    url: str
    home: Path
    log: Path
    too_big: int  # an upload that cannot fit


CAP = 2 << 20  # RLIMIT_FSIZE: above the database (~300 KB with its WAL), below the upload
TMPFS = 4 << 20  # the tmpfs holds the database and whatever uploads fit


@pytest.fixture(params=["EFBIG: RLIMIT_FSIZE", "ENOSPC: tmpfs"])
def full_disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FullDisk]:
    home, log = tmp_path / "home", tmp_path / "server.log"
    home.mkdir()
    mounted = request.param.startswith("ENOSPC")
    if mounted:
        made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS}", "tmpfs", str(home)],
                              capture_output=True, text=True)
        if made.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({made.stderr.strip()}); the "
                        "RLIMIT_FSIZE case covers the server path, /dev/full the ENOSPC mapping")
    try:
        with nullcontext() if mounted else file_size_limit(CAP):
            proc, url = launch(home, log)
        try:
            yield FullDisk(url, home, log, too_big=32 << 20)
        finally:
            stop(proc)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(home)], check=True)


def uploads_logged(log: Path) -> list[int]:
    """The status of every `POST /v1/files` in the server's access log."""
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [a["status"] for a in lines
            if a["logger"] == "hanlin.access" and a["message"].startswith("POST /v1/files")]


@pytest.mark.slow
def test_full_disk_during_upload_is_a_clear_507_and_keeps_nothing(full_disk: FullDisk) -> None:
    # The SDK as users run it, default retries included: the 507 must come back once.
    with openai.OpenAI(base_url=f"{full_disk.url}/v1", api_key="unused") as client:
        with pytest.raises(openai.InternalServerError) as err:
            client.files.create(file=("big.jsonl", b"x" * full_disk.too_big), purpose="fine-tune")
        error = err.value
        assert error.status_code == 507
        assert (error.type, error.code, error.param) == ("server_error", "insufficient_storage",
                                                         "file")
        assert "disk is full" in error.message and "no space left" in error.message
        assert error.response.headers["x-should-retry"] == "false"

        # Nothing registered, nothing left on disk, and the server serves on.
        assert client.files.list().data == []
        blobs = full_disk.home / "blobs"
        assert list((blobs / "tmp").iterdir()) == []
        assert [p for p in (blobs / "objects").rglob("*") if p.is_file()] == []
        assert httpx.get(f"{full_disk.url}/health").status_code == 200
        # Read after those answers: an access line is written just after its answer is sent.
        assert uploads_logged(full_disk.log) == [507], "the SDK sent the upload again"
        small = b'{"messages": [{"role": "user", "content": "hi"}]}\n' * 1000
        made = client.files.create(file=("small.jsonl", small), purpose="fine-tune")
        assert [f.id for f in client.files.list().data] == [made.id]
        assert client.files.content(made.id).read() == small


# ---- the mapping itself, in the blob store: both errnos, at a write and at the final flush -----


@pytest.mark.parametrize(("cause", "chunk", "count"), [
    (errno.ENOSPC, 1 << 16, 4),  # large writes go straight to the file: the first one fails
    (errno.ENOSPC, 100, 10),  # 1 KB stays in the write buffer until finish() flushes it
    (errno.EFBIG, 1 << 16, 4),
    (errno.EFBIG, 100, 10),
], ids=["ENOSPC-at-write", "ENOSPC-at-finish", "EFBIG-at-write", "EFBIG-at-finish"])
def test_blob_writer_turns_no_room_into_disk_full_and_keeps_nothing(
        tmp_path: Path, cause: int, chunk: int, count: int) -> None:
    store = BlobStore(tmp_path / "blobs")

    async def main() -> None:
        writer = store.writer(1 << 30)
        if cause == errno.ENOSPC:
            # /dev/full answers every write with ENOSPC; the writer's temp name points there.
            os.symlink("/dev/full", writer.path)
        limit = file_size_limit(chunk * count // 2) if cause == errno.EFBIG else nullcontext()
        with limit, pytest.raises(DiskFull) as err:
            async with writer as w:
                for _ in range(count):
                    await w.write(b"x" * chunk)
                await w.finish()
        assert isinstance(err.value.__cause__, OSError)
        assert err.value.__cause__.errno == cause
        assert list(store.tmp.iterdir()) == []

    asyncio.run(main())
