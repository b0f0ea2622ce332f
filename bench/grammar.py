"""Per-token cost of grammar-constrained decoding: the in-process engine (default model, fp32,
2 threads) decoding the same prompts free and under a JSON schema, batch 1 and 8 concurrent;
then the mask alone, llguidance (ours) against xgrammar (the peer) on the same token sequences.

    .venv/bin/python bench/grammar.py [--runs 3] [--max-tokens 128]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import statistics
import time

import torch

from engine.config import CacheConfig, EngineConfig
from engine.grammar import Matcher, bitmask_words
from engine.llm_engine import LLMEngine
from engine.load import load
from engine.protocol import GenerateRequest, Grammar, SamplingParams
from engine.sampler import apply_bitmask

# Long enough that neither mode stops before max_tokens: 40+ items to write, so both decode
# the same number of tokens and the closing steps at the end of the budget are included.
SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "maxLength": 40},
        "items": {
            "type": "array",
            "minItems": 40,
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string", "maxLength": 20},
                               "qty": {"type": "integer"}},
                "required": ["name", "qty"],
            },
        },
    },
    "required": ["title", "items"],
}
TOPICS = ["groceries", "camping gear", "a bakery order", "office supplies", "a toolbox",
          "party supplies", "a first-aid kit", "school books"]


def prompts(tok) -> list[tuple[int, ...]]:
    return [tuple(tok.encode(tok.apply_chat_template(
        [{"role": "user", "content": f"List {t} as JSON with item names and quantities."}])))
        for t in TOPICS]


def decode(engine: LLMEngine, batch: list[tuple[int, ...]], max_tokens: int,
           grammar: Grammar | None, tag: str) -> tuple[float, int]:
    """(seconds, completion tokens) for the batch run to the end together."""
    for i, ids in enumerate(batch):
        engine.add_request(GenerateRequest(request_id=f"{tag}-{i}", prompt_ids=ids,
                                           sampling=SamplingParams(
                                               temperature=0, max_tokens=max_tokens,
                                               ignore_eos=grammar is None, grammar=grammar)))
    tokens, start = 0, time.perf_counter()
    while engine.has_work():
        tokens += len(engine.step())
    return time.perf_counter() - start, tokens


def throughput_table(engine: LLMEngine, runs: int, max_tokens: int) -> None:
    ps = prompts(engine.tokenizer)
    grammar = Grammar(kind="json_schema", source=json.dumps(SCHEMA))
    print(f"## decode throughput, tokens/s (median of {runs}), greedy, {max_tokens} tokens")
    print("| batch | free | json_schema (llguidance) | cost per token | tokens (free / json) |")
    print("|---:|---:|---:|---:|---:|")
    for batch in (1, 8):
        rows = {}
        for mode, g in (("free", None), ("json", grammar)):
            # Prefill once outside the timing: the prompts then come from the prefix cache.
            decode(engine, ps[:batch], 1, g, f"warm-{mode}-{batch}")
            stats = [decode(engine, ps[:batch], max_tokens, g, f"{mode}-{batch}-{r}")
                     for r in range(runs)]
            rows[mode] = (statistics.median(n / s for s, n in stats), stats[0][1])
        (free, nf), (cons, nc) = rows["free"], rows["json"]
        per_token_ms = (1000 / cons - 1000 / free) * batch  # extra time per generated token
        print(f"| {batch} | {free:.1f} | {cons:.1f} ({cons / free:.2f}x) | "
              f"{per_token_ms:+.2f} ms | {nf} / {nc} |")


def mask_table(engine: LLMEngine, max_tokens: int) -> None:
    """The mask alone on the token sequence the engine produced: fill + apply in torch."""
    tok = engine.tokenizer
    grammar = Grammar(kind="json_schema", source=json.dumps(SCHEMA))
    engine.add_request(GenerateRequest(request_id="seq", prompt_ids=prompts(tok)[0],
                                       sampling=SamplingParams(temperature=0,
                                                               max_tokens=max_tokens,
                                                               grammar=grammar)))
    ids: list[int] = []
    while engine.has_work():
        ids += [t for o in engine.step() for t in o.token_ids]
    logits = torch.randn(1, tok.vocab_size)
    row = torch.empty(1, bitmask_words(tok.vocab_size), dtype=torch.int32)

    def ours(tokens_left: bool) -> list[float]:
        m, times = Matcher(tok, grammar), []
        for n, t in enumerate(ids):
            start = time.perf_counter()
            m.fill_bitmask(row[0], max_tokens - n if tokens_left else None)
            apply_bitmask(logits, row)
            times.append(time.perf_counter() - start)
            m.advance(t)
        return times

    results = {"llguidance, mask + apply (hanlin)": ours(False),
               "llguidance, mask + apply + closing mode (hanlin)": ours(True)}
    try:
        import xgrammar as xgr

        info = xgr.TokenizerInfo([tok.id_to_bytes(i) for i in range(tok.vocab_size)],
                                 vocab_type=xgr.VocabType.RAW, vocab_size=tok.vocab_size,
                                 stop_token_ids=list(tok.eos_token_ids))
        start = time.perf_counter()
        compiled = xgr.GrammarCompiler(info, max_threads=1).compile_json_schema(
            json.dumps(SCHEMA), any_whitespace=False, separators=(", ", ": "))
        compile_s = time.perf_counter() - start
        m, times, xmask = xgr.GrammarMatcher(compiled), [], xgr.allocate_token_bitmask(1, tok.vocab_size)
        for t in ids:
            start = time.perf_counter()
            m.fill_next_token_bitmask(xmask)
            xgr.apply_token_bitmask_inplace(logits.clone(), xmask)
            times.append(time.perf_counter() - start)
            if not m.accept_token(t):
                break  # whitespace or bounds differ from ours: stop comparing here
        results[f"xgrammar {importlib.metadata.version('xgrammar')}, mask + apply (peer; compile {compile_s * 1e3:.0f} ms)"] = times
    except ImportError:
        pass
    start = time.perf_counter()
    Matcher(tok, grammar)
    ours_compile = (time.perf_counter() - start) * 1e3
    print(f"\n## the mask alone, ms per token over {len(ids)} tokens "
          f"(llguidance compile of this schema: {ours_compile:.1f} ms)")
    print("| library | median | p90 | max |")
    print("|---|---:|---:|---:|")
    for name, times in results.items():
        ms = sorted(t * 1e3 for t in times)
        print(f"| {name} | {statistics.median(ms):.3f} | {ms[int(len(ms) * 0.9)]:.3f} | "
              f"{ms[-1]:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()
    config = EngineConfig(dtype="float32", num_threads=2, cache=CacheConfig(num_blocks=512))
    loaded = load(config)
    torch.set_num_threads(2)
    engine = LLMEngine(loaded.model, loaded.tokenizer, config, 512, 512 * 16)
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores)\n")
    throughput_table(engine, args.runs, args.max_tokens)
    mask_table(engine, args.max_tokens)
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
