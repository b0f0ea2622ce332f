"""Accuracy of the quantized engine (issue 3): {fp32 weights, int4 from Q4_1} x {fp32 KV, int8 KV}
through the real engine (paged KV, chunked prefill, batched decode), and the memory ratios.

Perplexity: eight package descriptions shipped in .venv (English documentation the project did
not write), 1,024 tokens each, scored with prompt log-probabilities in chunks of 32 tokens, so
every chunk after a window's first attends over K/V read back from the paged (int8) blocks.
Chat: 20 user prompts, 64 greedy tokens each, compared with the fp32 / fp32 KV reference, free
running and teacher-forced on the reference's tokens. Prints markdown tables.

    .venv/bin/python bench/quant_accuracy.py [--threads 2] [--window 1024] [--chunk 32]
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import math
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.config import CacheConfig, EngineConfig, SchedulerConfig  # noqa: E402
from engine.llm_engine import LLMEngine  # noqa: E402
from engine.load import LoadedModel, load  # noqa: E402
from engine.models import CausalAttention  # noqa: E402
from engine.packed_linear import PackedLinear  # noqa: E402
from engine.protocol import GenerateRequest, SamplingParams  # noqa: E402
from engine.quant import SmallBatchHead, model_weight_bytes, quantize_head_int8  # noqa: E402

# Prose-heavy READMEs of installed packages (httpx and ftfy are the ones bench/quant_kernels.py uses).
DOCS = ["httpx", "ftfy", "h11", "attrs", "sortedcontainers", "dill", "mpmath", "msgpack"]

CHAT = [
    "What is the capital of France, and what is it famous for?",
    "Explain photosynthesis to a ten-year-old.",
    "Write a short poem about the sea at night.",
    "Give me three tips for getting better sleep.",
    "How do I reverse a list in Python?",
    "What is the difference between a virus and a bacterium?",
    "Summarize the plot of Romeo and Juliet in a few sentences.",
    "Why is the sky blue?",
    "Suggest a simple recipe for a vegetarian dinner.",
    "What are the main causes of climate change?",
    "Translate 'Good morning, how are you?' into Spanish and French.",
    "How does a bicycle stay upright when it is moving?",
    "Write a polite email asking my manager for a day off next Friday.",
    "What is 17 multiplied by 23? Show your steps.",
    "Describe the water cycle.",
    "What should I pack for a three-day hiking trip?",
    "Explain what a black hole is.",
    "Give me a fun fact about octopuses.",
    "How can I make my small apartment feel bigger?",
    "What were the main achievements of the Roman Empire?",
]
GEN_TOKENS = 64


@dataclass(frozen=True)
class Variant:
    name: str
    weights: str  # "dense" or "int4"
    dtype: str  # the run dtype of dense weights (int4 always runs bf16 activations)
    kv: str


VARIANTS = [
    Variant("fp32 weights, fp32 KV (reference)", "dense", "float32", "float32"),
    Variant("fp32 weights, int8 KV", "dense", "float32", "int8"),
    Variant("int4 (Q4_1 imported), fp32 KV", "int4", "float32", "float32"),
    Variant("int4 (Q4_1 imported), int8 KV", "int4", "float32", "int8"),
    # Not in the grid: what each half of the int4 row owes to bf16 activations.
    Variant("bf16 weights, bf16 KV", "dense", "bfloat16", "bfloat16"),
    Variant("int4 (Q4_1 imported), bf16 KV (served default)", "int4", "float32", "auto"),
]


def english_text(name: str) -> str:
    """A package's long description with badge, image and HTML lines dropped and link markup
    reduced to its text: the prose and examples stay as their authors wrote them."""
    meta = md.metadata(name)
    text = meta.get_payload() or meta.get("Description") or ""
    badge = re.compile(r"^\s*(\[!\[|!\[|<|\.\. \||\.\. image::|:target:|:alt:|(\|[^|]+\|\s*)+$)")
    text = "\n".join(ln for ln in text.splitlines() if not badge.match(ln))
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # markdown links
    text = re.sub(r"`([^`<]+?)\s*<[^>]+>`__?", r"\1", text)  # rST links
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def windows(tokenizer, size: int) -> list[tuple[str, list[int]]]:
    return [(name, tokenizer.encode(english_text(name))[:size]) for name in DOCS]


def new_engine(loaded: LoadedModel, v: Variant, num_blocks: int, chunk: int) -> LLMEngine:
    config = EngineConfig(weights=v.weights, dtype=v.dtype, cache=CacheConfig(num_blocks=num_blocks, dtype=v.kv),
                          scheduler=SchedulerConfig(max_num_batched_tokens=chunk))
    return LLMEngine(loaded.model, loaded.tokenizer, config, num_blocks, num_blocks * 16, loaded.weights)


def run(engine: LLMEngine, prompts: list[list[int]], sampling: SamplingParams) -> dict[str, dict]:
    """All prompts submitted together; returns per request the generated ids and prompt logprobs."""
    out = {str(i): {"ids": [], "prompt": None} for i in range(len(prompts))}
    for i, ids in enumerate(prompts):
        engine.add_request(GenerateRequest(request_id=str(i), prompt_ids=tuple(ids), sampling=sampling))
    while engine.has_work():
        for o in engine.step():
            out[o.request_id]["ids"] += o.token_ids
            if o.prompt_logprobs is not None:
                out[o.request_id]["prompt"] = o.prompt_logprobs
    return out


def perplexity(engine: LLMEngine, texts: list[list[int]]) -> tuple[float, list[list]]:
    """exp of the mean negative log-likelihood over every scored position of every window;
    windows go one at a time (each its own request), chunked by the scheduler's token budget."""
    nll, n, per = 0.0, 0, []
    for ids in texts:
        res = run(engine, [ids], SamplingParams(temperature=0, max_tokens=1, prompt_logprobs=1))["0"]
        lps = res["prompt"][1:]
        nll -= sum(lp.logprob for lp in lps)
        n += len(lps)
        per.append(lps)
    return math.exp(nll / n), per


