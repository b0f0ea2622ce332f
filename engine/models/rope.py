"""Rotary position embeddings, Hugging Face's rotate-half convention, with dynamic NTK scaling.

Tables are cached per (device, dtype) and indexed by position; only a dynamic-NTK call past the
trained context recomputes frequencies, for the positions it needs.
"""

from __future__ import annotations

import torch
from torch import Tensor

from engine.models.config import RopeScaling


def inverse_frequencies(head_dim: int, base: float) -> Tensor:
    # The same expression as transformers, so fp32 tables agree bit for bit. An explicit device:
    # loaders build the model under torch.device("meta"), and these are not weights.
    return 1.0 / (
        base ** (torch.arange(0, head_dim, 2, dtype=torch.float, device="cpu") / head_dim)
    )


def dynamic_ntk_base(
    base: float, factor: float, seq_len: int, max_pos: int, head_dim: int
) -> float:
    """HF's dynamic NTK base for seq_len tokens (unchanged within the trained context)."""
    if seq_len <= max_pos:
        return base
    return base * ((factor * seq_len / max_pos) - (factor - 1)) ** (head_dim / (head_dim - 2))


def _cos_sin(positions: Tensor, inv_freq: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    freqs = positions.float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    half = inv_freq.numel()
    # Fold rotate-half's minus sign into sin: rotate_half(x) * sin == x.roll(half) * signed_sin.
    sin = emb.sin()
    signed_sin = torch.cat((-sin[:, :half], sin[:, half:]), dim=-1)
    # Computed in fp32, then cast, as transformers does.
    return emb.cos().to(dtype), signed_sin.to(dtype)


class RotaryEmbedding:
    """Maps positions [T] to (cos, signed sin), each [T, 1, head_dim], for `apply_rope`.

    Not an nn.Module: it holds no weights, so it never shows in a state dict, and its cache
    follows whatever device and dtype the activations come in.
    """

    def __init__(
        self, head_dim: int, base: float, max_position_embeddings: int, scaling: RopeScaling | None
    ) -> None:
        self.head_dim = head_dim
        self.base = base
        self.max_position_embeddings = max_position_embeddings
        self.scaling = scaling
        self._inv_freq = inverse_frequencies(head_dim, base)
        self._tables: dict[tuple[torch.device, torch.dtype], tuple[Tensor, Tensor]] = {}

    def __call__(self, positions: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
        seq_len = int(positions.max()) + 1 if positions.numel() else 0
        if self.scaling is not None and seq_len > self.max_position_embeddings:
            base = dynamic_ntk_base(
                self.base, self.scaling.factor, seq_len, self.max_position_embeddings, self.head_dim
            )
            inv_freq = inverse_frequencies(self.head_dim, base).to(positions.device)
            cos, sin = _cos_sin(positions, inv_freq, dtype)
            return cos[:, None], sin[:, None]
        cos, sin = self._table(positions.device, dtype, seq_len)
        return cos[positions][:, None], sin[positions][:, None]

    def _table(
        self, device: torch.device, dtype: torch.dtype, seq_len: int
    ) -> tuple[Tensor, Tensor]:
        key = (device, dtype)
        table = self._tables.get(key)
        if table is None or table[0].shape[0] < seq_len:
            # Grown in powers of two as positions come, not sized to the trained context up front:
            # some checkpoints claim 128k positions or more.
            size = max(1024, 1 << (seq_len - 1).bit_length())
            positions = torch.arange(size, device=device)
            table = _cos_sin(positions, self._inv_freq.to(device), dtype)
            self._tables[key] = table
        return table


def apply_rope(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """x [T, heads, head_dim] -> rotated x (a new tensor; autograd friendly).

    Eager: one roll, fewest ops. Traced (engine.compiled): the same products per half, then a
    cat — inductor reads a rolled tensor element by element (an index modulo head_dim), and
    where it recomputes the rotated query inside the attention loop, once per key, that cost
    grows with the context (one layer at batch 1, 150 tokens: 92 -> 70 us, measured)."""
    if not torch.compiler.is_compiling():
        return torch.addcmul(x * cos, x.roll(x.shape[-1] // 2, dims=-1), sin)
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]
    return torch.cat((torch.addcmul(x1 * cos[..., :h], x2, sin[..., :h]),
                      torch.addcmul(x2 * cos[..., h:], x1, sin[..., h:])), dim=-1)
