"""Embeddings from the served decoder: the mean of each input's final hidden states (after the
final norm), L2-normalised. The layers run over packed inputs with dense causal attention;
the paged KV cache is never touched, so embedding leaves generation's blocks and prefixes alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

import msgspec
import torch
import torch.nn.functional as F
from torch import Tensor

from engine.models import CausalAttention, LlamaForCausalLM


class EmbedRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Token-id inputs to embed; `dimensions` keeps the first components, renormalised (OpenAI's
    shortening of text-embedding-3 vectors)."""

    inputs: tuple[tuple[int, ...], ...]
    dimensions: int | None = None


def chunks(lengths: Sequence[int], max_tokens: int) -> list[range]:
    """Consecutive runs of inputs of at most `max_tokens` tokens in all (an input longer than that
    runs alone: it cannot be split, every token attends to the ones before it)."""
    out: list[range] = []
    start, total = 0, 0
    for i, n in enumerate(lengths):
        if i > start and total + n > max_tokens:
            out.append(range(start, i))
            start, total = i, 0
        total += n
    if lengths:
        out.append(range(start, len(lengths)))
    return out


@torch.inference_mode()
def mean_hidden(model: LlamaForCausalLM, inputs: Sequence[Sequence[int]]) -> Tensor:
    """[len(inputs), hidden] fp32: each input's final hidden states averaged over its tokens.

    The inputs are packed into one forward pass (no padding); `CausalAttention` keeps every
    token inside its own input, and positions restart at 0 for each.
    """
    lengths = [len(x) for x in inputs]
    if not lengths or min(lengths) < 1:
        raise ValueError("every input needs at least one token")
    ids = torch.tensor([t for x in inputs for t in x], dtype=torch.long)
    positions = torch.cat([torch.arange(n) for n in lengths])
    hidden = model(ids, positions, CausalAttention([0, *accumulate(lengths)])).float()
    counts = torch.tensor(lengths)
    segment = torch.repeat_interleave(torch.arange(len(lengths)), counts)
    sums = hidden.new_zeros(len(lengths), hidden.shape[1]).index_add_(0, segment, hidden)
    return sums / counts.unsqueeze(1)


def normalize(means: Tensor, dimensions: int | None = None) -> Tensor:
    """Truncate to `dimensions` (all when None), then scale each row to unit L2 norm."""
    return F.normalize(means[:, :dimensions], dim=-1)


def embed(model: LlamaForCausalLM, request: EmbedRequest) -> Tensor:
    """The whole request in one pass: [len(inputs), dimensions or hidden] fp32, unit rows."""
    return normalize(mean_hidden(model, request.inputs), request.dimensions)
