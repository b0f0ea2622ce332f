"""Where a decode step's time goes in the serving default (issue 21's per-token table).

An in-process `LLMEngine` configured as `hanlin serve` starts it (`EngineConfig.from_env()`: int4
from the default model's Q4_1 file, bf16 KV, the compiled decode step, waited for), `--batch`
requests decoding together, greedy or sampled. The engine's own functions are wrapped with
timers, so the split is of real steps: the decoder layers (the compiled graph), the LM head,
masking and sampling, and the rest of `LLMEngine.step` (scheduling, the runner's inputs, the
per-request bookkeeping). HTTP / SSE's share is what the server's tokens/s (bench/serving.py)
lose against this process's. Prints a markdown table in ms per step and per token.

    .venv/bin/python bench/step_profile.py [--batch 1,32] [--temperature 0,0.8] [--steps 64]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine.llm_engine as llm_engine  # noqa: E402
from engine.config import EngineConfig  # noqa: E402
from engine.llm_engine import LLMEngine  # noqa: E402
from engine.load import load  # noqa: E402
from engine.protocol import GenerateRequest, SamplingParams  # noqa: E402

SPENT: dict[str, float] = defaultdict(float)


def timed(name: str, fn: Callable) -> Callable:
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - t0
    return wrapper


def run(engine: LLMEngine, batch: int, temperature: float, steps: int) -> dict[str, float]:
    """ms per step of each part over `steps` decode steps of `batch` requests."""
    sampling = SamplingParams(temperature=temperature, max_tokens=steps + 8, ignore_eos=True)
    for i in range(batch):
        engine.add_request(GenerateRequest(request_id=f"{batch}-{temperature}-{i}",
                                           prompt_ids=tuple(range(100 + i, 132 + i)),
                                           sampling=sampling))
    for _ in range(4):  # prefills, then the first decode steps
        engine.step()
    SPENT.clear()
    t0 = time.perf_counter()
    for _ in range(steps):
        engine.step()
    total = time.perf_counter() - t0
    for rid in list(engine.requests):
        engine.abort(rid)
    while engine.has_work():
        engine.step()
    parts = {k: v / steps * 1000 for k, v in SPENT.items()}
    parts["step"] = total / steps * 1000
    return parts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", default="1,32")
    ap.add_argument("--temperature", default="0,0.8")
    ap.add_argument("--steps", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    with mock.patch.dict(os.environ, {"HANLIN_THREADS": str(args.threads)}):
        config = EngineConfig.from_env()
    torch.set_num_threads(args.threads)
    loaded = load(config)
    engine = LLMEngine(loaded.model, loaded.tokenizer, config, loaded.num_blocks,
                       loaded.max_model_len, loaded.weights)
    compiled = engine.runner.compiled
    assert compiled is not None and compiled.wait(1800), "the compiled step did not build"
    model = engine.runner.model
    compiled._fns = {g: timed("decoder layers", f) for g, f in compiled._fns.items()}
    model.compute_logits = timed("LM head", model.compute_logits)
    engine._mask = timed("masking + sampling", engine._mask)
    llm_engine.sample = timed("masking + sampling", llm_engine.sample)
    rows = []
    for batch in map(int, args.batch.split(",")):
        for temperature in map(float, args.temperature.split(",")):
            parts = run(engine, batch, temperature, args.steps)
            rows.append((batch, temperature, parts))
            print(batch, temperature, parts, file=sys.stderr, flush=True)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\nA decode step of the serving default ({loaded.weights}, compiled), SmolLM2-135M, "
          f"{now}, {platform.machine()}, {args.threads} threads, {args.steps} steps; ms per step "
          "(per token in brackets at batch > 1).\n")
    names = ["decoder layers", "LM head", "masking + sampling"]
    print("| batch | temperature | " + " | ".join(names) + " | rest of the step | step | tok/s |")
    print("|---:|---:|" + "---:|" * (len(names) + 3))
    for batch, temperature, parts in rows:
        rest = parts["step"] - sum(parts.get(n, 0.0) for n in names)
        cells = [parts.get(n, 0.0) for n in names] + [rest, parts["step"]]
        text = [f"{c:.2f}" if batch == 1 else f"{c:.2f} ({c / batch:.3f})" for c in cells]
        print(f"| {batch} | {temperature:g} | " + " | ".join(text)
              + f" | {1000 * batch / parts['step']:.0f} |")


if __name__ == "__main__":
    main()
