"""Serving benchmark: hanlin over HTTP vs llama.cpp's own server (`llama-server`, on the same GGUF
file) and Hugging Face transformers `generate`, same prompts, same run.

Measures (a) batch-1 decode tokens/s, (b) aggregate tokens/s and TTFT p50/p95 at 1, 8 and 32
concurrent requests, (c) prefill tokens/s of a 512-token prompt, (d) for the servers, seconds from
spawn to ready. 128 output tokens (`ignore_eos`), greedy or at `--temperature`, 2 threads by
default. hanlin and llama-server are timed by one streaming client (bench/harness.py), fed the
same token ids; llama-server runs `--slots` slots (16) with continuous batching over one KV pool.
Every target (a `hanlin serve` per configuration, each peer) is started first; then rounds: each
runs every measure once on every target in turn, and the table shows medians over the rounds, so
the machine's slow spells fall on all targets alike. Prints a markdown table with hanlin / peer
ratios. llama-server comes from a llama.cpp build (bench/llama_cpp.py says where; not a project
dependency); without it that column is skipped, saying why.

    .venv/bin/python bench/serving.py [--threads 2] [--configs default,exact]
        [--in-process int4+int8kv+compile] [--peers transformers,llama.cpp] [--repeats 3]
        [--temperature 0.8] [--slots 16]

--in-process adds columns for hanlin's LLMEngine driven from this process with token ids: the
engine alone, without HTTP. The default temperature is 0.8, as users mostly sample; 0 is greedy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import llama_cpp  # noqa: E402
from bench.harness import CONFIG_ENV, Served, hanlin_serve, pct, stream_all  # noqa: E402

TOPICS = ["the ocean", "a mountain village", "computers", "the history of Rome", "coffee", "a robot",
          "winter", "mathematics", "a lighthouse", "music", "trains", "the moon", "gardening", "a city",
          "friendship", "rain", "bread", "the desert", "chess", "a library", "birds", "volcanoes",
          "a river", "the stars", "cooking", "forests", "a clock", "the wind", "painting", "islands",
          "bridges", "dreams"]
PROMPTS = [f"Write a long story about {t}. It begins like this:" for t in TOPICS]
OUT_TOKENS = 128


def median_round(rounds: list[dict]) -> dict:
    """Per measure, the median over the rounds."""
    out: dict = {n: {k: statistics.median(r[n][k] for r in rounds) for k in rounds[0][n]}
                 for n in (1, 8, 32)}
    for key in ("prefill", "start"):
        if key in rounds[0]:
            out[key] = statistics.median(r[key] for r in rounds)
    return out


def measures(n: int, wall: float, ttfts: list[float], decode: list[float]) -> dict:
    """One concurrency level's row: n requests of OUT_TOKENS in wall seconds, their TTFTs and
    per-request decode tokens/s."""
    return {"agg": n * OUT_TOKENS / wall, "ttft50": pct(ttfts, 50), "ttft95": pct(ttfts, 95),
            "decode1": statistics.median(decode)}


# -- servers over HTTP: hanlin and llama-server, one client ---------------------------------------

class HttpTarget:
    """A server measured through streamed /v1/completions (bench/harness.py's client, the same for
    every server): the prompts as token ids, `OUT_TOKENS` each (`ignore_eos`, checked against the
    server's usage), at the run's temperature. `extra` holds the server's own request fields."""

    def __init__(self, server: Served, args, prompt_ids: list[list[int]], long_ids: list[int],
                 extra: dict) -> None:
        self.server, self.prompt_ids, self.long_ids = server, prompt_ids, long_ids
        self.body = {**extra, "temperature": args.temperature}
        self.rounds = 0
        asyncio.run(self.concurrency(2))  # warm-up

    async def _streams(self, prompts: list[list[int]], max_tokens: int) -> tuple[float, list]:
        return await stream_all(self.server.base, self.body, prompts, max_tokens, self.server.what)

    async def concurrency(self, n: int) -> dict:
        wall, res = await self._streams(self.prompt_ids[:n], OUT_TOKENS)
        return measures(n, wall, [r.ttft for r in res],
                        [(OUT_TOKENS - 1) / (r.total - r.ttft) for r in res])

    def round(self) -> dict:
        out: dict = {n: asyncio.run(self.concurrency(n)) for n in (1, 8, 32)}
        # A different first token each round: no prefix cache may serve a repeat.
        self.rounds += 1
        ids = [100 + self.rounds] + self.long_ids[1:]
        _, (r,) = asyncio.run(self._streams([ids], 1))
        out["prefill"] = len(ids) / r.ttft
        out["start"] = self.server.start_s
        return out

    def close(self) -> None:
        self.server.close()


def hanlin_target(args, config: str, prompt_ids: list[list[int]], long_ids: list[int]) -> HttpTarget:
    """`hanlin serve` with one configuration (its HANLIN_* variables)."""
    server = hanlin_serve(threads=args.threads, env=CONFIG_ENV[config], timeout_s=3600)
    return HttpTarget(server, args, prompt_ids, long_ids, {"model": "smollm2-135m-instruct"})


def llama_server_target(args, prompt_ids: list[list[int]], long_ids: list[int]) -> HttpTarget:
    """llama.cpp's llama-server on the same GGUF: the run's threads, `--slots` slots with
    continuous batching over one KV pool of 1024 tokens a slot, no prompt cache kept between
    requests (`cache_prompt`, its own field)."""
    from engine.loaders.default_model import resolve_model_path

    server = llama_cpp.llama_server(resolve_model_path("smollm2-135m-instruct"),
                                    threads=args.threads, ctx=1024 * args.slots,
                                    parallel=args.slots, unified_kv=True)
    return HttpTarget(server, args, prompt_ids, long_ids, {"cache_prompt": False})


# -- hanlin in this process ------------------------------------------------------------------

class HanlinEngine:
    """hanlin's `LLMEngine` in this process with one configuration, fed token ids as llama.cpp is:
    engine against engine, with no HTTP server, SSE framing or client on the same two cores (the
    engine still detokenizes every delta, which llama.cpp's `generate` does not). Requests of a
    measure are submitted together and stepped to the end, as the server's engine thread does."""

    def __init__(self, args, config: str, prompt_ids: list[list[int]], long_ids: list[int]) -> None:
        from unittest import mock

        from engine.config import EngineConfig
        from engine.llm_engine import LLMEngine
        from engine.load import load, set_threads

        with mock.patch.dict(os.environ, {**CONFIG_ENV[config], "HANLIN_THREADS": str(args.threads)}):
            cfg = EngineConfig.from_env()
        set_threads(cfg.num_threads)
        loaded = load(cfg)
        self.engine = LLMEngine(loaded.model, loaded.tokenizer, cfg, loaded.num_blocks,
                                loaded.max_model_len, loaded.weights)
        if self.engine.runner.compiled is not None:  # the steady state, as the HTTP targets
            self.engine.runner.compiled.wait()
        self.temperature = args.temperature
        self.prompt_ids, self.long_ids = prompt_ids, long_ids
        self.requests = 0
        self.run(prompt_ids[:2], 4)  # warm-up

    def run(self, prompts: list[list[int]], new: int) -> list[tuple[float, float]]:
        """Per prompt, (first token, last token) in seconds after all were submitted."""
        from engine.protocol import GenerateRequest, SamplingParams

        sampling = SamplingParams(max_tokens=new, temperature=self.temperature, ignore_eos=True)
        index = {}
        t0 = time.perf_counter()
        for ids in prompts:
            self.requests += 1
            index[f"bench-{self.requests}"] = len(index)
            self.engine.add_request(GenerateRequest(request_id=f"bench-{self.requests}",
                                                    prompt_ids=tuple(ids), sampling=sampling))
        first: list[float | None] = [None] * len(prompts)
        last: list[float] = [0.0] * len(prompts)
        while self.engine.has_work():
            outputs = self.engine.step()
            now = time.perf_counter() - t0
            for out in outputs:
                i = index[out.request_id]
                if first[i] is None and out.token_ids:
                    first[i] = now
                last[i] = now
        return [(f if f is not None else t, t) for f, t in zip(first, last, strict=True)]

    def round(self) -> dict:
        out: dict = {}
        for n in (1, 8, 32):
            res = self.run(self.prompt_ids[:n], OUT_TOKENS)
            out[n] = measures(n, max(t for _, t in res), [f for f, _ in res],
                              [(OUT_TOKENS - 1) / (t - f) for f, t in res])
        # A different first token each round: the prefix cache must not serve a repeat.
        (ttft, _), = self.run([[100 + self.requests] + self.long_ids[1:]], 1)
        out["prefill"] = len(self.long_ids) / ttft
        return out

    def close(self) -> None:
        pass


# -- transformers ------------------------------------------------------------------------------

class Transformers:
    """Hugging Face `generate` in this process, fp32, on the same GGUF file."""

    def __init__(self, args, long_ids: list[int]) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from engine.loaders.default_model import resolve_model_path

        torch.set_num_threads(args.threads)
        path = resolve_model_path("smollm2-135m-instruct")
        self.tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
        self.tok.padding_side = "left"
        self.tok.pad_token = self.tok.pad_token or self.tok.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name,
                                                          dtype=torch.float32)
        self.model.eval()
        self.ids = torch.tensor([long_ids])
        self.gen(2, 4)  # warm-up
        self.prefill()

    def gen(self, n: int, new: int) -> float:
        import torch

        enc = self.tok(PROMPTS[:n], return_tensors="pt", padding=True)
        t0 = time.perf_counter()
        with torch.inference_mode():
            self.model.generate(**enc, max_new_tokens=new, min_new_tokens=new, do_sample=False,
                                pad_token_id=self.tok.pad_token_id)
        return time.perf_counter() - t0

    def prefill(self) -> float:
        import torch

        t0 = time.perf_counter()
        with torch.inference_mode():
            self.model(self.ids)
        return time.perf_counter() - t0

    def round(self) -> dict:
        out: dict = {}
        for n in (1, 8, 32):
            ttft, total = self.gen(n, 1), self.gen(n, OUT_TOKENS)
            # generate() returns the whole batch at once: every request's first token comes with
            # the first step, so TTFT p50 = p95 = the batched prefill + one step.
            out[n] = {"agg": n * OUT_TOKENS / total, "ttft50": ttft, "ttft95": ttft,
                      "decode1": (OUT_TOKENS - 1) / (total - ttft)}
        out["prefill"] = self.ids.shape[1] / self.prefill()
        return out

    def close(self) -> None:
        pass


