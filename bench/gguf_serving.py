"""int4 serving of a Q4_K_M file shaped like Qwen2.5-0.5B (random weights) against llama.cpp's
llama-server on the same file: batch 1 (TTFT, decode tokens/s) and 32 concurrent requests (output
tokens/s, median latency), interleaved rounds, medians and ratios.

    .venv/bin/python bench/gguf_serving.py [--configs int4+compile] [--rounds 5] [--threads 2]
        [--prompt-tokens 64] [--max-tokens 128] [--concurrency 32] [--ctx 8192] [--file GGUF]
        [--temperature 0.8]

The file: Qwen2.5-0.5B's shape (hidden 896, 24 layers, 14 heads, 2 KV heads, head_dim 64,
intermediate 4864, vocab 151936, tied embeddings, q/k/v biases), weights N(0, 0.02), written as a
Hugging Face folder, converted by llama.cpp's convert_hf_to_gguf.py (f16) and quantized Q4_K_M by
llama-quantize; cached in ~/.cache/hanlin/bench/. Both servers get the same random token-id
prompts (fresh each round, so no prefix is reused), `--temperature` (0.8 as users mostly sample;
0: greedy, as the tables of 2026-12-07 were), `ignore_eos` and a fixed max_tokens:
every request returns exactly that many tokens (checked from the servers' usage). Both are timed
by the same client code: streamed /v1/completions, TTFT at the first token's event.
hanlin: `hanlin serve --model FILE --max-model-len CTX` with each configuration's HANLIN_*
variables (bench/harness.py). llama.cpp: llama-server with the same threads and context, one slot
for batch 1 and `-np 32 -kvu` (continuous batching, one KV pool) for the concurrent requests.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import platform
import random
import shutil
import signal
import statistics
import sys
import time
from pathlib import Path

import httpx
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import llama_cpp  # noqa: E402
from bench.harness import CONFIG_ENV, Served, hanlin_serve, stream_all  # noqa: E402

CACHE = Path.home() / ".cache/hanlin/bench"
SHAPE = dict(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
             num_attention_heads=14, num_key_value_heads=2, max_position_embeddings=32768,
             rms_norm_eps=1e-6, tie_word_embeddings=True)
CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
          "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


# --- the file -------------------------------------------------------------------------------------

def qwen05b_folder(folder: Path, seed: int = 0) -> Path:
    """Qwen2.5-0.5B's config and random bf16 weights (norms 1, biases and matrices N(0, 0.02)),
    written tensor by tensor (no model built), and a byte-level tokenizer of its vocabulary."""
    from safetensors.torch import save_file
    from transformers import Qwen2Config

    folder.mkdir(parents=True, exist_ok=True)
    config = Qwen2Config(**SHAPE, rope_parameters={"rope_type": "default", "rope_theta": 1e6},
                         dtype="bfloat16")
    config.architectures = ["Qwen2ForCausalLM"]
    config.save_pretrained(folder)
    gen = torch.Generator().manual_seed(seed)
    hidden, inter = SHAPE["hidden_size"], SHAPE["intermediate_size"]
    kv = SHAPE["num_key_value_heads"] * hidden // SHAPE["num_attention_heads"]

    def rand(*shape: int) -> torch.Tensor:
        return (torch.randn(*shape, generator=gen) * 0.02).to(torch.bfloat16)

    tensors = {"model.embed_tokens.weight": rand(SHAPE["vocab_size"], hidden),
               "model.norm.weight": torch.ones(hidden, dtype=torch.bfloat16)}
    for i in range(SHAPE["num_hidden_layers"]):
        p = f"model.layers.{i}."
        for name, rows in (("q", hidden), ("k", kv), ("v", kv)):
            tensors[f"{p}self_attn.{name}_proj.weight"] = rand(rows, hidden)
            tensors[f"{p}self_attn.{name}_proj.bias"] = rand(rows)
        tensors[f"{p}self_attn.o_proj.weight"] = rand(hidden, hidden)
        tensors[f"{p}mlp.gate_proj.weight"] = rand(inter, hidden)
        tensors[f"{p}mlp.up_proj.weight"] = rand(inter, hidden)
        tensors[f"{p}mlp.down_proj.weight"] = rand(hidden, inter)
        for norm in ("input_layernorm", "post_attention_layernorm"):
            tensors[f"{p}{norm}.weight"] = torch.ones(hidden, dtype=torch.bfloat16)
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    llama_cpp.write_tokenizer(folder, SHAPE["vocab_size"], CHATML)
    return folder


def model_file(threads: int) -> Path:
    """The cached Q4_K_M file, made once (the folder and the f16 file are removed after)."""
    out = CACHE / "qwen2.5-0.5b-shape-random-Q4_K_M.gguf"
    if out.exists():
        return out
    work = CACHE / "qwen2.5-0.5b-shape-work"
    print(f"making {out} (a few minutes, once)", file=sys.stderr, flush=True)
    folder = qwen05b_folder(work / "hf")
    f16 = llama_cpp.convert(folder, work / "f16.gguf", "f16")
    llama_cpp.quantize(f16, work / out.name, "Q4_K_M", threads)
    (work / out.name).rename(out)
    shutil.rmtree(work)
    return out


# --- one target -----------------------------------------------------------------------------------

class Target:
    """A server (or two: llama.cpp's one slot and its 32) measured through /v1/completions."""

    def __init__(self, name: str, single: Served, many: Served, body: dict) -> None:
        self.name, self.single, self.many, self.body = name, single, many, body

    async def _batch(self, base: str, prompts: list[list[int]], max_tokens: int) -> tuple:
        return await stream_all(base, self.body, prompts, max_tokens, self.name)

    def round(self, one: list[int], many: list[list[int]], max_tokens: int) -> dict[str, float]:
        _, (r,) = asyncio.run(self._batch(self.single.base, [one], max_tokens))
        wall, res = asyncio.run(self._batch(self.many.base, many, max_tokens))
        return {"ttft1": r.ttft, "decode1": (max_tokens - 1) / (r.total - r.ttft),
                "agg": len(many) * max_tokens / wall,
                "latency": statistics.median(x.total for x in res),
                "ttft_many": statistics.median(x.ttft for x in res)}

    def warm_up(self, prompts: list[list[int]]) -> None:
        asyncio.run(self._batch(self.single.base, prompts[:1], 8))
        asyncio.run(self._batch(self.many.base, prompts[:4], 8))

    def close(self) -> None:
        for server in {id(s): s for s in (self.single, self.many)}.values():
            server.close()


def hanlin_target(config: str, path: Path, args) -> Target:
    server = hanlin_serve("--model", str(path), "--max-model-len", str(args.ctx),
                          threads=args.threads, env=CONFIG_ENV[config], timeout_s=3600)
    (name,) = [m["id"] for m in httpx.get(server.base + "/v1/models").json()["data"]
               if not m["id"].startswith("ft:")]
    return Target(f"hanlin {config}", server, server,
                  {"model": name, "temperature": args.temperature})


def llama_target(path: Path, args) -> Target:
    single = llama_cpp.llama_server(path, threads=args.threads, ctx=args.ctx)
    try:
        many = llama_cpp.llama_server(path, threads=args.threads, ctx=args.ctx,
                                      parallel=args.concurrency, unified_kv=True)
    except Exception:
        single.close()
        raise
    # Not OpenAI's field (hanlin would refuse it): no prompt prefix kept between requests.
    return Target("llama.cpp", single, many,
                  {"cache_prompt": False, "temperature": args.temperature})


# --- the table ------------------------------------------------------------------------------------

ROWS = [  # key, label, higher is better
    ("ttft1", "batch 1: TTFT s", False),
    ("decode1", "batch 1: decode tok/s", True),
    ("agg", "{n} concurrent: output tok/s", True),
    ("latency", "{n} concurrent: median request latency s", False),
    ("ttft_many", "{n} concurrent: median TTFT s", False),
]


def print_table(rounds: dict[str, list[dict]], args, path: Path) -> None:
    from bench.gguf_families import tensor_types

    names = list(rounds)
    peer = "llama.cpp"
    ours = [n for n in names if n != peer]
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n{path.name} ({tensor_types(path)}), {now}, {platform.machine()}, {args.threads} "
          f"threads, {args.prompt_tokens}-token random prompts, {args.max_tokens} output tokens "
          f"(temperature {args.temperature:g}, ignore_eos), context {args.ctx}; llama.cpp {llama_cpp.version()}; medians "
          f"of {args.rounds} interleaved rounds [min-max]. Ratio: hanlin over llama.cpp (>1 is "
          f"better for hanlin).\n")
    for n in ours:
        env = " ".join(f"{k}={v}" for k, v in CONFIG_ENV[n.removeprefix("hanlin ")].items())
        print(f"- {n}: {env}")
    print()
    head = [*names, *[f"{n.removeprefix('hanlin ')} / llama.cpp" for n in ours]]
    print("| measure | " + " | ".join(head) + " |")
    print("|---|" + "---:|" * len(head))
    for key, label, higher in ROWS:
        vals = {n: [r[key] for r in rounds[n]] for n in names}
        med = {n: statistics.median(v) for n, v in vals.items()}
        cells = [f"{med[n]:.3g} [{min(vals[n]):.3g}-{max(vals[n]):.3g}]" for n in names]
        cells += [f"{(med[n] / med[peer] if higher else med[peer] / med[n]):.2f}x" for n in ours]
        print(f"| {label.format(n=args.concurrency)} | " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", default="int4+compile",
                    help=f"hanlin configurations, comma-separated, of: {', '.join(CONFIG_ENV)}")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt-tokens", type=int, default=64)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--ctx", type=int, default=8192, help="context tokens, both servers")
    ap.add_argument("--temperature", type=float, default=0.8, help="0: greedy")
    ap.add_argument("--file", type=Path, help="a GGUF to serve instead of the cached 0.5B shape")
    args = ap.parse_args()
    configs = args.configs.split(",")
    if unknown := [c for c in configs if c not in CONFIG_ENV]:
        ap.error(f"unknown configurations: {', '.join(unknown)}")
    if why := llama_cpp.missing():
        sys.exit(f"gguf_serving: {why}")
    path = args.file or model_file(args.threads)
    from engine.loaders.gguf import open_gguf

    # Prompt ids short of the last three: this benchmark's tokenizer keeps its specials there.
    vocab = len(open_gguf(path).fields["tokenizer.ggml.tokens"].data) - 3

    def prompts(seed: int, n: int) -> list[list[int]]:
        rng = random.Random(seed)
        return [[rng.randrange(vocab) for _ in range(args.prompt_tokens)] for _ in range(n)]

    # A SIGTERM (a shared machine's clean-up) ends the run like Ctrl-C: servers closed, the
    # rounds done so far printed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    targets: dict[str, Target] = {}
    rounds: dict[str, list[dict]] = {}
    done = 0
    try:
        for c in configs:
            targets[f"hanlin {c}"] = hanlin_target(c, path, args)
        targets["llama.cpp"] = llama_target(path, args)
        for t in targets.values():
            t.warm_up(prompts(-1, 4))
        names = list(targets)
        # Interleaved: each round runs both measures on every target in turn (the others idle),
        # the order rotating, a pause letting the last one's threads go quiet.
        for r in range(args.rounds):
            one, many = prompts(2 * r, 1)[0], prompts(2 * r + 1, args.concurrency)
            this: dict[str, dict] = {}
            for name in names[r % len(names):] + names[: r % len(names)]:
                time.sleep(2)
                this[name] = targets[name].round(one, many, args.max_tokens)
            for name in names:
                rounds.setdefault(name, []).append(this[name])
            done += 1
            print(f"round {done}/{args.rounds}: " + "; ".join(
                f"{n} " + ", ".join(f"{k} {v:.3g}" for k, v in this[n].items()) for n in names),
                file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print(f"interrupted after {done} of {args.rounds} rounds", file=sys.stderr, flush=True)
        if not done:
            raise
        args.rounds = done
    finally:
        for t in targets.values():
            t.close()
    print_table(rounds, args, path)

if __name__ == "__main__":
    main()
