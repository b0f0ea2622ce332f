"""HumanEval benchmark: the full 164 problems (greedy, temperature 0, n=1, pass@1) through the
evals runner and the sandbox, against a base URL or against `hanlin serve` launched here once per
engine config; prints wall time, pass@1 ± stderr and the unparsed rate per config.

    .venv/bin/python bench/humaneval.py [--configs bfloat16,float32,int4+int8kv] [--limit N]
        [--threads 2] [--concurrency 8] [--task humaneval|humaneval_chat]
    .venv/bin/python bench/humaneval.py --base-url http://127.0.0.1:8000/v1 --model ID
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import msgspec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.config import DEFAULT_MODEL  # noqa: E402
from evals import EndpointConfig, get_task, run_task  # noqa: E402
from evals.task import CodeExecution  # noqa: E402

CONFIG_FLAGS = {
    "bfloat16": ["--dtype", "bfloat16"],
    "float32": ["--dtype", "float32"],
    "int4": ["--weights", "int4"],
    "int4+int8kv": ["--weights", "int4", "--kv-cache-dtype", "int8"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(flags: list[str], threads: int, home: Path) -> tuple[subprocess.Popen, str]:
    """`hanlin serve` with `flags` on a free port; its log goes to home/server.log."""
    port = free_port()
    env = dict(os.environ, HANLIN_THREADS=str(threads), HANLIN_HOME=str(home))
    with open(home / "server.log", "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port),
                                 *flags], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"hanlin serve {' '.join(flags)} exited; see {home / 'server.log'}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return proc, f"{base}/v1"
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    proc.kill()
    sys.exit(f"hanlin serve {' '.join(flags)} was not ready in 300 s")


def measure(args: argparse.Namespace, base_url: str) -> dict:
    task = get_task(args.task)
    assert isinstance(task.mode, CodeExecution)
    gen = msgspec.structs.replace(task.mode.generate, max_tokens=args.max_tokens,
                                  temperature=0.0, samples=1)
    task = msgspec.structs.replace(task, mode=msgspec.structs.replace(task.mode, generate=gen))
    endpoint = EndpointConfig(base_url=base_url, model=args.model, concurrency=args.concurrency)
    start = time.perf_counter()
    run = asyncio.run(run_task(task, endpoint, limit=args.limit))  # no cache: a fresh measure
    wall = time.perf_counter() - start
    p1 = run.results.metric("pass@1")
    return {"n": run.results.counts.total, "errored": run.results.counts.errored, "wall": wall,
            "pass1": p1.value, "stderr": p1.stderr, "unparsed": run.results.unparsed_rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="measure this server instead of launching hanlin")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--configs", default="bfloat16",
                        help=f"comma-separated, of {', '.join(CONFIG_FLAGS)}")
    parser.add_argument("--task", default="humaneval", choices=["humaneval", "humaneval_chat"])
    parser.add_argument("--limit", type=int, help="only the first N problems (quick runs)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=512)
    args = parser.parse_args()

    rows = []
    if args.base_url:
        rows.append((args.base_url, measure(args, args.base_url)))
    else:
        for config in args.configs.split(","):
            with tempfile.TemporaryDirectory(prefix="bench-humaneval-") as home:
                proc, base_url = launch(CONFIG_FLAGS[config], args.threads, Path(home))
                try:
                    rows.append((f"hanlin {config}", measure(args, base_url)))
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
    threads = "" if args.base_url else f"{args.threads} engine threads, "
    print(f"\n{args.task}, {args.model}, greedy, n=1, max_tokens {args.max_tokens}, "
          f"{threads}concurrency {args.concurrency}\n")
    print("| server | problems | errored | wall s | pass@1 ± stderr | unparsed |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, r in rows:
        stderr = "-" if r["stderr"] is None else f"{r['stderr']:.3f}"
        print(f"| {label} | {r['n']} | {r['errored']} | {r['wall']:.1f} | {r['pass1']:.3f} ± "
              f"{stderr} | {r['unparsed']:.1%} |")


if __name__ == "__main__":
    main()
