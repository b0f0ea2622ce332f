"""Paged attention in plain torch: the KV cache as per-layer block tensors, and the batch's view.

`PagedAttention` is built once per step from the scheduled batch and passed to the model
explicitly (no globals). Each layer call writes the new K/V into their slots, then attends:
decode rows in one batched, padded product; each prefill chunk through SDPA over its blocks.
Layers with a sliding window or capped scores mask and cap the same batched decode product;
their prefill chunks take the explicit masked form.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from engine.models.attention import causal_window_mask, masked_attention


class KVCache:
    """K and V for every layer: [n_kv_heads, num_blocks, block_size, head_dim] each.

    Heads first: gathering a batch's blocks then gives [n_kv, B, L, D] directly, the layout the
    attention products read without another copy.
    """

    def __init__(self, *, num_layers: int, num_blocks: int, block_size: int, num_kv_heads: int,
                 head_dim: int, dtype: torch.dtype) -> None:
        shape = (num_kv_heads, num_blocks, block_size, head_dim)
        self.k = [torch.zeros(shape, dtype=dtype) for _ in range(num_layers)]
        self.v = [torch.zeros(shape, dtype=dtype) for _ in range(num_layers)]
        self.block_size = block_size
        self.num_blocks = num_blocks

    @staticmethod
    def bytes_per_block(*, num_layers: int, block_size: int, num_kv_heads: int, head_dim: int,
                        dtype: torch.dtype) -> int:
        elt = torch.empty((), dtype=dtype).element_size()
        return 2 * num_layers * block_size * num_kv_heads * head_dim * elt


@dataclass(frozen=True)
class SeqSlice:
    """One sequence's rows in the flattened batch: q rows [start, start+q_len), KV [0, ctx_len)."""

    start: int
    q_len: int
    ctx_len: int
    block_ids: list[int]


