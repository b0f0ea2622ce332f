"""Serving benchmark: hanlin over HTTP vs Hugging Face transformers `generate`, same prompts, one run.

Measures (a) batch-1 decode tokens/s, (b) aggregate tokens/s and TTFT p50/p95 at 1, 8 and 32
concurrent requests, (c) prefill tokens/s of a 512-token prompt. Greedy, 128 output tokens,
2 threads by default. Prints a markdown table with hanlin / transformers ratios.

    .venv/bin/python bench/serving.py [--threads 2] [--configs float32,bfloat16,int4+int8kv] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOPICS = ["the ocean", "a mountain village", "computers", "the history of Rome", "coffee", "a robot",
          "winter", "mathematics", "a lighthouse", "music", "trains", "the moon", "gardening", "a city",
          "friendship", "rain", "bread", "the desert", "chess", "a library", "birds", "volcanoes",
          "a river", "the stars", "cooking", "forests", "a clock", "the wind", "painting", "islands",
          "bridges", "dreams"]
PROMPTS = [f"Write a long story about {t}. It begins like this:" for t in TOPICS]
OUT_TOKENS = 128


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


# -- hanlin over HTTP --------------------------------------------------------------------------

async def one_stream(client: httpx.AsyncClient, prompt, max_tokens: int) -> tuple[float, float, int]:
    body = {"model": "smollm2-135m-instruct", "prompt": prompt, "max_tokens": max_tokens,
            "temperature": 0, "stream": True, "ignore_eos": True}
    t0 = time.perf_counter()
    first, n = None, 0
    async with client.stream("POST", "/v1/completions", json=body) as r:
        r.raise_for_status()
        async for line in r.aiter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                if first is None:
                    first = time.perf_counter()
                n += 1
    return first - t0, time.perf_counter() - t0, n


async def hanlin_concurrency(base: str, n: int) -> dict:
    async with httpx.AsyncClient(base_url=base, timeout=600) as client:
        t0 = time.perf_counter()
        res = await asyncio.gather(*(one_stream(client, PROMPTS[i], OUT_TOKENS) for i in range(n)))
        wall = time.perf_counter() - t0
    ttfts = [r[0] for r in res]
    decode = [(OUT_TOKENS - 1) / (r[1] - r[0]) for r in res]
    return {"agg": n * OUT_TOKENS / wall, "ttft50": pct(ttfts, 50), "ttft95": pct(ttfts, 95),
            "decode1": statistics.median(decode)}


async def hanlin_prefill(base: str, ids: list[int]) -> float:
    async with httpx.AsyncClient(base_url=base, timeout=600) as client:
        ttft, _, _ = await one_stream(client, ids, 1)
    return len(ids) / ttft


CONFIG_ENV = {
    "float32": {"HANLIN_DTYPE": "float32"},
    "bfloat16": {"HANLIN_DTYPE": "bfloat16"},
    "int4": {"HANLIN_WEIGHTS": "int4"},
    "int4+int8kv": {"HANLIN_WEIGHTS": "int4", "HANLIN_KV_CACHE_DTYPE": "int8"},
}


def bench_hanlin(args, config: str, long_ids: list[int]) -> dict:
    port = free_port()
    env = dict(os.environ, HANLIN_THREADS=str(args.threads), **CONFIG_ENV[config])
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        asyncio.run(hanlin_concurrency(base, 2))  # warm-up
        out = {}
        for n in (1, 8, 32):
            runs = [asyncio.run(hanlin_concurrency(base, n)) for _ in range(args.repeats)]
            out[n] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        # A different first token each time: the prefix cache must not serve a repeat.
        out["prefill"] = statistics.median(asyncio.run(hanlin_prefill(base, [100 + i] + long_ids[1:]))
                                           for i in range(args.repeats))
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# -- transformers ------------------------------------------------------------------------------

def bench_transformers(args, long_ids: list[int]) -> dict:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from engine.loaders.default_model import resolve_model_path

    torch.set_num_threads(args.threads)
    path = resolve_model_path("smollm2-135m-instruct")
    tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    tok.padding_side = "left"
    tok.pad_token = tok.pad_token or tok.eos_token
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
    model.eval()

    def gen(n: int, new: int) -> float:
        enc = tok(PROMPTS[:n], return_tensors="pt", padding=True)
        t0 = time.perf_counter()
        with torch.inference_mode():
            model.generate(**enc, max_new_tokens=new, min_new_tokens=new, do_sample=False,
                           pad_token_id=tok.pad_token_id)
        return time.perf_counter() - t0

    gen(2, 4)  # warm-up
    out = {}
    for n in (1, 8, 32):
        ttft = statistics.median(gen(n, 1) for _ in range(args.repeats))
        total = statistics.median(gen(n, OUT_TOKENS) for _ in range(args.repeats))
        # generate() returns the whole batch at once: every request's first token comes with the
        # first step, so TTFT p50 = p95 = the batched prefill + one step.
        out[n] = {"agg": n * OUT_TOKENS / total, "ttft50": ttft, "ttft95": ttft,
                  "decode1": (OUT_TOKENS - 1) / (total - ttft)}
    ids = torch.tensor([long_ids])

    def prefill() -> float:
        t0 = time.perf_counter()
        with torch.inference_mode():
            model(ids)
        return time.perf_counter() - t0

    prefill()
    out["prefill"] = len(long_ids) / statistics.median(prefill() for _ in range(args.repeats))
    return out


def transformers_version() -> str:
    import transformers

    return transformers.__version__


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--configs", default="float32,bfloat16,int4+int8kv",
                    help="hanlin configurations, comma-separated: float32, bfloat16, int4, int4+int8kv")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from engine.loaders.default_model import resolve_model_path
    from engine.tokenizer import Tokenizer

    tok = Tokenizer.from_gguf(resolve_model_path("smollm2-135m-instruct"))
    long_ids = (tok.encode(" ".join(PROMPTS)) * 8)[:512]

    configs = args.configs.split(",")
    hs = [bench_hanlin(args, c, long_ids) for c in configs]
    t = bench_transformers(args, long_ids)
    # (name, key, higher is better)
    rows = [("(a) batch-1 decode tok/s", 1, "decode1", True)]
    for n in (1, 8, 32):
        rows.append((f"(b) {n:>2} concurrent: aggregate tok/s", n, "agg", True))
        rows.append((f"(b) {n:>2} concurrent: TTFT p50 s", n, "ttft50", False))
        rows.append((f"(b) {n:>2} concurrent: TTFT p95 s", n, "ttft95", False))
    rows.append(("(c) prefill 512 tokens, tok/s", "prefill", None, True))
    print(f"\nSmolLM2-135M-Instruct (Q4_1 GGUF), {args.threads} threads, greedy, "
          f"{OUT_TOKENS} output tokens; transformers {transformers_version()} fp32 generate; "
          f"medians of {args.repeats} runs. Speed-up: hanlin over transformers (>1 is faster).\n")
    head = " | ".join(f"hanlin {c}" for c in configs)
    ups = " | ".join(f"speed-up {c}" for c in configs)
    print(f"| measure | {head} | transformers | {ups} |")
    print("|---|" + "---:|" * (2 * len(configs) + 1))
    for name, n, key, higher in rows:
        vals = [h[n] if key is None else h[n][key] for h in hs]
        ref = t[n] if key is None else t[n][key]
        speed = [(v / ref if higher else ref / v) for v in vals]
        cells = " | ".join(f"{v:.3g}" for v in vals)
        sp = " | ".join(f"{x:.2f}x" for x in speed)
        print(f"| {name} | {cells} | {ref:.3g} | {sp} |")


if __name__ == "__main__":
    main()