@torch.inference_mode()
def plain_perplexity(loaded: LoadedModel, texts: list[list[int]]) -> float:
    """The same windows through the model with no cache at all (dense causal attention)."""
    nll, n = 0.0, 0
    for ids in texts:
        t = torch.tensor(ids)
        logits = loaded.model.compute_logits(loaded.model(t, torch.arange(len(ids)), CausalAttention()))
        nll += torch.nn.functional.cross_entropy(logits[:-1].float(), t[1:], reduction="sum").item()
        n += len(ids) - 1
    return math.exp(nll / n)


@torch.inference_mode()
def head_perplexities(loaded: LoadedModel, texts: list[list[int]]) -> tuple[float, float, float]:
    """The int4 model's LM head both ways over the same hidden states (no cache): every row at
    once (the bf16 head) and 4 rows at a time (the Q8_0 small-batch head, as a server with up to
    4 decoding sequences runs it). -> (bf16 head ppl, small-batch head ppl, argmax agreement)."""
    head = loaded.model.lm_head
    nll, n, same = [0.0, 0.0], 0, 0
    for ids in texts:
        t = torch.tensor(ids)
        hidden = loaded.model(t, torch.arange(len(ids)), CausalAttention())[:-1]
        whole = head.head(hidden).float()
        small = torch.cat([head(hidden[i : i + head.max_rows]) for i in range(0, len(hidden), head.max_rows)]).float()
        for i, logits in enumerate((whole, small)):
            nll[i] += torch.nn.functional.cross_entropy(logits, t[1:], reduction="sum").item()
        same += (whole.argmax(-1) == small.argmax(-1)).sum().item()
        n += len(ids) - 1
    return math.exp(nll[0] / n), math.exp(nll[1] / n), same / n


