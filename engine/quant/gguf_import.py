"""GGUF quantized tensors mapped onto our formats without re-quantization: Q4_1 -> int4, Q8_0 -> int8.

Q4_1 blocks (32 weights: fp16 d, fp16 m, 16 nibble bytes; w = d * q + m) are group-32 asymmetric
int4 with scale = d and zero = m + 8d; in fp32 that is bit for bit the GGUF dequantization.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from engine.loaders.gguf import Q, config_from_gguf, gguf_tensors, open_gguf
from engine.models.config import ModelConfig
from engine.quant.int4 import Int4Weight, pack_int4

Q4_1_BLOCK_BYTES = 20
Q8_0_BLOCK_BYTES = 34


def q4_1_to_int4(raw: Tensor) -> Int4Weight:
    """Raw Q4_1 rows uint8 [N, K // 32 * 20] -> Int4Weight (group 32, fp32 scales and zeros)."""
    if raw.dtype != torch.uint8 or raw.dim() != 2 or raw.shape[1] % Q4_1_BLOCK_BYTES:
        raise ValueError(f"expected Q4_1 rows of uint8 [N, 20 * blocks], "
                         f"got {raw.dtype} {list(raw.shape)}")
    n = raw.shape[0]
    blocks = raw.reshape(n, -1, Q4_1_BLOCK_BYTES)
    d = blocks[..., 0:2].contiguous().view(torch.float16).squeeze(-1).float()
    m = blocks[..., 2:4].contiguous().view(torch.float16).squeeze(-1).float()
    qs = blocks[..., 4:]
    # GGUF keeps elements 0..15 of a block in the low nibbles and 16..31 in the high ones.
    q = torch.cat((qs & 0x0F, qs >> 4), dim=-1).reshape(n, -1)
    return Int4Weight(pack_int4(q), d, m + 8 * d, 32)


def q8_0_to_int8(raw: Tensor) -> tuple[Tensor, Tensor]:
    """Raw Q8_0 rows uint8 [N, K // 32 * 34] -> (int8 [N, K], fp32 block scales [N, K // 32])."""
    if raw.dtype != torch.uint8 or raw.dim() != 2 or raw.shape[1] % Q8_0_BLOCK_BYTES:
        raise ValueError(f"expected Q8_0 rows of uint8 [N, 34 * blocks], "
                         f"got {raw.dtype} {list(raw.shape)}")
    n = raw.shape[0]
    blocks = raw.reshape(n, -1, Q8_0_BLOCK_BYTES)
    d = blocks[..., 0:2].contiguous().view(torch.float16).squeeze(-1).float()
    return blocks[..., 2:].contiguous().view(torch.int8).reshape(n, -1), d


def gguf_int4_weights(path: str | Path, config: ModelConfig) -> dict[str, Int4Weight]:
    """Every Q4_1 linear weight of a GGUF as an Int4Weight, keyed by its HF linear module name
    ("model.layers.0.self_attn.q_proj"): the loader's renaming, row reordering and splitting of
    fused rows applied to the blocks as stored. Other tensor types are left to the dequantizing
    loader."""
    return {t.name.removesuffix(".weight"): q4_1_to_int4(t.rows)
            for t in gguf_tensors(open_gguf(path), config, (Q.Q4_1,))
            if t.name.endswith(".weight") and len(t.shape) == 2}


def gguf_q8_0_tensors(path: str | Path) -> dict[str, tuple[Tensor, Tensor]]:
    """Every Q8_0 weight (the default model: the tied embedding) as (int8, block scales), keyed by
    HF parameter name ("model.embed_tokens.weight")."""
    reader = open_gguf(path)
    return {t.name: q8_0_to_int8(t.rows)
            for t in gguf_tensors(reader, config_from_gguf(reader), (Q.Q8_0,)) if len(t.shape) == 2}
