"""How often the serving default's greedy continuation is transformers fp32's, against how often
llama.cpp's is, on the same file (issue 21's accuracy bar for the fast default).

The default model's Q4_1 GGUF; the prompts: the README's two chat prompts, bench/quant_accuracy.py's
20 chat prompts and 10 plain-text openings, each laid out by the model's chat template (the plain
ones as they are) and tokenized once, so every engine starts from the same ids. Each engine
continues every prompt greedily for `--tokens` tokens:

- reference: transformers, fp32, reading the same GGUF (dequantized to fp32);
- hanlin default: `EngineConfig.from_env()` as `hanlin serve` starts it (int4 from the Q4_1 blocks,
  bf16 activations and KV cache, the compiled decode step), all prompts batched as a server would;
- hanlin --exact: dense fp32, eager;
- llama-server (bench/llama_cpp.py) on the same file, 2 threads, `return_tokens`, one at a time.

Per engine: continuations identical to the reference, and the mean number of tokens before the
first difference. Prints a markdown table.

    .venv/bin/python bench/greedy_agreement.py [--tokens 8] [--threads 2]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from pathlib import Path
from unittest import mock

import httpx
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import llama_cpp  # noqa: E402
from bench.quant_accuracy import CHAT  # noqa: E402
from engine.config import EngineConfig  # noqa: E402
from engine.llm_engine import LLMEngine  # noqa: E402
from engine.load import load  # noqa: E402
from engine.loaders.default_model import resolve_model_path  # noqa: E402
from engine.protocol import GenerateRequest, SamplingParams  # noqa: E402

README = ["What is the capital of France?", "Say hi in three words."]
OPENINGS = [
    "The capital of France is", "def fibonacci(n):", "Once upon a time, in a small village,",
    "The three primary colors are", "import numpy as np\n", "The quick brown fox",
    "In 1969, the first humans", "Water boils at", "1, 2, 3, 4, 5,", "My favourite food is",
]


def prompt_ids(tokenizer) -> list[list[int]]:
    chats = [tokenizer.apply_chat_template([{"role": "user", "content": p}])
             for p in README + CHAT]
    return [tokenizer.encode(text) for text in chats + OPENINGS]


def transformers_greedy(path: Path, prompts: list[list[int]], n: int) -> list[list[int]]:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name,
                                                 torch_dtype=torch.float32).eval()
    out = []
    with torch.inference_mode():
        for ids in prompts:
            x = torch.tensor([ids])
            done = model.generate(x, max_new_tokens=n, do_sample=False, min_new_tokens=n,
                                  attention_mask=torch.ones_like(x), pad_token_id=0)
            out.append(done[0, len(ids):].tolist())
    return out


def hanlin_greedy(env: dict[str, str], prompts: list[list[int]], n: int,
                  threads: int) -> tuple[list[list[int]], str]:
    """Every prompt in one batch through an engine configured as `hanlin serve` with `env`;
    (continuations, what the linears hold + the compiled step's state)."""
    with mock.patch.dict(os.environ, {**env, "HANLIN_THREADS": str(threads)}):
        config = EngineConfig.from_env()
    torch.set_num_threads(threads)
    loaded = load(config)
    engine = LLMEngine(loaded.model, loaded.tokenizer, config, loaded.num_blocks,
                       loaded.max_model_len, loaded.weights)
    if engine.runner.compiled is not None:
        engine.runner.compiled.wait()
    sampling = SamplingParams(temperature=0.0, max_tokens=n, ignore_eos=True)
    got: dict[str, list[int]] = {}
    for i, ids in enumerate(prompts):
        engine.add_request(GenerateRequest(request_id=str(i), prompt_ids=tuple(ids),
                                           sampling=sampling))
        got[str(i)] = []
    while engine.has_work():
        for o in engine.step():
            got[o.request_id] += o.token_ids
    return [got[str(i)] for i in range(len(prompts))], f"{loaded.weights}, {engine.compiled_state}"


def llama_greedy(path: Path, prompts: list[list[int]], n: int, threads: int) -> list[list[int]]:
    server = llama_cpp.llama_server(path, threads=threads, ctx=4096)
    try:
        out = []
        for ids in prompts:
            r = httpx.post(f"{server.base}/completion", timeout=300, json={
                "prompt": ids, "n_predict": n, "temperature": 0, "top_k": 1,
                "cache_prompt": False, "return_tokens": True, "ignore_eos": True})
            r.raise_for_status()
            out.append(r.json()["tokens"])
        return out
    finally:
        server.close()


def agreement(ref: list[list[int]], got: list[list[int]]) -> tuple[int, float]:
    """(identical continuations, mean tokens before the first difference)."""
    same = sum(a == b for a, b in zip(ref, got, strict=True))
    prefix = [next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
              for a, b in zip(ref, got, strict=True)]
    return same, sum(prefix) / len(prefix)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    path = resolve_model_path("smollm2-135m-instruct")
    from engine.tokenizer import Tokenizer

    prompts = prompt_ids(Tokenizer.from_gguf(path))
    ref = transformers_greedy(path, prompts, args.tokens)
    rows = []
    for label, env in (("hanlin default", {}), ("hanlin --exact", {"HANLIN_EXACT": "1"})):
        got, what = hanlin_greedy(env, prompts, args.tokens, args.threads)
        rows.append((f"{label} ({what})", *agreement(ref, got)))
        print(rows[-1], file=sys.stderr, flush=True)
    if not llama_cpp.missing():
        got = llama_greedy(path, prompts, args.tokens, args.threads)
        rows.append((f"llama-server {llama_cpp.version()}", *agreement(ref, got)))
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\nGreedy agreement with transformers fp32 on the same file (SmolLM2-135M-Instruct "
          f"Q4_1), {len(prompts)} prompts, {args.tokens} tokens, {now}, {platform.machine()}.\n")
    print(f"| engine | identical continuations / {len(prompts)} | mean tokens before the "
          "first difference |")
    print("|---|---:|---:|")
    for label, same, prefix in rows:
        print(f"| {label} | {same} | {prefix:.2f} |")


if __name__ == "__main__":
    main()
