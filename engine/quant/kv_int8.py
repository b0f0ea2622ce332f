"""The paged KV cache in int8: symmetric, one scale per (token, KV head), quantized on write.

Same block layout as `engine.paged_attention.KVCache` ([n_kv, num_blocks, block_size, head_dim]
per layer, K and V: heads first, so a batch's gathered blocks are [n_kv, B, L, D] with no
transpose), plus scale tensors [n_kv, num_blocks, block_size] in fp32 or fp16.
"""

from __future__ import annotations

import torch
from torch import Tensor

from engine.paged_attention import KVCache

SCALE_DTYPES = (torch.float32, torch.float16)


def quantize_kv(x: Tensor, scale_dtype: torch.dtype = torch.float32) -> tuple[Tensor, Tensor]:
    """x [T, n_kv, D] -> (int8 [T, n_kv, D], scales [T, n_kv]): absmax / 127 per row of D."""
    if scale_dtype not in SCALE_DTYPES:
        raise ValueError(f"KV scales must be one of {SCALE_DTYPES}, got {scale_dtype}")
    x = x.float()
    # Round the scale to its stored dtype first, so that dequantization uses what q was made with.
    scale = (x.abs().amax(-1) / 127).to(scale_dtype)
    s = scale.float()
    safe = torch.where(s > 0, s, torch.ones_like(s))
    q = (x / safe[..., None]).round_().clamp_(-127, 127).to(torch.int8)
    return q, scale


def dequantize_kv(q: Tensor, scale: Tensor, dtype: torch.dtype = torch.float32) -> Tensor:
    """int8 [..., D] and scales [...] -> [..., D] in dtype (computed in fp32)."""
    return (q.float() * scale.float()[..., None]).to(dtype)


class Int8KVCache(KVCache):
    """K and V per layer as int8 [n_kv, num_blocks, block_size, D] with k_scale / v_scale
    [n_kv, num_blocks, block_size]. Blocks are addressed exactly as in KVCache."""

    def __init__(self, *, num_layers: int, num_blocks: int, block_size: int, num_kv_heads: int,
                 head_dim: int, scale_dtype: torch.dtype = torch.float32,
                 device: torch.device | str = "cpu") -> None:
        if scale_dtype not in SCALE_DTYPES:
            raise ValueError(f"KV scales must be one of {SCALE_DTYPES}, got {scale_dtype}")
        # KVCache's attributes, allocated here on the target device (no CPU copy on the way).
        self.block_size, self.num_blocks, self.scale_dtype = block_size, num_blocks, scale_dtype
        shape = (num_kv_heads, num_blocks, block_size, head_dim)

        def zeros(shape: tuple[int, ...], dtype: torch.dtype) -> list[Tensor]:
            return [torch.zeros(shape, dtype=dtype, device=device) for _ in range(num_layers)]

        self.k, self.v = zeros(shape, torch.int8), zeros(shape, torch.int8)
        self.k_scale, self.v_scale = zeros(shape[:3], scale_dtype), zeros(shape[:3], scale_dtype)

    @staticmethod
    def bytes_per_block(*, num_layers: int, block_size: int, num_kv_heads: int, head_dim: int,
                        dtype: torch.dtype = torch.int8,
                        scale_dtype: torch.dtype = torch.float32) -> int:
        """Bytes of one block over all layers, K and V, scales included (`dtype` is ignored: it
        exists so that the call KVCache.bytes_per_block takes works here too)."""
        scale = torch.empty((), dtype=scale_dtype).element_size()
        return 2 * num_layers * block_size * num_kv_heads * (head_dim + scale)

    def write(self, layer_idx: int, slots: Tensor, k: Tensor, v: Tensor) -> None:
        """Quantize k, v [T, n_kv, D] and store them at flat slots (block * block_size + offset)."""
        for cache, scales, x in ((self.k, self.k_scale, k), (self.v, self.v_scale, v)):
            q, s = quantize_kv(x, self.scale_dtype)
            c, sc = cache[layer_idx], scales[layer_idx]
            c.view(c.shape[0], -1, c.shape[3]).index_copy_(1, slots, q.transpose(0, 1))
            sc.view(sc.shape[0], -1).index_copy_(1, slots, s.transpose(0, 1))

    def gather(self, layer_idx: int, blocks: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
        """K and V of the given block ids (any shape of ids), dequantized to dtype:
        [n_kv, *blocks.shape, block_size, D] each, as `KVCache.k[layer][:, blocks]`."""
        k = dequantize_kv(self.k[layer_idx][:, blocks], self.k_scale[layer_idx][:, blocks], dtype)
        v = dequantize_kv(self.v[layer_idx][:, blocks], self.v_scale[layer_idx][:, blocks], dtype)
        return k, v