class PagedAttention:
    """Implements the model's Attention protocol over a KVCache for one scheduled batch."""

    def __init__(self, cache: KVCache, seqs: list[SeqSlice], slot_mapping: torch.Tensor) -> None:
        self.cache = cache
        self.seqs = seqs
        self.slots = slot_mapping
        bs = cache.block_size
        decode = [s for s in seqs if s.q_len == 1]
        self.prefills = [s for s in seqs if s.q_len > 1]
        self.decode_rows: torch.Tensor | None = None
        if decode:
            # At least 2 columns (the padding is masked): a table 1 block wide would be one more
            # shape for torch.compile to specialize on (engine.compiled).
            max_blocks = max(2, max(len(s.block_ids) for s in decode))
            table = torch.zeros(len(decode), max_blocks, dtype=torch.long)
            lens = torch.tensor([s.ctx_len for s in decode])
            for i, s in enumerate(decode):
                table[i, : len(s.block_ids)] = torch.tensor(s.block_ids)
            self.decode_table = table
            # [1, B, 1, L]: True where the padded position holds no token of this sequence.
            self.decode_pad = (torch.arange(max_blocks * bs) >= lens[:, None])[None, :, None, :]
            rows = [s.start for s in decode]
            whole = len(decode) == len(seqs) and rows == list(range(len(rows)))
            self.decode_rows = None if whole else torch.tensor(rows)
            self.all_decode = whole
        else:
            self.all_decode = False
        self.has_decode = bool(decode)
        self._window_pads: dict[int | None, torch.Tensor] = {}  # decode masks per window
        self.prefill_blocks = [torch.tensor(s.block_ids) for s in self.prefills]
        self.prefill_masks = [self._chunk_mask(s) for s in self.prefills]

    @staticmethod
    def _chunk_mask(s: SeqSlice) -> torch.Tensor | None:
        """Bottom-right-aligned causal mask for a chunk that follows cached context."""
        if s.ctx_len == s.q_len:
            return None
        q_pos = torch.arange(s.ctx_len - s.q_len, s.ctx_len)[:, None]
        return torch.arange(s.ctx_len)[None, :] <= q_pos

    def __call__(self, layer_idx: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *,
                 window: int | None = None, softcap: float | None = None) -> torch.Tensor:
        self._write(layer_idx, k, v)
        if window is not None or softcap is not None:
            return self._masked(layer_idx, q, k, v, window, softcap)
        if self.all_decode:
            return self._decode(layer_idx, q)
        out = torch.empty_like(q)
        if self.has_decode:
            out[self.decode_rows] = self._decode(layer_idx, q[self.decode_rows])
        for s, blocks, mask in zip(self.prefills, self.prefill_blocks, self.prefill_masks, strict=True):
            rows = slice(s.start, s.start + s.q_len)
            qs = q[rows].transpose(0, 1)
            if mask is None:  # nothing cached before this chunk: attend to its own K/V
                ks, vs = k[rows].transpose(0, 1), v[rows].transpose(0, 1)
            else:
                kb, vb = self._blocks(layer_idx, blocks, qs.dtype)
                ks, vs = kb.flatten(1, 2)[:, : s.ctx_len], vb.flatten(1, 2)[:, : s.ctx_len]
            o = F.scaled_dot_product_attention(
                qs, ks.to(qs.dtype), vs.to(qs.dtype), attn_mask=mask, is_causal=mask is None,
                enable_gqa=True,
            )
            out[rows] = o.transpose(0, 1)
        return out

    def _masked(self, layer_idx: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                window: int | None, softcap: float | None) -> torch.Tensor:
        """Decode rows in one batched product whose padding mask also hides what lies outside
        the window; each prefill chunk against its keys, explicitly masked."""
        if self.all_decode:
            return self._decode_masked(layer_idx, q, window, softcap)
        out = torch.empty_like(q)
        if self.has_decode:
            out[self.decode_rows] = self._decode_masked(layer_idx, q[self.decode_rows], window,
                                                        softcap)
        for s, blocks in zip(self.prefills, self.prefill_blocks, strict=True):
            rows = slice(s.start, s.start + s.q_len)
            if s.ctx_len == s.q_len:  # nothing cached before: its own K/V, as SDPA gets them
                ks, vs = k[rows], v[rows]
            else:
                kb, vb = self._blocks(layer_idx, blocks, q.dtype)
                ks = kb.flatten(1, 2)[:, : s.ctx_len].transpose(0, 1)
                vs = vb.flatten(1, 2)[:, : s.ctx_len].transpose(0, 1)
            positions = torch.arange(s.ctx_len, device=q.device)
            allowed = causal_window_mask(positions[s.ctx_len - s.q_len:], positions, window)
            out[rows] = masked_attention(q[rows], ks.to(q.dtype), vs.to(q.dtype), allowed, softcap)
        return out

    def _decode_masked(self, layer_idx: int, q: torch.Tensor, window: int | None,
                       softcap: float | None) -> torch.Tensor:
        """`_decode` for a layer with a window or capped scores: the blocks gathered through
        `_blocks` (dequantized for int8), then `decode_attend` with both."""
        kb, vb = self._blocks(layer_idx, self.decode_table, q.dtype)
        keys, vals = kb.flatten(2, 3), vb.flatten(2, 3)  # [n_kv, B, L, D]
        pad = self._window_pads.get(window)
        if pad is None:  # the same for every layer with this window: built once a step
            pad = self.decode_pad.to(q.device)
            if window is not None:
                length = pad.shape[-1] - pad.sum(-1, keepdim=True)  # each row's context length
                pad = pad | (torch.arange(pad.shape[-1], device=q.device) <= length - 1 - window)
            self._window_pads[window] = pad
        b, n_heads, head_dim = q.shape
        n_kv = keys.shape[0]
        qg = q.view(b, n_kv, n_heads // n_kv, head_dim).transpose(0, 1)
        out = decode_attend(qg, keys, vals, pad, softcap)
        return out.transpose(0, 1).reshape(b, n_heads, head_dim).to(q.dtype)

    # The three cache accesses; Int8PagedAttention overrides them for int8 blocks.

    def _write(self, layer_idx: int, k: torch.Tensor, v: torch.Tensor) -> None:
        """Store the step's k, v [T, n_kv, D] at their slots."""
        for cache, x in ((self.cache.k[layer_idx], k), (self.cache.v[layer_idx], v)):
            cache.view(cache.shape[0], -1, cache.shape[3]).index_copy_(
                1, self.slots, x.transpose(0, 1).to(cache.dtype))

    def _blocks(self, layer_idx: int, blocks: torch.Tensor,
                dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
        """K and V of the given block ids, [n_kv, n_blocks, block_size, D] each."""
        return self.cache.k[layer_idx][:, blocks], self.cache.v[layer_idx][:, blocks]

    def _decode(self, layer_idx: int, q: torch.Tensor) -> torch.Tensor:
        """One query row per sequence against its padded blocks; GQA without repeating K/V."""
        kc, vc = self.cache.k[layer_idx], self.cache.v[layer_idx]
        b, n_heads, head_dim = q.shape
        n_kv = kc.shape[0]
        keys = kc[:, self.decode_table].flatten(2, 3)  # [n_kv, B, L, D], contiguous
        vals = vc[:, self.decode_table].flatten(2, 3)
        qg = q.view(b, n_kv, n_heads // n_kv, head_dim).transpose(0, 1).to(keys.dtype)
        out = decode_attend(qg, keys, vals, self.decode_pad)  # [n_kv, B, g, D]
        return out.transpose(0, 1).reshape(b, n_heads, head_dim).to(q.dtype)


def decode_attend(qg: torch.Tensor, keys: torch.Tensor, vals: torch.Tensor,
                  pad: torch.Tensor, softcap: float | None = None) -> torch.Tensor:
    """Softmax attention of query groups qg [n_kv, B, g, D] over keys / vals [n_kv, B, L, D],
    pad [1 or n_kv, B, 1, L] True where masked -> [n_kv, B, g, D] in vals' dtype; `softcap`
    caps the scores (cap * tanh(score / cap)) before the softmax.

    Two batched matmuls; for a single sequence, products and sums instead (in fp32): a
    [3, 1, 3, 64] x [3, 1, 64, L] matmul is all call overhead, and under torch.compile the sums
    fuse with the gather of the blocks (33 vs 75 us a layer at batch 1, measured) — while at
    batch 32 the matmuls are faster (0.26 vs 0.40 ms)."""
    scale = qg.shape[-1] ** -0.5
    if qg.shape[1] == 1:
        scores = (qg.float()[:, :, :, None, :] * keys.float()[:, :, None]).sum(-1) * scale
        if softcap is not None:
            scores = torch.tanh(scores / softcap) * softcap
        probs = scores.masked_fill(pad, float("-inf")).softmax(-1)
        return (probs[..., None] * vals.float()[:, :, None]).sum(-2).to(vals.dtype)
    scores = (torch.matmul(qg, keys.transpose(-1, -2)) * scale).float()  # [n_kv, B, g, L]
    if softcap is not None:
        scores = torch.tanh(scores / softcap) * softcap
    scores = scores.masked_fill(pad, float("-inf"))
    return torch.matmul(scores.softmax(-1).to(vals.dtype), vals)
