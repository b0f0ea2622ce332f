"""Start-up: from `hanlin serve` to the first answered request, and to the compiled decode step,
cold (an empty compile cache) and warm (the same cache again), against llama-server's start.

    .venv/bin/python bench/startup.py [--configs default] [--threads 2] [--runs 2]

Each configuration (bench/harness.py's HANLIN_* variables) starts `runs` times, one after another,
over one fresh compile cache (HANLIN_COMPILE_CACHE, inductor's kernels inside it): the first start
is cold, the later ones warm (the saved graphs loaded). Per start:
seconds from spawn to listening (`GET /v1/models` is 200), to the first streamed /v1/completions
answer of 8 tokens (sent at once, answered by eager steps while the compile runs) and to the
compiled step being ready (`/health`'s `compiled_decode`); then one batch-1 decode rate of 128
tokens, compiled. llama-server (bench/llama_cpp.py) starts on the same GGUF for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import llama_cpp  # noqa: E402
from bench.harness import (  # noqa: E402
    CONFIG_ENV,
    Served,
    hanlin_serve,
    stream_completion,
    wait_compiled_decode,
)

PROMPT = "Write a long story about a lighthouse. It begins like this:"


async def _complete(server: Served, body: dict, max_tokens: int) -> tuple[float, float]:
    """(seconds to the whole answer, decode tokens/s after the first token)."""
    async with httpx.AsyncClient(base_url=server.base, timeout=900) as client:
        t0 = time.perf_counter()
        r = await stream_completion(client, {**body, "prompt": PROMPT, "max_tokens": max_tokens,
                                             "temperature": 0, "ignore_eos": True})
    return time.perf_counter() - t0, (max_tokens - 1) / max(r.total - r.ttft, 1e-9)


def hanlin_start(config: str, threads: int) -> dict[str, float]:
    t0 = time.monotonic()
    server = hanlin_serve(threads=threads, env=CONFIG_ENV[config], timeout_s=1800,
                          wait_compiled=False)
    try:
        listening = time.monotonic() - t0
        body = {"model": "smollm2-135m-instruct"}
        asyncio.run(_complete(server, body, 8))
        first = time.monotonic() - t0
        wait_compiled_decode(server, 1800)
        compiled = time.monotonic() - t0
        _, decode = asyncio.run(_complete(server, body, 128))
    finally:
        server.close()
    return {"listening": listening, "first": first, "compiled": compiled, "decode1": decode}


def llama_start(threads: int) -> dict[str, float]:
    from engine.loaders.default_model import resolve_model_path

    t0 = time.monotonic()
    server = llama_cpp.llama_server(resolve_model_path("smollm2-135m-instruct"), threads=threads,
                                    ctx=16384, parallel=16, unified_kv=True)
    try:
        listening = time.monotonic() - t0
        asyncio.run(_complete(server, {"cache_prompt": False}, 8))
        first = time.monotonic() - t0
        _, decode = asyncio.run(_complete(server, {"cache_prompt": False}, 128))
    finally:
        server.close()
    return {"listening": listening, "first": first, "compiled": first, "decode1": decode}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", default="default",
                    help=f"comma-separated, of: {', '.join(CONFIG_ENV)}")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=2, help="starts per configuration: cold, warm...")
    args = ap.parse_args()
    rows: list[tuple[str, dict[str, float]]] = []
    for config in args.configs.split(","):
        with tempfile.TemporaryDirectory(prefix="hanlin-compiled-") as cache:
            os.environ["HANLIN_COMPILE_CACHE"] = cache
            os.environ.pop("TORCHINDUCTOR_CACHE_DIR", None)
            for run in range(args.runs):
                label = f"hanlin {config}, {'cold' if run == 0 else 'warm'}"
                rows.append((label, hanlin_start(config, args.threads)))
                print(label, rows[-1], file=sys.stderr, flush=True)
    if not llama_cpp.missing():
        rows.append((f"llama-server {llama_cpp.version()}", llama_start(args.threads)))
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\nStart-up, SmolLM2-135M-Instruct (Q4_1 GGUF), {now}, {platform.machine()}, "
          f"{args.threads} threads. Seconds from spawn; decode: one 128-token greedy request "
          "after compiling.\n")
    print("| server | listening s | first answer s | compiled s | batch-1 decode tok/s |")
    print("|---|---:|---:|---:|---:|")
    for label, r in rows:
        print(f"| {label} | {r['listening']:.1f} | {r['first']:.1f} | {r['compiled']:.1f} | "
              f"{r['decode1']:.1f} |")


if __name__ == "__main__":
    main()
