"""Fairness between keys (issue 19, W13): a small request's latency while another key's giant one
runs, with the scheduler's fair share on and off (HANLIN_SCHEDULER_FAIRNESS=0: plain FCFS).

Two `hanlin serve` (default model, keys A and B each), one per setting, measured in interleaved
rounds: B's streamed 10-token chat alone (time to first token and in all), then again `--delay` s
after A's giant requests are running (long prompts, n as large as the per-request budget and
HANLIN_MAX_N allow), which are then cancelled. Medians over the rounds, and their ratios.

    .venv/bin/python bench/fairness.py [--rounds 3] [--giants 1] [--prompt-tokens 8000]
        [--max-tokens 192] [--delay 0.5] [--threads 2] [--kv-gb 1] [--step-tokens 512]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.serving import free_port  # noqa: E402
from engine.config import DEFAULT_MODEL, REQUEST_BUDGET_CONTEXTS  # noqa: E402

CONTEXT = 8192  # the default model's
MAX_N = 16  # the server's default HANLIN_MAX_N
SMALL = {"model": DEFAULT_MODEL, "max_tokens": 10, "temperature": 0, "ignore_eos": True,
         "messages": [{"role": "user", "content": "Count from one to ten."}]}


class Server:
    """`hanlin serve` in a subprocess with keys A and B (and an admin key to read /metrics)."""

    def __init__(self, fairness: bool, args: argparse.Namespace) -> None:
        self.fairness = fairness
        self.home = tempfile.TemporaryDirectory(prefix="hanlin-fair-")
        env = {k: v for k, v in os.environ.items() if not k.startswith("HANLIN_")}
        self.env = env | {"HANLIN_HOME": self.home.name, "HANLIN_THREADS": str(args.threads),
                          "HANLIN_KV_CACHE_GB": str(args.kv_gb),
                          "HANLIN_MAX_BATCHED_TOKENS": str(args.step_tokens),
                          "HANLIN_SCHEDULER_FAIRNESS": "1" if fairness else "0"}
        self.keys = {who: self._key(who, "admin" if who == "ops" else "user")
                     for who in ("ops", "A", "B")}
        port = free_port()
        self.log = open(Path(self.home.name) / "server.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port",
                                      str(port)], cwd=ROOT, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(1500):  # up to 5 minutes
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base + "/health").status_code == 200:
                    return
            if self.proc.poll() is not None:
                raise RuntimeError(f"hanlin serve exited with {self.proc.returncode}")
            time.sleep(0.2)
        raise RuntimeError("hanlin serve did not start")

    def _key(self, name: str, scope: str) -> str:
        out = subprocess.run([sys.executable, "-m", "server.cli", "keys", "create", "--name", name,
                              "--scope", scope], cwd=ROOT, env=self.env, capture_output=True,
                             text=True, check=True).stdout
        return re.search(r"(hl-[A-Za-z0-9_-]+)", out).group(1)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()
        self.home.cleanup()


async def small(client: httpx.AsyncClient, server: Server) -> tuple[float, float]:
    """B's chat, streamed: (seconds to its first token, seconds in all)."""
    t0 = time.perf_counter()
    first, tokens = None, 0
    async with client.stream("POST", "/v1/chat/completions", headers=server.headers("B"),
                             json=SMALL | {"stream": True}) as r:
        r.raise_for_status()
        async for line in r.aiter_lines():
            if not line.startswith("data: {"):
                continue
            delta = json.loads(line[6:])["choices"][0]["delta"]
            if delta.get("content"):
                first = first or time.perf_counter() - t0
                tokens += 1
    assert first is not None and tokens > 1, "B's stream brought no tokens"
    return first, time.perf_counter() - t0


async def giant(client: httpx.AsyncClient, server: Server, body: dict) -> None:
    """A's request, streamed so that cancelling it hangs up (which aborts it in the engine)."""
    async with client.stream("POST", "/v1/completions", json=body,
                             headers=server.headers("A")) as r:
        if r.status_code != 200:
            raise RuntimeError(f"giant request refused: {r.status_code} {await r.aread()!r}")
        async for _ in r.aiter_lines():
            pass


async def load(client: httpx.AsyncClient, server: Server) -> float:
    """Requests running and waiting in the engine, as of its last step."""
    text = (await client.get("/metrics", headers=server.headers("ops"))).text
    busy = re.findall(r"^hanlin_requests_(?:running|waiting) (\S+)$", text, re.M)
    assert len(busy) == 2, "no engine load in /metrics"
    return sum(float(v) for v in busy)


async def idle(client: httpx.AsyncClient, server: Server) -> None:
    """Until the engine runs and queues nothing (an abort frees at the next step boundary)."""
    while await load(client, server):
        await asyncio.sleep(0.2)


