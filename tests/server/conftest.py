"""One live `hanlin serve` subprocess (real default model) shared by every server test, and the
clients that talk to it: the official OpenAI SDK and plain httpx.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from openai.types.fine_tuning import FineTuningJob

from engine.config import DEFAULT_MODEL

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 300


FINAL = ("succeeded", "failed", "cancelled")  # a fine-tuning job's last statuses


def wait_for_job(client: openai.OpenAI, job_id: str, until: tuple[str, ...] = FINAL,
                 timeout: float = 240, poll: float = 0.5) -> FineTuningJob:
    """Poll a fine-tuning job until its status is one of `until`; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.fine_tuning.jobs.retrieve(job_id)
        if job.status in until:
            return job
        time.sleep(poll)
    raise AssertionError(f"job {job_id} still {job.status} after {timeout}s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _wait_until_ready(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"hanlin serve exited with {proc.returncode}:\n{_log_tail(log)}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"hanlin serve not ready after {STARTUP_TIMEOUT_S}s:\n{_log_tail(log)}")


def _hanlin_env(*, exact_path: bool = True) -> dict[str, str]:
    """The caller's environment with the engine pinned to 2 threads (the CI machines' cores) and,
    unless `exact_path` is False, to the exact path (tests/conftest.py's EXACT_PATH)."""
    from tests.conftest import COMPILE_CACHE, EXACT_PATH

    env = {k: v for k, v in os.environ.items() if not k.startswith("HANLIN_")}
    return env | (EXACT_PATH if exact_path else {}) | COMPILE_CACHE | {"HANLIN_THREADS": "2"}


@pytest.fixture(scope="session")
def hanlin_env() -> dict[str, str]:
    return _hanlin_env()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


def hanlin_keys(home: Path, *args: str) -> str:
    """Run `hanlin keys ARGS` on the database under `home`; its standard output."""
    done = subprocess.run([sys.executable, "-m", "server.cli", "keys", *args], cwd=REPO,
                          env=_hanlin_env() | {"HANLIN_HOME": str(home), "COLUMNS": "200"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def new_key(home: Path, name: str, scope: str) -> str:
    """A new key (`admin` or `user` scope) made with `hanlin keys create`; its secret."""
    import re

    out = hanlin_keys(home, "create", "--name", name, "--scope", scope)
    return re.search(r"(hl-[A-Za-z0-9_-]+)", out).group(1)


UPLOAD_CAP = 100 * 1024 * 1024  # the "2 GB file against a 100 MB cap"


def launch(home: Path, log: Path, *, host: str = "127.0.0.1",
           model: str | list[str] = DEFAULT_MODEL, exact_path: bool = True,
           **extra_env: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start `hanlin serve` (the default model unless `model`; several: `--model` each) with its
    state under `home`; wait until ready. exact_path=False: the serving defaults, not the
    suite's fp32 eager pin."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    models = [model] if isinstance(model, str) else model
    cmd = [sys.executable, "-m", "server.cli", "serve", *(f"--model={m}" for m in models),
           "--host", host, "--port", str(port)]
    env = _hanlin_env(exact_path=exact_path) | {"HANLIN_HOME": str(home),
                                                "HANLIN_MAX_FILE_BYTES": str(UPLOAD_CAP)}
    # Output goes to a file, not a pipe: a pipe nobody reads would block the server once full.
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env | extra_env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        _wait_until_ready(proc, url, log)
    except BaseException:
        stop(proc)
        raise
    return proc, url


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def server_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HANLIN_HOME of the shared server: its database and blobs."""
    return tmp_path_factory.mktemp("hanlin-home")


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory, server_home: Path) -> Iterator[str]:
    log = tmp_path_factory.mktemp("hanlin-serve") / "server.log"
    proc, url = launch(server_home, log)
    try:
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def model() -> str:
    return DEFAULT_MODEL


@pytest.fixture
def client(server_url: str) -> Iterator[openai.OpenAI]:
    # No retries: a 5xx must fail the test, not be hidden by the SDK's retry loop.
    with openai.OpenAI(base_url=f"{server_url}/v1", api_key="unused", max_retries=0) as c:
        yield c


@pytest.fixture
def http(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=120) as c:
        yield c
