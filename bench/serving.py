"""Serving benchmark: hanlin over HTTP vs Hugging Face transformers `generate` and llama.cpp
(`llama-cpp-python`, on the same GGUF file), same prompts, one run.

Measures (a) batch-1 decode tokens/s, (b) aggregate tokens/s and TTFT p50/p95 at 1, 8 and 32
concurrent requests, (c) prefill tokens/s of a 512-token prompt. Greedy, 128 output tokens,
2 threads by default. Prints a markdown table with hanlin / peer ratios. llama-cpp-python is
installed for the benchmark only (not a project dependency); without it that column is skipped.

    .venv/bin/python bench/serving.py [--threads 2] [--configs float32,bfloat16,int4+int8kv]
        [--peers transformers,llama.cpp] [--repeats 3]
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
    "bfloat16+compile": {"HANLIN_DTYPE": "bfloat16", "HANLIN_COMPILE": "1"},
    "int4+compile": {"HANLIN_WEIGHTS": "int4", "HANLIN_COMPILE": "1"},
    "int4+int8kv+compile": {"HANLIN_WEIGHTS": "int4", "HANLIN_KV_CACHE_DTYPE": "int8",
                            "HANLIN_COMPILE": "1"},
}


def bench_hanlin(args, config: str, long_ids: list[int]) -> dict:
    port = free_port()
    env = dict(os.environ, HANLIN_THREADS=str(args.threads), **CONFIG_ENV[config])
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(3000):  # up to 10 minutes: compiled configs compile before listening
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


# -- llama.cpp ---------------------------------------------------------------------------------

def bench_llamacpp(args, prompt_ids: list[list[int]], long_ids: list[int]) -> dict | None:
    """llama-cpp-python's high-level `Llama` serves one sequence at a time: n "concurrent" requests
    arrive together and are served one after another, as a one-slot server would. A request's
    TTFT includes its wait for the ones before it. The KV cache is reset before every request so
    that no prompt prefix is reused (hanlin's prompts here are shorter than one 16-token block)."""
    try:
        import llama_cpp
    except ImportError:
        print("llama-cpp-python is not installed: skipping the llama.cpp column "
              '(CMAKE_ARGS="-DGGML_NATIVE=ON" .venv/bin/pip install llama-cpp-python)', file=sys.stderr)
        return None
    from engine.loaders.default_model import resolve_model_path

    llm = llama_cpp.Llama(model_path=str(resolve_model_path("smollm2-135m-instruct")),
                          n_threads=args.threads, n_threads_batch=args.threads, n_ctx=1024,
                          n_batch=512, logits_all=False, verbose=False)

    def one(ids: list[int], new: int) -> tuple[float, float]:
        """(prefill + first token, whole request) in seconds; greedy, EOS not checked (ignore_eos)."""
        llm.reset()
        t0, first, n = time.perf_counter(), 0.0, 0
        for _ in llm.generate(ids, temp=0.0, repeat_penalty=1.0, reset=True):
            n += 1
            if n == 1:
                first = time.perf_counter()
            if n == new:
                break
        return first - t0, time.perf_counter() - t0

    def concurrency(n: int) -> dict:
        t0 = time.perf_counter()
        ttfts, decode = [], []
        for ids in prompt_ids[:n]:
            start = time.perf_counter() - t0
            ttft, total = one(ids, OUT_TOKENS)
            ttfts.append(start + ttft)
            decode.append((OUT_TOKENS - 1) / (total - ttft))
        wall = time.perf_counter() - t0
        return {"agg": n * OUT_TOKENS / wall, "ttft50": pct(ttfts, 50), "ttft95": pct(ttfts, 95),
                "decode1": statistics.median(decode)}

    def prefill() -> float:
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(long_ids)
        return time.perf_counter() - t0

    one(prompt_ids[0], 4)  # warm-up
    out = {}
    for n in (1, 8, 32):
        runs = [concurrency(n) for _ in range(args.repeats)]
        out[n] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    prefill()
    out["prefill"] = len(long_ids) / statistics.median(prefill() for _ in range(args.repeats))
    return out


def llamacpp_version() -> str:
    import llama_cpp

    return llama_cpp.__version__


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--configs", default="float32,bfloat16,int4+int8kv",
                    help="hanlin configurations, comma-separated: float32, bfloat16, int4, int4+int8kv")
    ap.add_argument("--peers", default="transformers,llama.cpp", help="comma-separated: transformers, llama.cpp")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from engine.loaders.default_model import resolve_model_path
    from engine.tokenizer import Tokenizer

    tok = Tokenizer.from_gguf(resolve_model_path("smollm2-135m-instruct"))
    long_ids = (tok.encode(" ".join(PROMPTS)) * 8)[:512]

    configs = args.configs.split(",")
    hs = [bench_hanlin(args, c, long_ids) for c in configs]
    peers: dict[str, dict] = {}
    if "transformers" in args.peers:
        peers[f"transformers {transformers_version()}"] = bench_transformers(args, long_ids)
    if "llama.cpp" in args.peers:
        # The ids hanlin's server tokenizes the text prompts into (llama.cpp's own tokenizer gives
        # the same ids for these prompts): every engine sees the same tokens.
        lc = bench_llamacpp(args, [tok.encode(p) for p in PROMPTS], long_ids)
        if lc is not None:
            peers[f"llama.cpp (llama-cpp-python {llamacpp_version()})"] = lc
    # (name, key, higher is better)
    rows = [("(a) batch-1 decode tok/s", 1, "decode1", True)]
    for n in (1, 8, 32):
        rows.append((f"(b) {n:>2} concurrent: aggregate tok/s", n, "agg", True))
        rows.append((f"(b) {n:>2} concurrent: TTFT p50 s", n, "ttft50", False))
        rows.append((f"(b) {n:>2} concurrent: TTFT p95 s", n, "ttft95", False))
    rows.append(("(c) prefill 512 tokens, tok/s", "prefill", None, True))
    print(f"\nSmolLM2-135M-Instruct (Q4_1 GGUF), {args.threads} threads, greedy, {OUT_TOKENS} output "
          f"tokens; peers: {', '.join(peers) or 'none'}; medians of {args.repeats} runs. "
          "Speed-up: hanlin over the peer (>1 is faster).\n")
    short = {name: name.split()[0] for name in peers}
    head = [f"hanlin {c}" for c in configs] + list(short.values())
    head += [f"{c} vs {short[p]}" for p in peers for c in configs]
    print("| measure | " + " | ".join(head) + " |")
    print("|---|" + "---:|" * len(head))

    def get(r: dict, n, key):
        return r[n] if key is None else r[n][key]

    for name, n, key, higher in rows:
        vals = [get(h, n, key) for h in hs]
        refs = [get(peers[p], n, key) for p in peers]
        cells = [f"{v:.3g}" for v in vals + refs]
        cells += [f"{(v / ref if higher else ref / v):.2f}x" for ref in refs for v in vals]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