def shape(args: argparse.Namespace) -> tuple[int, int]:
    """A's prompt length and n: as many choices as the default budget and HANLIN_MAX_N allow."""
    budget = REQUEST_BUDGET_CONTEXTS * CONTEXT
    return args.prompt_tokens, min(budget // (args.prompt_tokens + args.max_tokens), MAX_N)


async def one_round(server: Server, args: argparse.Namespace, r: int) -> dict[str, float]:
    """B alone, then B `delay` s after A's giant requests are running; A is cancelled after."""
    prompt_len, n = shape(args)
    async with httpx.AsyncClient(base_url=server.base, timeout=900) as client:
        await idle(client, server)
        alone = await small(client, server)
        # A different prompt each round and giant: the prefix cache must not serve a repeat.
        bodies = [{"model": DEFAULT_MODEL, "n": n, "max_tokens": args.max_tokens,
                   "stream": True, "temperature": 1.0,
                   "prompt": [100 + 10 * r + g] + [(7 * i + g) % 5000 + 200
                                                   for i in range(prompt_len - 1)]}
                  for g in range(args.giants)]
        tasks = [asyncio.create_task(giant(client, server, b)) for b in bodies]
        while not await load(client, server):  # A's requests are in the engine
            await asyncio.sleep(0.02)
        await asyncio.sleep(args.delay)
        try:
            loaded = await small(client, server)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        await idle(client, server)
    return {"ttft": alone[0], "total": alone[1], "loaded_ttft": loaded[0],
            "loaded_total": loaded[1]}


MODES = ((True, "fair share (default)"), (False, "FCFS (`HANLIN_SCHEDULER_FAIRNESS=0`)"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--giants", type=int, default=1, help="A's concurrent giant requests")
    ap.add_argument("--prompt-tokens", type=int, default=CONTEXT - 192, help="A's prompt")
    ap.add_argument("--max-tokens", type=int, default=192, help="A's max_tokens per choice")
    ap.add_argument("--delay", type=float, default=0.5,
                    help="s between A's requests running and B's request")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--kv-gb", type=float, default=1.0, help="each server's KV cache")
    ap.add_argument("--step-tokens", type=int, default=512,
                    help="HANLIN_MAX_BATCHED_TOKENS: tokens an engine step computes")
    args = ap.parse_args()
    started = time.perf_counter()
    servers = {True: Server(True, args), False: Server(False, args)}
    results: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    try:
        for r in range(args.rounds):  # interleaved, the order alternating between rounds
            for fairness in ((True, False) if r % 2 == 0 else (False, True)):
                m = asyncio.run(one_round(servers[fairness], args, r))
                results[fairness].append(m)
                print(f"round {r} fairness={'on' if fairness else 'off'}: "
                      + ", ".join(f"{k} {v:.2f} s" for k, v in m.items()), file=sys.stderr)
    finally:
        for s in servers.values():
            s.close()
    prompt_len, n = shape(args)
    med = {f: {k: statistics.median(m[k] for m in rs) for k in rs[0]} for f, rs in results.items()}
    threads = f"{args.threads} thread{'s' if args.threads > 1 else ''}"
    print(f"\n{datetime.date.today()}, {DEFAULT_MODEL}, fp32, {threads}, "
          f"{args.step_tokens} tokens a step, "
          f"{args.rounds} interleaved rounds (medians), {time.perf_counter() - started:.0f} s in "
          f"all. A: {args.giants} x streamed completions, n={n}, {prompt_len} prompt tokens, "
          f"max_tokens {args.max_tokens} (n x (prompt + max_tokens) = "
          f"{n * (prompt_len + args.max_tokens)}, within the default budget of "
          f"{REQUEST_BUDGET_CONTEXTS} x {CONTEXT}); B: a streamed 10-token chat {args.delay:g} s "
          "after A's requests run.\n")
    print("| scheduler | B alone: TTFT s | total s | B under A's load: TTFT s | total s "
          "| slowdown TTFT | slowdown total |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for fairness, name in MODES:
        m = med[fairness]
        print(f"| {name} | {m['ttft']:.2f} | {m['total']:.2f} | {m['loaded_ttft']:.2f} | "
              f"{m['loaded_total']:.2f} | {m['loaded_ttft'] / m['ttft']:.1f}x | "
              f"{m['loaded_total'] / m['total']:.1f}x |")
    on, off = med[True], med[False]
    print(f"\nB under load, FCFS over fair share: TTFT "
          f"{off['loaded_ttft'] / on['loaded_ttft']:.1f}x, total "
          f"{off['loaded_total'] / on['loaded_total']:.1f}x")


if __name__ == "__main__":
    main()
