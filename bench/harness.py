"""What the serving benchmarks share: `hanlin serve` and other servers as subprocesses that are
ready on 127.0.0.1 when constructed, hanlin's benchmark configurations, percentiles, and one
timed streamed /v1/completions request (the same client code for hanlin and llama-server)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]

# `hanlin serve` configurations by name, as HANLIN_* variables. Each names every engine choice,
# so a change of the serving defaults (engine.config.SERVING_DEFAULTS) changes "default" only.
_EAGER, _COMPILED = {"HANLIN_COMPILE": "0"}, {"HANLIN_COMPILE": "1"}
_INT4, _INT8KV = {"HANLIN_WEIGHTS": "int4"}, {"HANLIN_KV_CACHE_DTYPE": "int8"}
CONFIG_ENV: dict[str, dict[str, str]] = {
    "default": {},  # what `make serve` runs: int4 from the Q4_1 file, bf16 KV, compiled
    "exact": {"HANLIN_EXACT": "1"},  # `--exact`: dense fp32, eager
    "float32": {"HANLIN_WEIGHTS": "dense", "HANLIN_DTYPE": "float32", **_EAGER},
    "bfloat16": {"HANLIN_WEIGHTS": "dense", "HANLIN_DTYPE": "bfloat16", **_EAGER},
    "int4": {**_INT4, **_EAGER},
    "int4+int8kv": {**_INT4, **_INT8KV, **_EAGER},
    "bfloat16+compile": {"HANLIN_WEIGHTS": "dense", "HANLIN_DTYPE": "bfloat16", **_COMPILED},
    "int4+compile": {**_INT4, **_COMPILED},
    "int4+int8kv+compile": {**_INT4, **_INT8KV, **_COMPILED},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


class Served:
    """A server subprocess listening on `base` once constructed (GET `ready_path` is 200), which
    took `start_s` seconds from spawn. Its output goes to a log file in its own temporary folder,
    whose tail a failed start quotes."""

    def __init__(self, cmd: list[str], *, env: dict[str, str], port: int, what: str,
                 ready_path: str = "/health", timeout_s: float = 900.0,
                 home: tempfile.TemporaryDirectory | None = None) -> None:
        self.what = what
        self.compile_s = 0.0  # hanlin_serve: from listening to a compiled decode step
        self.home = home or tempfile.TemporaryDirectory(prefix="hanlin-bench-")
        self.log = Path(self.home.name) / "server.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out,
                                         stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        deadline = started + timeout_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + ready_path).status_code == 200:
                    self.start_s = time.monotonic() - started  # from spawn to ready
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                tail = self.log_tail()
                self.close()
                raise RuntimeError(f"{what} exited with {self.proc.returncode}: {tail}")
            time.sleep(0.2)
        self.close()
        raise RuntimeError(f"{what} not ready after {timeout_s:.0f} s")

    def log_tail(self, lines: int = 3) -> str:
        text = self.log.read_text(errors="replace").strip().splitlines()
        return " | ".join(text[-lines:])

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.home.cleanup()


def hanlin_serve(*flags: str, threads: int, env: dict[str, str] | None = None,
                 timeout_s: float = 900.0, wait_compiled: bool = True) -> Served:
    """`hanlin serve` with its own data folder (several run side by side) and `threads`. Ready
    once it lists its models and (`wait_compiled`) its compiled decode step, which builds in the
    background after the server listens, is ready or off: a benchmark measures the steady
    state. `compile_s` is the seconds from listening to compiled."""
    port = free_port()
    home = tempfile.TemporaryDirectory(prefix="hanlin-bench-")
    full_env = dict(os.environ, HANLIN_THREADS=str(threads), HANLIN_HOME=home.name, **(env or {}))
    server = Served([sys.executable, "-m", "server.cli", "serve", "--port", str(port), *flags],
                    env=full_env, port=port, what=f"hanlin serve {' '.join(flags)}".strip(),
                    ready_path="/v1/models", timeout_s=timeout_s, home=home)
    if not wait_compiled:
        return server
    server.compile_s = wait_compiled_decode(server, timeout_s)
    return server


def compiled_state(server: Served) -> str:
    """The server's compiled decode step: off, building, ready or failed (its /health)."""
    return httpx.get(server.base + "/health").json()["compiled_decode"]


def wait_compiled_decode(server: Served, timeout_s: float) -> float:
    """Seconds until the server's compiled decode step is no longer building (ready or off);
    a failed compile closes the server and raises."""
    started = time.monotonic()
    while (state := compiled_state(server)) == "building":
        if time.monotonic() - started > timeout_s:
            server.close()
            raise RuntimeError(f"{server.what}: not compiled after {timeout_s:.0f} s")
        time.sleep(1)
    if state == "failed":
        server.close()
        raise RuntimeError(f"{server.what}: the compile failed: {server.log_tail()}")
    return time.monotonic() - started


@dataclass(frozen=True)
class Timed:
    """One streamed completion seen from the client: seconds to the first and last token event
    after sending, and the completion tokens the server's usage counted."""

    ttft: float
    total: float
    tokens: int


async def stream_completion(client: httpx.AsyncClient, body: dict) -> Timed:
    """POST /v1/completions with `stream` and usage on; every event with a choice is a token
    (both servers send one per token, empty text included)."""
    body = {**body, "stream": True, "stream_options": {"include_usage": True}}
    t0 = time.perf_counter()
    first, tokens = None, -1
    async with client.stream("POST", "/v1/completions", json=body) as r:
        r.raise_for_status()
        async for line in r.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            if first is None and '"choices":[{' in line.replace(" ", ""):
                first = time.perf_counter()
            if '"usage"' in line:
                usage = json.loads(line[6:]).get("usage") or {}
                tokens = usage.get("completion_tokens", tokens)
    end = time.perf_counter()
    return Timed((first or end) - t0, end - t0, tokens)


async def stream_all(base: str, body: dict, prompts: list[list[int]], max_tokens: int,
                     what: str, timeout_s: float = 1800) -> tuple[float, list[Timed]]:
    """Every prompt (token ids) streamed at once through `stream_completion` with `body` and
    `max_tokens` (`ignore_eos`): (wall seconds, one Timed per prompt). A completion of another
    length (the server stopped early or counted otherwise) raises, naming `what`."""
    limits = httpx.Limits(max_connections=len(prompts) + 4)
    async with httpx.AsyncClient(base_url=base, timeout=timeout_s, limits=limits) as client:
        t0 = time.perf_counter()
        res = await asyncio.gather(*(stream_completion(client, {
            **body, "prompt": ids, "max_tokens": max_tokens, "ignore_eos": True})
            for ids in prompts))
        wall = time.perf_counter() - t0
    if bad := [r.tokens for r in res if r.tokens != max_tokens]:
        raise RuntimeError(f"{what}: completions of {bad} tokens, not {max_tokens}")
    return wall, res
