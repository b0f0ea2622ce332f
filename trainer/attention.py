"""Attention for packed training rows: no token attends across a sample boundary.

flash-attn's varlen kernel on CUDA when it is installed (fp16 / bf16); otherwise SDPA with one
boolean block-diagonal causal mask, built once per micro-batch and shared by every layer.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.models.attention import masked_attention

try:  # flash-attn only builds and imports with CUDA
    from flash_attn import flash_attn_varlen_func
except ImportError:  # pragma: no cover - depends on the machine
    flash_attn_varlen_func = None


def flash_available() -> bool:
    return flash_attn_varlen_func is not None and torch.cuda.is_available()


def block_causal_mask(cu_seqlens: Tensor, total: int) -> Tensor:
    """[T, T] bool, True where query t may attend key s: same sample and s <= t."""
    sample = torch.repeat_interleave(
        torch.arange(cu_seqlens.numel() - 1, device=cu_seqlens.device),
        (cu_seqlens[1:] - cu_seqlens[:-1]).long(), output_size=total)
    index = torch.arange(total, device=cu_seqlens.device)
    return (sample[:, None] == sample[None, :]) & (index[:, None] >= index[None, :])


class PackedAttention:
    """An engine.models `Attention` over flat packed tokens described by cu_seqlens (int32)."""

    def __init__(self, cu_seqlens: Tensor, max_seqlen: int, use_flash: bool | None = None) -> None:
        self.cu_seqlens = cu_seqlens.to(torch.int32)
        self.max_seqlen = max_seqlen
        self.use_flash = flash_available() if use_flash is None else use_flash
        self._mask: Tensor | None = None
        self._windowed: dict[int, Tensor] = {}

    def __call__(self, layer_idx: int, q: Tensor, k: Tensor, v: Tensor, *,
                 window: int | None = None, softcap: float | None = None) -> Tensor:
        if window is not None or softcap is not None:
            # Sliding windows and capped scores (Mistral, Gemma 2/3): the explicit form, masked
            # per sample as below and by the window (row indices within a sample are positions).
            return masked_attention(q, k, v, self._window_mask(q, window), softcap)
        if self.use_flash and q.is_cuda and q.dtype in (torch.float16, torch.bfloat16):
            # q [T, H, D], k / v [T, H_kv, D]: the varlen kernel takes GQA as it is.
            return flash_attn_varlen_func(q, k, v, self.cu_seqlens, self.cu_seqlens,
                                          self.max_seqlen, self.max_seqlen, causal=True)
        out = F.scaled_dot_product_attention(
            q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1),
            attn_mask=self._block_mask(q), enable_gqa=q.shape[1] != k.shape[1])
        return out.transpose(0, 1)

    def _window_mask(self, q: Tensor, window: int | None) -> Tensor:
        """The block mask, also cut to `window` (built once per micro-batch and window)."""
        if window is None:
            return self._block_mask(q)
        if window not in self._windowed or self._windowed[window].device != q.device:
            index = torch.arange(q.shape[0], device=q.device)
            self._windowed[window] = self._block_mask(q) & (
                index[:, None] - index[None, :] < window)
        return self._windowed[window]

    def _block_mask(self, q: Tensor) -> Tensor:
        if self._mask is None or self._mask.device != q.device:
            self._mask = block_causal_mask(self.cu_seqlens.to(q.device), q.shape[0])
        return self._mask
