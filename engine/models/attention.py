"""The attention seam between the model and whoever owns the keys and values (KV cache, packing).

The model computes q, k, v with RoPE applied and hands them to an `Attention`; this module holds
the protocol and the plain reference: dense causal attention, optionally per packed sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import Tensor


class Attention(Protocol):
    """What a decoder layer calls; the engine's paged-KV implementation satisfies it too."""

    def __call__(self, layer_idx: int, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        """q [T, n_heads, head_dim]; k, v [T, n_kv_heads, head_dim], RoPE applied.

        Returns [T, n_heads, head_dim]."""
        ...


def causal_sdpa(q: Tensor, k: Tensor, v: Tensor) -> Tensor:
    """Causal attention of one sequence: [T, heads, head_dim] in, [T, n_heads, head_dim] out."""
    out = F.scaled_dot_product_attention(
        q.transpose(0, 1),
        k.transpose(0, 1),
        v.transpose(0, 1),
        is_causal=True,
        enable_gqa=q.shape[1] != k.shape[1],
    )
    return out.transpose(0, 1)


class CausalAttention:
    """Dense causal attention over the call's own tokens; no cache.

    With cu_seqlens (cumulative sample lengths, starting at 0 and ending at T) the T tokens are
    packed samples and no token attends across a sample boundary.
    """

    def __init__(self, cu_seqlens: Sequence[int] | None = None) -> None:
        if cu_seqlens is not None:
            cu_seqlens = [int(c) for c in cu_seqlens]
            if (
                len(cu_seqlens) < 2
                or cu_seqlens[0] != 0
                or any(a > b for a, b in pairwise(cu_seqlens))
            ):
                raise ValueError(f"cu_seqlens must start at 0 and not decrease, got {cu_seqlens}")
        self.cu_seqlens = cu_seqlens

    def __call__(self, layer_idx: int, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        if self.cu_seqlens is None:
            return causal_sdpa(q, k, v)
        if self.cu_seqlens[-1] != q.shape[0]:
            raise ValueError(
                f"cu_seqlens ends at {self.cu_seqlens[-1]} but the batch has {q.shape[0]} tokens"
            )
        parts = [causal_sdpa(q[s:e], k[s:e], v[s:e]) for s, e in pairwise(self.cu_seqlens) if e > s]
        return torch.cat(parts, dim=0) if parts else torch.empty_like(q)
