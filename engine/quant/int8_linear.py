"""Per-channel int8 weights: the LM head through `aten._weight_int8pack_mm`, and the embedding
lookup over the same int8 table (the default model ties them). Plain-torch references beside.

Q8_0 has a scale per 32 weights; the aten kernel takes one per output row, so a Q8_0 table is
requantized per row here (not exact: measured in tests/engine/quant/test_int8_linear.py).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from engine.quant.kv_int8 import quantize_kv

INT8_ACTIVATION_DTYPES = (torch.bfloat16, torch.float16, torch.float32)


def quantize_int8_per_channel(w: Tensor) -> tuple[Tensor, Tensor]:
    """Symmetric round-to-nearest per row: w [N, K] -> (int8 [N, K], fp32 scales [N])."""
    w = w.detach().float()
    scale = w.abs().amax(-1) / 127
    safe = torch.where(scale > 0, scale, torch.ones_like(scale))
    return (w / safe[:, None]).round_().clamp_(-127, 127).to(torch.int8), scale


def dequantize_q8_0(q: Tensor, block_scale: Tensor) -> Tensor:
    """(int8 [N, K], scales [N, K // 32]) -> fp32 [N, K], as GGUF computes it."""
    n, k = q.shape
    return (q.float().reshape(n, -1, 32) * block_scale[..., None]).reshape(n, k)


def int8_linear_reference(x: Tensor, q: Tensor, scale: Tensor) -> Tensor:
    return F.linear(x.float(), q.float() * scale.float()[:, None]).to(x.dtype)


def check_int8_mm_shape(k: int, dtype: torch.dtype) -> None:
    """bf16 / fp16 aten._weight_int8pack_mm crashes the process (SIGSEGV, torch 2.13) unless
    K % 16 == 0, so refuse here instead."""
    if dtype not in INT8_ACTIVATION_DTYPES:
        raise ValueError(f"the int8 kernel computes in {INT8_ACTIVATION_DTYPES}, got {dtype}")
    if dtype != torch.float32 and k % 16:
        raise ValueError(f"the {dtype} int8 kernel needs in_features divisible by 16, got {k}")


class Int8Linear(nn.Module):
    """y = (x @ q.T) * scale, weight-only int8 with one scale per output row; no bias."""

    def __init__(self, q: Tensor, scale: Tensor, act_dtype: torch.dtype = torch.bfloat16) -> None:
        super().__init__()
        check_int8_mm_shape(q.shape[1], act_dtype)
        self.out_features, self.in_features = q.shape
        self.act_dtype = act_dtype
        self.register_buffer("weight_int8", q.contiguous())
        self.register_buffer("scale", scale.to(act_dtype))

    def forward(self, x: Tensor) -> Tensor:
        flat = x.reshape(-1, self.in_features).to(self.act_dtype).contiguous()
        y = torch.ops.aten._weight_int8pack_mm(flat, self.weight_int8, self.scale)
        return y.to(x.dtype).view(*x.shape[:-1], self.out_features)


class Int8Embedding(nn.Module):
    """Embedding lookup over an int8 table with a scale per row (shareable with Int8Linear)."""

    def __init__(self, q: Tensor, scale: Tensor, dtype: torch.dtype) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = q.shape
        self.dtype = dtype
        self.register_buffer("weight_int8", q)
        self.register_buffer("scale", scale.float())

    def forward(self, ids: Tensor) -> Tensor:
        return (self.weight_int8[ids].float() * self.scale[ids, None]).to(self.dtype)


def int8_tied_embedding(model: nn.Module, q: Tensor, scale: Tensor, *,
                        act_dtype: torch.dtype = torch.bfloat16) -> None:
    """Swap a tied model's `model.embed_tokens` and `lm_head` for one shared int8 table."""
    embed = model.get_submodule("model.embed_tokens")
    dtype = embed.weight.dtype if isinstance(embed, nn.Embedding) else act_dtype
    head = Int8Linear(q, scale, act_dtype)
    model.get_submodule("model").embed_tokens = Int8Embedding(head.weight_int8, scale, dtype)
    model.lm_head = head


def quantize_q8_0(w: Tensor) -> tuple[Tensor, Tensor]:
    """GGUF's Q8_0 rounding: w [N, K] -> (int8 [N, K], fp32 scales [N, K // 32]), a symmetric
    scale per block of 32, amax / 127 (rounded to fp16 first, as the file stores it)."""
    n, k = w.shape
    if k % 32:
        raise ValueError(f"Q8_0 takes rows in blocks of 32, got {k} columns")
    # The KV cache's rounding, a block of 32 for a row of head_dim.
    q, d = quantize_kv(w.detach().reshape(n, k // 32, 32), torch.float16)
    return q.reshape(n, k), d.float()
