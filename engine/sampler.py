"""Turns a batch of logits into one token per sequence, and log-probabilities when asked.

Order, as vLLM and OpenAI apply them: the grammar's bitmask (tokens a grammar forbids are -inf),
logit_bias and penalties, then temperature, then top-k / top-p / min-p, then the draw. Each seeded request owns a torch.Generator, so the same seed gives
the same tokens whatever else shares the batch. Sampling lives outside the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from engine.protocol import SamplingParams, TokenLogprob

_BITS = torch.arange(32, dtype=torch.int32)


def apply_bitmask(logits: torch.Tensor, bitmask: torch.Tensor) -> torch.Tensor:
    """logits [N, V] with every token whose bit is clear in bitmask [N, ceil(V / 32)] int32
    (bit i % 32 of word i // 32 = token i allowed) set to -inf; a new tensor (the runner's
    logits are inference tensors). Columns past the bitmask (a padded vocabulary) never pass."""
    n, vocab = logits.shape
    allowed = ((bitmask.unsqueeze(-1) >> _BITS) & 1).view(n, -1).bool()
    if allowed.shape[1] < vocab:
        allowed = torch.nn.functional.pad(allowed, (0, vocab - allowed.shape[1]))
    return logits.masked_fill(~allowed[:, :vocab], float("-inf"))


def make_generator(seed: int | None) -> torch.Generator:
    g = torch.Generator(device="cpu")
    if seed is None:
        g.seed()
    else:
        g.manual_seed(seed & 0xFFFF_FFFF_FFFF_FFFF)
    return g


def apply_penalties(logits: torch.Tensor, params: SamplingParams, prompt_ids: Sequence[int],
                    output_ids: Sequence[int]) -> torch.Tensor:
    """logit_bias, OpenAI's presence / frequency penalties (over the output) and the repetition
    penalty (over prompt and output) on one row of logits [V]; returns a new tensor."""
    logits = logits.clone()
    vocab = logits.numel()
    if params.logit_bias:
        ids, bias = zip(*params.logit_bias, strict=True)
        logits[list(ids)] += torch.tensor(bias, dtype=logits.dtype)
    if output_ids and (params.presence_penalty or params.frequency_penalty):
        counts = torch.bincount(torch.tensor(output_ids), minlength=vocab)[:vocab].to(logits.dtype)
        logits -= params.frequency_penalty * counts + params.presence_penalty * (counts > 0)
    if params.repetition_penalty != 1.0:
        seen = torch.tensor(sorted(set(prompt_ids) | set(output_ids)), dtype=torch.long)
        vals = logits[seen]
        logits[seen] = torch.where(vals > 0, vals / params.repetition_penalty,
                                   vals * params.repetition_penalty)
    return logits


def filter_logits(logits: torch.Tensor, top_k: int, top_p: float, min_p: float = 0.0) -> torch.Tensor:
    """Mask (to -inf) every logit outside the top-k, the smallest top-p nucleus and the min-p
    floor. logits: [V] float32, already divided by the temperature. The best token survives."""
    if 0 < top_k < logits.numel():
        kth = torch.topk(logits, top_k).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if min_p > 0.0:
        # p_i < min_p * p_max  <=>  logit_i < logit_max + log(min_p)
        floor = logits.max() + torch.log(torch.tensor(min_p))
        logits = logits.masked_fill(logits < floor, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True)
        probs = sorted_logits.softmax(-1)
        # Drop a token when the mass before it already reaches top_p.
        drop = probs.cumsum(-1) - probs >= top_p
        logits = logits.index_put((order[drop],), torch.tensor(float("-inf")))
    return logits


def sample_one(logits: torch.Tensor, params: SamplingParams, generator: torch.Generator) -> int:
    """One token from one row of logits ([V], float32), penalties already applied."""
    if params.greedy:
        return int(logits.argmax())
    scaled = filter_logits(logits / params.temperature, params.top_k, params.top_p, params.min_p)
    probs = scaled.softmax(-1)
    return int(torch.multinomial(probs, 1, generator=generator))


def sample(
    logits: torch.Tensor,
    params: list[SamplingParams],
    generators: list[torch.Generator],
    histories: list[tuple[Sequence[int], Sequence[int]]] | None = None,
) -> list[int]:
    """One token per row. Plain greedy rows are done in one argmax; the rest one by one.
    histories: per row (prompt ids, output ids), needed only by penalized rows."""
    tokens = logits.argmax(-1).tolist()
    for i, p in enumerate(params):
        if p.greedy and not p.penalized:
            continue
        row = logits[i]
        if p.penalized:
            assert histories is not None, "penalties need the token history"
            row = apply_penalties(row, p, *histories[i])
        tokens[i] = sample_one(row, p, generators[i])
    return tokens


def token_logprobs(logits: torch.Tensor, chosen: Sequence[int], top: int) -> list[TokenLogprob]:
    """Log-softmax of raw logits [N, V]; the chosen token's value and the `top` best per row."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    picked = logp.gather(1, torch.tensor(chosen)[:, None])[:, 0].tolist()
    if top > 0:
        values, ids = logp.topk(top, dim=-1)
        tops = [list(zip(i, v, strict=True)) for i, v in zip(ids.tolist(), values.tolist(), strict=True)]
    else:
        tops = [[] for _ in chosen]
    return [TokenLogprob(t, lp, tp) for t, lp, tp in zip(chosen, picked, tops, strict=True)]
