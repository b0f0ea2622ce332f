"""Paged attention over an Int8KVCache, with PagedAttention's semantics and call protocol.

Decode rows, plain torch, two forms of one computation: the reference dequantizes the gathered
blocks and attends as PagedAttention does — the form torch.compile traces (engine.compiled), where
the dequantization fuses into the gather; eager, `int8_paged_decode_folded` scores against the
int8 keys converted to the query's dtype (exact: int8 fits bf16) and folds the per-token scales
into the scores and probabilities, so no scaled copy of K or V is made. Prefill chunks dequantize
their blocks and go through SDPA as in PagedAttention. On CUDA the decode rows can instead go
through the Triton kernel that reads the int8 blocks directly.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from engine.paged_attention import PagedAttention, SeqSlice, decode_attend
from engine.quant.kv_int8 import Int8KVCache, dequantize_kv


class Int8PagedAttention(PagedAttention):
    """The model's Attention protocol over int8 blocks for one scheduled batch.

    decode_kernel: "torch" (the reference), "triton" (the kernel; CUDA, or CPU under the Triton
    interpreter) or None: Triton where the cache lives on CUDA, torch elsewhere.
    """

    cache: Int8KVCache

    def __init__(self, cache: Int8KVCache, seqs: list[SeqSlice], slot_mapping: Tensor, *,
                 decode_kernel: Literal["torch", "triton"] | None = None) -> None:
        super().__init__(cache, seqs, slot_mapping)
        device = cache.k[0].device
        self.slots = slot_mapping.to(device)
        if decode_kernel is None:
            decode_kernel = "triton" if device.type == "cuda" else "torch"
        self.decode_kernel = decode_kernel
        if self.has_decode:
            lens = [s.ctx_len for s in seqs if s.q_len == 1]
            self.decode_lens = torch.tensor(lens, dtype=torch.int32, device=device)
            self.decode_table = self.decode_table.to(device)
        self.prefill_blocks = [b.to(device) for b in self.prefill_blocks]
        self.prefill_masks = [m if m is None else m.to(device) for m in self.prefill_masks]

    def _write(self, layer_idx: int, k: Tensor, v: Tensor) -> None:
        self.cache.write(layer_idx, self.slots, k, v)

    def _blocks(self, layer_idx: int, blocks: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
        return self.cache.gather(layer_idx, blocks, dtype)

    def _decode(self, layer_idx: int, q: Tensor) -> Tensor:
        c = self.cache
        if self.decode_kernel == "triton":
            from engine.quant.triton_paged_attention import int8_paged_decode as decode
        elif torch.compiler.is_compiling():
            decode = int8_paged_decode_reference
        else:
            decode = int8_paged_decode_folded
        return decode(q, c.k[layer_idx], c.v[layer_idx], c.k_scale[layer_idx], c.v_scale[layer_idx],
                      self.decode_table, self.decode_lens)


def int8_paged_decode_reference(q: Tensor, k_cache: Tensor, v_cache: Tensor, k_scale: Tensor,
                                v_scale: Tensor, block_table: Tensor, ctx_lens: Tensor) -> Tensor:
    """One query row per sequence over its int8 blocks: PagedAttention's decode, dequantized.

    q [B, n_heads, D]; caches [n_kv, num_blocks, bs, D] int8, scales [n_kv, num_blocks, bs];
    block_table [B, max_blocks] (padding entries: any valid id); ctx_lens [B]. -> [B, n_heads, D].
    """
    b, n_heads, d = q.shape
    n_kv = k_cache.shape[0]
    table = block_table.long()
    # Dequantized in fp32, then to q's dtype: in fp32 this is PagedAttention over an fp32 cache.
    keys = dequantize_kv(k_cache[:, table], k_scale[:, table], q.dtype).flatten(2, 3)
    vals = dequantize_kv(v_cache[:, table], v_scale[:, table], q.dtype).flatten(2, 3)
    pad = torch.arange(keys.shape[2], device=q.device) >= ctx_lens.to(q.device)[:, None]  # [B, L]
    qg = q.view(b, n_kv, n_heads // n_kv, d).transpose(0, 1)  # [n_kv, B, g, D]
    out = decode_attend(qg, keys, vals, pad[None, :, None, :])  # [n_kv, B, g, D]
    return out.transpose(0, 1).reshape(b, n_heads, d).to(q.dtype)


def int8_paged_decode_folded(q: Tensor, k_cache: Tensor, v_cache: Tensor, k_scale: Tensor,
                             v_scale: Tensor, block_table: Tensor, ctx_lens: Tensor) -> Tensor:
    """The reference's result without dequantizing the blocks: with K = Kq * ks per token,
    q.K = ks * (q.Kq) and sum p V = sum (p * vs) Vq — the scales multiply the [.., L] scores and
    probabilities instead of the [.., L, D] blocks. Eager, it is 1.5x slower than a bf16 cache
    where dequantizing first is 2.5x; compiled, the reference's fused gather is faster."""
    b, n_heads, d = q.shape
    n_kv = k_cache.shape[0]
    table = block_table.long()
    keys = k_cache[:, table].flatten(2, 3).to(q.dtype)  # [n_kv, B, L, D]
    vals = v_cache[:, table].flatten(2, 3).to(q.dtype)
    k_s = k_scale[:, table].flatten(2, 3).float()[:, :, None, :]  # [n_kv, B, 1, L]
    v_s = v_scale[:, table].flatten(2, 3).float()[:, :, None, :]
    pad = torch.arange(keys.shape[2], device=q.device) >= ctx_lens.to(q.device)[:, None]
    qg = q.view(b, n_kv, n_heads // n_kv, d).transpose(0, 1)
    scores = torch.matmul(qg, keys.transpose(-1, -2)).float() * (k_s * d**-0.5)
    scores = scores.masked_fill_(pad[None, :, None, :], float("-inf"))
    probs = (scores.softmax(-1) * v_s).to(vals.dtype)
    out = torch.matmul(probs, vals)
    return out.transpose(0, 1).reshape(b, n_heads, d).to(q.dtype)
