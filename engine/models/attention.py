"""The attention seam between the model and whoever owns the keys and values (KV cache, packing).

The model computes q, k, v with RoPE applied and hands them to an `Attention`, with the layer's
sliding window and score cap where its family has them; this module holds the protocol and the
plain references: dense causal attention, optionally per packed sample, and the explicit masked
form every implementation falls back to for windows and caps.
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

    def __call__(self, layer_idx: int, q: Tensor, k: Tensor, v: Tensor, *,
                 window: int | None = None, softcap: float | None = None) -> Tensor:
        """q [T, n_heads, head_dim]; k, v [T, n_kv_heads, head_dim], RoPE applied. `window`: a
        query at position p sees keys at p - window < position <= p (None: all before it);
        `softcap`: scores become softcap * tanh(score / softcap) before the softmax.

        Returns [T, n_heads, head_dim]."""
        ...


def masked_attention(q: Tensor, k: Tensor, v: Tensor, allowed: Tensor,
                     softcap: float | None = None) -> Tensor:
    """The explicit form: q [Tq, H, D], k / v [Tk, H_kv, D], allowed [Tq, Tk] (or broadcastable
    [H, Tq, Tk]) True where a query may see a key -> [Tq, H, D]. Scores in fp32, scaled by
    D ** -0.5, capped when `softcap` is set, as transformers' eager attention does."""
    group = q.shape[1] // k.shape[1]
    qh = q.transpose(0, 1).float()
    kh = k.transpose(0, 1).float().repeat_interleave(group, dim=0)
    vh = v.transpose(0, 1).float().repeat_interleave(group, dim=0)
    scores = torch.matmul(qh, kh.transpose(-1, -2)) * q.shape[-1] ** -0.5
    if softcap is not None:
        scores = torch.tanh(scores / softcap) * softcap
    probs = scores.masked_fill(~allowed, float("-inf")).softmax(-1)
    return torch.matmul(probs, vh).transpose(0, 1).to(q.dtype)


def causal_window_mask(q_positions: Tensor, k_positions: Tensor, window: int | None) -> Tensor:
    """[Tq, Tk] True where key position <= query position (and within `window` of it)."""
    diff = q_positions[:, None] - k_positions[None, :]
    allowed = diff >= 0
    return allowed & (diff < window) if window is not None else allowed


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

    def __call__(self, layer_idx: int, q: Tensor, k: Tensor, v: Tensor, *,
                 window: int | None = None, softcap: float | None = None) -> Tensor:
        if window is not None or softcap is not None:
            cuts = self.cu_seqlens or [0, q.shape[0]]
            parts = [masked_attention(q[s:e], k[s:e], v[s:e],
                                      causal_window_mask(torch.arange(e - s), torch.arange(e - s),
                                                         window), softcap)
                     for s, e in pairwise(cuts) if e > s]
            return torch.cat(parts, dim=0) if parts else torch.empty_like(q)
        if self.cu_seqlens is None:
            return causal_sdpa(q, k, v)
        if self.cu_seqlens[-1] != q.shape[0]:
            raise ValueError(
                f"cu_seqlens ends at {self.cu_seqlens[-1]} but the batch has {q.shape[0]} tokens"
            )
        parts = [causal_sdpa(q[s:e], k[s:e], v[s:e]) for s, e in pairwise(self.cu_seqlens) if e > s]
        return torch.cat(parts, dim=0) if parts else torch.empty_like(q)