def chat(engine: LLMEngine, prompts: list[list[int]], reference: list[list[int]] | None):
    """Free-running greedy tokens, and (given the reference's tokens) the top-1 agreement when the
    reference's continuation is fed as prompt (teacher-forced)."""
    res = run(engine, prompts, SamplingParams(temperature=0, max_tokens=GEN_TOKENS, ignore_eos=True))
    gen = [res[str(i)]["ids"] for i in range(len(prompts))]
    if reference is None:
        reference = gen
    forced = [p + r for p, r in zip(prompts, reference, strict=True)]
    res = run(engine, forced, SamplingParams(temperature=0, max_tokens=1, prompt_logprobs=1))
    hits = total = 0
    for i, (p, r) in enumerate(zip(prompts, reference, strict=True)):
        lps = res[str(i)]["prompt"][len(p):]  # the entries scoring the reference's tokens
        hits += sum(lp.top[0][0] == t for lp, t in zip(lps, r, strict=True))
        total += len(r)
    return gen, hits / total


def agreement(gen: list[list[int]], ref: list[list[int]]) -> tuple[int, float, float]:
    """(prompts with all tokens equal, mean tokens before the first difference, share of equal
    positions)."""
    same = prefix = equal = 0
    for g, r in zip(gen, ref, strict=True):
        k = next((i for i, (a, b) in enumerate(zip(g, r, strict=True)) if a != b), len(r))
        same += k == len(r)
        prefix += k
        equal += sum(a == b for a, b in zip(g, r, strict=True))
    n = len(ref)
    return same, prefix / n, equal / (n * len(ref[0]))


def resident_bytes(model: torch.nn.Module) -> int:
    """Parameters and buffers once each, plus the oneDNN-prepacked copies (plain attributes)."""
    packed = sum(m.packed.numel() * m.packed.element_size() for m in model.modules()
                 if isinstance(m, PackedLinear))
    return model_weight_bytes(model) + packed


