"""Paged attention over an Int8KVCache, with PagedAttention's semantics and call protocol.

Plain torch: gathered blocks are dequantized, then attended exactly as PagedAttention does (decode
rows batched and padded; prefill chunks through SDPA). On CUDA the decode rows can instead go
through the Triton kernel that reads the int8 blocks directly.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.paged_attention import PagedAttention, SeqSlice
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
            self.decode_table = self.decode_table.to(device, torch.int32)
        self.prefill_blocks = [b.to(device) for b in self.prefill_blocks]
        self.prefill_masks = [m if m is None else m.to(device) for m in self.prefill_masks]

    def __call__(self, layer_idx: int, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        self.cache.write(layer_idx, self.slots, k, v)
        if self.all_decode:
            return self._decode_int8(layer_idx, q)
        out = torch.empty_like(q)
        if self.has_decode:
            out[self.decode_rows] = self._decode_int8(layer_idx, q[self.decode_rows])
        for s, blocks, mask in zip(self.prefills, self.prefill_blocks, self.prefill_masks, strict=True):
            rows = slice(s.start, s.start + s.q_len)
            if mask is None:  # nothing cached before this chunk: its own K/V, as PagedAttention
                ks, vs = k[rows], v[rows]
            else:
                kb, vb = self.cache.gather(layer_idx, blocks, q.dtype)
                ks, vs = kb.flatten(0, 1)[: s.ctx_len], vb.flatten(0, 1)[: s.ctx_len]
            o = F.scaled_dot_product_attention(
                q[rows].transpose(0, 1), ks.transpose(0, 1).to(q.dtype), vs.transpose(0, 1).to(q.dtype),
                attn_mask=mask, is_causal=mask is None, enable_gqa=True,
            )
            out[rows] = o.transpose(0, 1)
        return out

    def _decode_int8(self, layer_idx: int, q: Tensor) -> Tensor:
        c = self.cache
        if self.decode_kernel == "triton":
            from engine.quant.triton_paged_attention import int8_paged_decode as decode
        else:
            decode = torch.ops.hanlin.int8_paged_decode
        return decode(q, c.k[layer_idx], c.v[layer_idx], c.k_scale[layer_idx], c.v_scale[layer_idx],
                      self.decode_table, self.decode_lens)


def int8_paged_decode_reference(q: Tensor, k_cache: Tensor, v_cache: Tensor, k_scale: Tensor,
                                v_scale: Tensor, block_table: Tensor, ctx_lens: Tensor) -> Tensor:
    """One query row per sequence over its int8 blocks (PagedAttention's decode, dequantized).

    q [B, n_heads, D]; caches [num_blocks, bs, n_kv, D] int8, scales [num_blocks, bs, n_kv];
    block_table [B, max_blocks] (padding entries: any valid id); ctx_lens [B]. -> [B, n_heads, D].
    """
    b, n_heads, d = q.shape
    n_kv, bs = k_cache.shape[2], k_cache.shape[1]
    table = block_table.long()
    # Dequantize to q's dtype: in fp32 this matches PagedAttention over an fp32 cache.
    keys = dequantize_kv(k_cache[table], k_scale[table], q.dtype).flatten(1, 2).permute(0, 2, 3, 1)
    vals = dequantize_kv(v_cache[table], v_scale[table], q.dtype).flatten(1, 2).transpose(1, 2)
    pad = torch.arange(table.shape[1] * bs, device=q.device) >= ctx_lens.to(q.device)[:, None]
    scores = torch.matmul(q.view(b, n_kv, n_heads // n_kv, d), keys) * d**-0.5  # [B, n_kv, g, L]
    scores = scores.float().masked_fill_(pad[:, None, None, :], float("-inf"))
    return torch.matmul(scores.softmax(-1).to(vals.dtype), vals).view(b, n_heads, d).to(q.dtype)


@torch.library.custom_op("hanlin::int8_paged_decode", mutates_args=())
def _int8_paged_decode_op(q: Tensor, k_cache: Tensor, v_cache: Tensor, k_scale: Tensor,
                          v_scale: Tensor, block_table: Tensor, ctx_lens: Tensor) -> Tensor:
    """The reference as one opaque op: torch.compile (engine.compiled) calls it instead of
    tracing the dequantizing gather, whose symbolic shapes it could not finish reasoning about."""
    return int8_paged_decode_reference(q, k_cache, v_cache, k_scale, v_scale, block_table,
                                       ctx_lens)


@_int8_paged_decode_op.register_fake
def _(q: Tensor, *_args: Tensor) -> Tensor:
    return torch.empty_like(q)
