"""Load test (issue 9): 200 concurrent streaming chats plus 50 whole ones, mixed lengths, against
`hanlin serve` with the default model on loopback. Every request must complete or be refused with
429 / 503 and `retry-after`; no 5xx, no stream cut without an error event; the server's memory
stays bounded and every KV block is free afterwards. Bounded in count and time.

    .venv/bin/python bench/load.py [--streams 200] [--whole 50] [--timeout 900] [--env K=V ...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.serving import free_port, pct  # noqa: E402

MODEL = "smollm2-135m-instruct"
LENGTHS = [8, 16, 32, 64, 128]
QUESTIONS = ["Tell me about the sea.", "Write a poem about trains.", "What is a prime number?",
             "Describe a forest at night.", "Explain how bread rises.", "Name three planets."]


@dataclass
class Outcome:
    kind: str  # ok | refused | server_error | truncated | client_error | transport
    status: int = 0
    ttft: float | None = None
    tokens: int = 0
    retry_after: str | None = None
    detail: str = ""


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(o.kind == kind for o in self.outcomes)


def _body(i: int, stream: bool) -> dict:
    rng = random.Random(i)
    body = {"model": MODEL, "temperature": 0.7, "seed": i, "max_tokens": rng.choice(LENGTHS),
            "messages": [{"role": "user", "content": rng.choice(QUESTIONS)}]}
    if stream:
        body |= {"stream": True, "stream_options": {"include_usage": True}}
    return body


def _refusal(r: httpx.Response, body: bytes) -> Outcome:
    if r.status_code in (429, 503):
        after = r.headers.get("retry-after")
        return Outcome("refused" if after else "refused_without_retry_after", r.status_code,
                       retry_after=after)
    kind = "server_error" if r.status_code >= 500 else "client_error"
    return Outcome(kind, r.status_code, detail=body[:200].decode(errors="replace"))


async def streamed(client: httpx.AsyncClient, i: int) -> Outcome:
    t0 = time.perf_counter()
    ttft, tokens, finished, errored = None, 0, False, False
    async with client.stream("POST", "/v1/chat/completions", json=_body(i, True)) as r:
        if r.status_code != 200:
            return _refusal(r, await r.aread())
        async for line in r.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if "error" in chunk:
                errored = True
                continue
            for choice in chunk.get("choices", []):
                if choice["delta"].get("content") and ttft is None:
                    ttft = time.perf_counter() - t0
                finished |= choice.get("finish_reason") is not None
            if chunk.get("usage"):
                tokens = chunk["usage"]["completion_tokens"]
    if finished:
        return Outcome("ok", 200, ttft=ttft, tokens=tokens)
    return Outcome("cut_with_error_event" if errored else "truncated", 200)


async def whole(client: httpx.AsyncClient, i: int) -> Outcome:
    t0 = time.perf_counter()
    r = await client.post("/v1/chat/completions", json=_body(i, False))
    if r.status_code != 200:
        return _refusal(r, r.content)
    return Outcome("ok", 200, ttft=time.perf_counter() - t0,
                   tokens=r.json()["usage"]["completion_tokens"])


async def guarded(coro) -> Outcome:  # noqa: ANN001
    try:
        return await coro
    except httpx.HTTPError as exc:
        return Outcome("transport", detail=f"{type(exc).__name__}: {exc}"[:200])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def sample_rss(pid: int, peak: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_mib(pid))
        await asyncio.sleep(0.5)


async def run(base: str, pid: int, streams: int, wholes: int, timeout: float) -> dict:
    limits = httpx.Limits(max_connections=streams + wholes + 8)
    peak, stop = [rss_mib(pid)], asyncio.Event()
    idle_rss = peak[0]
    sampler = asyncio.create_task(sample_rss(pid, peak, stop))
    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as client:
        t0 = time.perf_counter()
        jobs = [guarded(streamed(client, i)) for i in range(streams)]
        jobs += [guarded(whole(client, streams + i)) for i in range(wholes)]
        tally = Tally(list(await asyncio.gather(*jobs)))
        wall = time.perf_counter() - t0
        await asyncio.sleep(1.0)  # let the last steps finish their bookkeeping
        health = (await client.get("/health")).json()
    stop.set()
    await sampler
    ok = [o for o in tally.outcomes if o.kind == "ok"]
    ttfts = [o.ttft for o in ok if o.ttft is not None]
    kinds = sorted({o.kind for o in tally.outcomes})
    return {
        "requests": len(tally.outcomes), "wall_s": wall,
        "by_kind": {k: tally.count(k) for k in kinds},
        "statuses": sorted({o.status for o in tally.outcomes if o.kind != "ok"}),
        "tokens_per_s": sum(o.tokens for o in ok) / wall,
        "ttft_p50_s": pct(ttfts, 50) if ttfts else None,
        "ttft_p99_s": pct(ttfts, 99) if ttfts else None,
        "rss_idle_mib": idle_rss, "rss_peak_mib": peak[0],
        "kv_blocks_total": health["kv_blocks_total"],
        "kv_blocks_free_after": health["kv_blocks_free"],
        "kv_blocks_cached_after": health["kv_blocks_cached"],  # free too: reusable on demand
        "running_after": health["running"], "waiting_after": health["waiting"],
        "errors": [o.detail for o in tally.outcomes if o.detail][:5],
        "median_tokens": statistics.median([o.tokens for o in ok]) if ok else 0,
    }


def serve(env: dict[str, str]) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    home = Path(tempfile.mkdtemp(prefix="hanlin-load-"))
    log = home / "server.log"
    cmd = [sys.executable, "-m", "server.cli", "serve", "--model", MODEL, "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=os.environ | {"HANLIN_HOME": str(home)} | env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return proc, base, log
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            sys.exit(f"server exited:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    proc.kill()
    sys.exit("server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--whole", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--env", action="append", default=[], help="K=V for the server")
    args = parser.parse_args()
    env = dict(kv.split("=", 1) for kv in args.env)
    proc, base, _ = serve(env)
    try:
        result = asyncio.run(run(base, proc.pid, args.streams, args.whole, args.timeout))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    print(json.dumps(result, indent=1))
    bad = {k: v for k, v in result["by_kind"].items() if k not in ("ok", "refused")}
    print("| requests | ok | refused (429/503 + retry-after) | other | tokens/s | TTFT p50 s | "
          "TTFT p99 s | RSS idle -> peak MiB | KV free after |")
    print("|---:|---:|---:|---|---:|---:|---:|---|---|")
    print(f"| {result['requests']} | {result['by_kind'].get('ok', 0)} | "
          f"{result['by_kind'].get('refused', 0)} | {bad or 'none'} | "
          f"{result['tokens_per_s']:.0f} | {result['ttft_p50_s'] or 0:.2f} | "
          f"{result['ttft_p99_s'] or 0:.2f} | {result['rss_idle_mib']:.0f} -> "
          f"{result['rss_peak_mib']:.0f} | {result['kv_blocks_free_after']}/"
          f"{result['kv_blocks_total']} |")


if __name__ == "__main__":
    main()
