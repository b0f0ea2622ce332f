"""Turns a batch of logits into one token per sequence: greedy, temperature, top-k, top-p, seeds.

Sampling lives outside the model. Each seeded request owns a torch.Generator, so the same seed
gives the same tokens whatever else shares the batch.
"""

from __future__ import annotations

import torch

from engine.protocol import SamplingParams


def make_generator(seed: int | None) -> torch.Generator:
    g = torch.Generator(device="cpu")
    if seed is None:
        g.seed()
    else:
        g.manual_seed(seed & 0xFFFF_FFFF_FFFF_FFFF)
    return g


def filter_top_k_top_p(logits: torch.Tensor, top_k: int, top_p: float) -> torch.Tensor:
    """Mask (to -inf) every logit outside the top-k and outside the smallest top-p nucleus.

    logits: [V] float32, already divided by the temperature. The token with the highest
    probability always survives.
    """
    if 0 < top_k < logits.numel():
        kth = torch.topk(logits, top_k).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True)
        probs = sorted_logits.softmax(-1)
        # Drop a token when the mass before it already reaches top_p.
        drop = probs.cumsum(-1) - probs >= top_p
        logits = logits.index_put((order[drop],), torch.tensor(float("-inf")))
    return logits


def sample_one(logits: torch.Tensor, params: SamplingParams, generator: torch.Generator) -> int:
    """One token from one row of logits ([V], float32)."""
    if params.greedy:
        return int(logits.argmax())
    scaled = filter_top_k_top_p(logits / params.temperature, params.top_k, params.top_p)
    probs = scaled.softmax(-1)
    return int(torch.multinomial(probs, 1, generator=generator))


def sample(
    logits: torch.Tensor, params: list[SamplingParams], generators: list[torch.Generator]
) -> list[int]:
    """One token per row. Greedy rows are done in one argmax; sampled rows one by one."""
    tokens = logits.argmax(-1).tolist()
    for i, p in enumerate(params):
        if not p.greedy:
            tokens[i] = sample_one(logits[i], p, generators[i])
    return tokens