def memory_table(stats: dict[str, object]) -> None:
    kv8, kv16 = stats["int8"].kv_bytes_per_token, stats["bfloat16"].kv_bytes_per_token
    print("\n## Memory\n")
    print("| measure | quantized | bf16 | ratio | bar |")
    print("|---|---:|---:|---:|---|")
    print(f"| KV bytes per token (EngineStats), int8 vs bf16 | {kv8:,} | {kv16:,} | "
          f"{kv8 / kv16:.3f}x | <= 0.55x: {'met' if kv8 <= 0.55 * kv16 else 'NOT met'} |")
    bf = load(EngineConfig(dtype="bfloat16", cache=CacheConfig(num_blocks=1)))
    q4 = load(EngineConfig(weights="int4", cache=CacheConfig(num_blocks=1)))
    dec = lambda m: sum(x.numel() * x.element_size() for n, x in  # noqa: E731
                        [*m.named_parameters(), *m.named_buffers()] if n.startswith("model.layers."))
    rows = [("weights, int4 model as served (int4 decoder, bf16 table shared by embedding and head, "
             "Q8_0 small-batch head) vs bf16 model", resident_bytes(q4.model), resident_bytes(bf.model))]
    assert isinstance(q4.model.lm_head, SmallBatchHead)
    q4.model.lm_head = q4.model.lm_head.head
    rows += [("weights, the same without the small-batch head", resident_bytes(q4.model),
              resident_bytes(bf.model)),
             ("weights, decoder layers only (int4 linears vs bf16 linears)", dec(q4.model), dec(bf.model))]
    quantize_head_int8(q4.model, torch.bfloat16)  # engine/quant has it; load() does not use it
    rows.append(("weights, int4 model + per-row int8 tied embedding / head (not the served path)",
                 resident_bytes(q4.model), resident_bytes(bf.model)))
    for name, q, b in rows:
        print(f"| {name} | {q / 1e6:.1f} MB | {b / 1e6:.1f} MB | {q / b:.3f}x | "
              f"<= 0.35x: {'met' if q <= 0.35 * b else 'NOT met'} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--window", type=int, default=1024)
    ap.add_argument("--chunk", type=int, default=32, help="scheduler token budget per step")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    loaded: dict[tuple[str, str], LoadedModel] = {}
    results, stats = {}, {}
    texts = prompts = ref_gen = ref_lps = heads = None
    for v in VARIANTS:
        t0 = time.perf_counter()
        key = (v.weights, v.dtype if v.weights == "dense" else "int4")
        if key not in loaded:
            loaded[key] = load(EngineConfig(weights=v.weights, dtype=v.dtype, cache=CacheConfig(num_blocks=1)))
        lm = loaded[key]
        if texts is None:
            docs = windows(lm.tokenizer, args.window)
            texts = [ids for _, ids in docs]
            prompts = [lm.tokenizer.encode(lm.tokenizer.apply_chat_template([{"role": "user", "content": c}]))
                       for c in CHAT]
        blocks = -(-max(len(t) for t in texts) // 16) + len(CHAT) * (-(-(max(map(len, prompts)) + GEN_TOKENS) // 16) + 1)
        engine = new_engine(lm, v, blocks + 8, args.chunk)
        ppl, per = perplexity(engine, texts)
        gen, forced = chat(engine, prompts, ref_gen)
        stats[engine.stats().kv_cache_dtype] = engine.stats()
        if ref_gen is None:
            ref_gen, ref_lps = gen, per
            plain = plain_perplexity(lm, texts)
        # Argmax agreement with the reference over the text windows (teacher-forced by the text).
        flat = [(a.top[0][0], b.top[0][0]) for pa, pb in zip(per, ref_lps, strict=True)
                for a, b in zip(pa, pb, strict=True)]
        text_argmax = sum(a == b for a, b in flat) / len(flat)
        results[v.name] = (ppl, text_argmax, agreement(gen, ref_gen), forced)
        if v.weights == "int4" and heads is None:
            heads = head_perplexities(lm, texts)
        print(f"{v.name}: ppl {ppl:.4f} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)

    n_tok = sum(len(t) - 1 for t in texts)
    print(f"\n## Perplexity and greedy agreement (torch threads: {args.threads})\n")
    print(f"Text: {', '.join(f'{n} ({len(ids)})' for n, ids in docs)} package descriptions, tokens "
          f"in brackets; {n_tok:,} scored positions, prompt log-probabilities through the engine in "
          f"chunks of {args.chunk}. Chat: {len(CHAT)} prompts x {GEN_TOKENS} greedy tokens "
          f"(ignore_eos), all 20 batched. Plain fp32 forward, no cache: perplexity {plain:.4f}.\n")
    print("| variant | perplexity | vs reference | text argmax agreement | chat: identical / 20 | "
          "chat: mean tokens before first difference | chat: equal positions | chat: teacher-forced top-1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    ref_ppl = results[VARIANTS[0].name][0]
    for name, (ppl, text_argmax, (same, prefix, equal), forced) in results.items():
        print(f"| {name} | {ppl:.4f} | {ppl / ref_ppl - 1:+.3%} | {text_argmax:.4f} | {same} | "
              f"{prefix:.1f} | {equal:.3f} | {forced:.4f} |")
    r = {k: v[0] for k, v in results.items()}
    names = [v.name for v in VARIANTS]
    print("\nBars: int8 KV adds under 1% relative perplexity: "
          f"fp32 weights {r[names[1]] / r[names[0]] - 1:+.3%}, int4 weights {r[names[3]] / r[names[2]] - 1:+.3%}; "
          f"int4-from-Q4_1 within 0.5% of the dequantized reference: fp32 KV {r[names[2]] / r[names[0]] - 1:+.3%}, "
          f"int8 KV {r[names[3]] / r[names[0]] - 1:+.3%}.")
    bf16_head, small_head, same = heads
    print(f"\nThe int4 model's LM head, same hidden states (no cache): bf16 table, every row at once, "
          f"perplexity {bf16_head:.4f}; Q8_0 small-batch head, 4 rows at a time, {small_head:.4f} "
          f"({small_head / bf16_head - 1:+.3%}, vs plain fp32 {small_head / plain - 1:+.3%}); argmax "
          f"agreement {same:.4f}.")
    memory_table(stats)


if __name__ == "__main__":
    main()