def transformers_version() -> str:
    import transformers

    return transformers.__version__


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--configs", default="default,exact",
                    help=f"hanlin configurations, comma-separated, of: {', '.join(CONFIG_ENV)}")
    ap.add_argument("--in-process", default="",
                    help="hanlin configurations also run as an LLMEngine in this process (no HTTP), "
                         "comma-separated")
    ap.add_argument("--peers", default="transformers,llama.cpp", help="comma-separated: transformers, llama.cpp")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--temperature", type=float, default=0.8,
                    help="sampling temperature of every request (0: greedy)")
    ap.add_argument("--slots", type=int, default=16, help="llama-server's parallel slots")
    args = ap.parse_args()

    from engine.loaders.default_model import resolve_model_path
    from engine.tokenizer import Tokenizer

    tok = Tokenizer.from_gguf(resolve_model_path("smollm2-135m-instruct"))
    long_ids = (tok.encode(" ".join(PROMPTS)) * 8)[:512]

    configs = args.configs.split(",")
    in_process = [c for c in args.in_process.split(",") if c]
    prompt_ids = [tok.encode(p) for p in PROMPTS]
    targets: dict[str, object] = {}
    try:
        for c in configs:
            targets[c] = hanlin_target(args, c, prompt_ids, long_ids)
        for c in in_process:
            targets[f"{c} in-process"] = HanlinEngine(args, c, prompt_ids, long_ids)
        configs += [f"{c} in-process" for c in in_process]
        if "transformers" in args.peers:
            targets[f"transformers {transformers_version()}"] = Transformers(args, long_ids)
        if "llama.cpp" in args.peers:
            if why := llama_cpp.missing():
                print(f"skipping the llama.cpp column: {why}", file=sys.stderr)
            else:
                targets[f"llama.cpp (llama-server {llama_cpp.version()}, {args.slots} slots)"] = \
                    llama_server_target(args, prompt_ids, long_ids)
        # Interleaved: each round runs every measure once on every target, one target at a time
        # (the others idle), so a slow spell of the machine lands on all of them alike. The
        # order rotates between rounds and a pause lets the last target's threads go idle.
        rounds: dict[str, list[dict]] = {name: [] for name in targets}
        names = list(targets)
        for r in range(args.repeats):
            for name in names[r % len(names):] + names[: r % len(names)]:
                time.sleep(2)
                rounds[name].append(targets[name].round())
    finally:
        for target in targets.values():
            target.close()
    medians = {name: median_round(rs) for name, rs in rounds.items()}
    hs = [medians[c] for c in configs]
    peers = {name: medians[name] for name in targets if name not in configs}
    # (name, key, higher is better)
    rows = [("(a) batch-1 decode tok/s", 1, "decode1", True)]
    for n in (1, 8, 32):
        rows.append((f"(b) {n:>2} concurrent: aggregate tok/s", n, "agg", True))
        rows.append((f"(b) {n:>2} concurrent: TTFT p50 s", n, "ttft50", False))
        rows.append((f"(b) {n:>2} concurrent: TTFT p95 s", n, "ttft95", False))
    rows.append(("(c) prefill 512 tokens, tok/s", "prefill", None, True))
    if all("start" in medians[name] for name in targets):
        rows.append(("(d) start-up s (spawn to ready)", "start", None, False))
    print(f"\nSmolLM2-135M-Instruct (Q4_1 GGUF), {args.threads} threads, {OUT_TOKENS} output "
          f"tokens; temperature {args.temperature}; peers: {', '.join(peers) or 'none'}; medians of {args.repeats} interleaved rounds. "
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
