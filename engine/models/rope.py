"""Rotary position embeddings, Hugging Face's rotate-half convention, with the scalings
checkpoints use: linear, dynamic NTK, Llama 3, YaRN and LongRoPE (per position: short factors
before the pretraining context, long ones from it on), and partial rotary dims.

Tables are cached per (device, dtype) and indexed by position; only a dynamic-NTK call past the
trained context recomputes frequencies, for the positions it needs.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from engine.models.config import RopeConfig, RopeScaling


def inverse_frequencies(dim: int, base: float) -> Tensor:
    # The same expression as transformers, so fp32 tables agree bit for bit. An explicit device:
    # loaders build the model under torch.device("meta"), and these are not weights.
    return 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float, device="cpu") / dim))


def dynamic_ntk_base(
    base: float, factor: float, seq_len: int, max_pos: int, head_dim: int
) -> float:
    """HF's dynamic NTK base for seq_len tokens (unchanged within the trained context)."""
    if seq_len <= max_pos:
        return base
    return base * ((factor * seq_len / max_pos) - (factor - 1)) ** (head_dim / (head_dim - 2))


def _llama3(inv_freq: Tensor, s: RopeScaling) -> Tensor:
    """Llama 3.1's: long wavelengths divided by `factor`, short kept, a smooth blend between."""
    old = s.original_max_position_embeddings or 0
    low_wavelen, high_wavelen = old / s.low_freq_factor, old / s.high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    scaled = torch.where(wavelen > low_wavelen, inv_freq / s.factor, inv_freq)
    smooth = (old / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor)
    smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled
    medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, scaled)


def _yarn_mscale(scale: float, mscale: float = 1.0) -> float:
    return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0


def _yarn(dim: int, base: float, s: RopeScaling) -> tuple[Tensor, float]:
    """YaRN: interpolated and extrapolated frequencies blended over a ramp of dims."""
    if s.attention_factor is not None:
        attention = s.attention_factor
    elif s.mscale and s.mscale_all_dim:
        attention = _yarn_mscale(s.factor, s.mscale) / _yarn_mscale(s.factor, s.mscale_all_dim)
    else:
        attention = _yarn_mscale(s.factor)
    orig = s.original_max_position_embeddings or 0

    def correction_dim(rotations: float) -> float:
        return (dim * math.log(orig / (rotations * 2 * math.pi))) / (2 * math.log(base))

    low, high = correction_dim(s.beta_fast), correction_dim(s.beta_slow)
    if s.truncate:
        low, high = math.floor(low), math.ceil(high)
    low, high = max(low, 0), min(high, dim - 1)
    if low == high:
        high += 0.001
    ramp = ((torch.arange(dim // 2, dtype=torch.float32, device="cpu") - low) / (high - low)).clamp(0, 1)
    pos_freqs = base ** (torch.arange(0, dim, 2, dtype=torch.float, device="cpu") / dim)
    extrapolation = 1 - ramp
    inv = (1.0 / (s.factor * pos_freqs)) * (1 - extrapolation) + (1.0 / pos_freqs) * extrapolation
    return inv, attention


def _longrope(dim: int, base: float, s: RopeScaling, max_pos: int) -> tuple[Tensor, Tensor, float]:
    """LongRoPE (Phi-3): (short inverse frequencies, long ones, the cos/sin factor)."""
    orig = s.original_max_position_embeddings or 0
    factor = s.factor if s.factor != 1.0 else max_pos / orig
    if s.attention_factor is not None:
        attention = s.attention_factor
    else:
        attention = 1.0 if factor <= 1.0 else math.sqrt(1 + math.log(factor) / math.log(orig))
    shape = torch.arange(0, dim, 2, dtype=torch.int64, device="cpu").float() / dim
    short = 1.0 / (torch.tensor(s.short_factor, dtype=torch.float32, device="cpu") * base**shape)
    long = 1.0 / (torch.tensor(s.long_factor, dtype=torch.float32, device="cpu") * base**shape)
    return short, long, attention


def _cos_sin(positions: Tensor, inv_freq: Tensor, dtype: torch.dtype,
             attention: float = 1.0) -> tuple[Tensor, Tensor]:
    freqs = positions.float()[:, None] * inv_freq
    emb = torch.cat((freqs, freqs), dim=-1)
    half = inv_freq.shape[-1]
    # Fold rotate-half's minus sign into sin: rotate_half(x) * sin == x.roll(half) * signed_sin.
    cos, sin = emb.cos(), emb.sin()
    if attention != 1.0:
        cos, sin = cos * attention, sin * attention
    signed_sin = torch.cat((-sin[:, :half], sin[:, half:]), dim=-1)
    # Computed in fp32, then cast, as transformers does.
    return cos.to(dtype), signed_sin.to(dtype)


class RotaryEmbedding:
    """Maps positions [T] to (cos, signed sin), each [T, 1, rotary dims], for `apply_rope`.

    Not an nn.Module: it holds no weights, so it never shows in a state dict, and its cache
    follows whatever device and dtype the activations come in.
    """

    def __init__(self, head_dim: int, rope: RopeConfig, max_position_embeddings: int) -> None:
        self.dim = rope.rotary_dim or head_dim
        self.base = rope.theta
        self.max_position_embeddings = max_position_embeddings
        self.scaling = s = rope.scaling
        self.attention = 1.0
        self._long: tuple[int, Tensor] | None = None  # longrope: (from position, frequencies)
        inv_freq = inverse_frequencies(self.dim, self.base)
        if s is not None and s.type == "linear":
            inv_freq = inv_freq / s.factor
        elif s is not None and s.type == "llama3":
            inv_freq = _llama3(inv_freq, s)
        elif s is not None and s.type == "yarn":
            inv_freq, self.attention = _yarn(self.dim, self.base, s)
        elif s is not None and s.type == "longrope":
            inv_freq, long, self.attention = _longrope(self.dim, self.base, s,
                                                       max_position_embeddings)
            self._long = (s.original_max_position_embeddings or 0, long)
        self._inv_freq = inv_freq
        self._dynamic = s is not None and s.type == "dynamic"
        self._tables: dict[tuple[torch.device, torch.dtype], tuple[Tensor, Tensor]] = {}

    def __call__(self, positions: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
        seq_len = int(positions.max()) + 1 if positions.numel() else 0
        if self._dynamic and self.scaling and seq_len > self.max_position_embeddings:
            base = dynamic_ntk_base(
                self.base, self.scaling.factor, seq_len, self.max_position_embeddings, self.dim
            )
            inv_freq = inverse_frequencies(self.dim, base).to(positions.device)
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
            inv_freq = self._inv_freq.to(device).expand(size, -1)
            if self._long is not None:
                start, long = self._long
                inv_freq = torch.where(positions[:, None] >= start, long.to(device), inv_freq)
            table = _cos_sin(positions, inv_freq, dtype, self.attention)
            self._tables[key] = table
        return table


def apply_rope(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """x [T, heads, head_dim] -> rotated x (a new tensor; autograd friendly). With partial rotary
    dims (cos narrower than the head) only the leading dims turn; the rest pass through.

    Eager: one roll, fewest ops. Traced (engine.compiled): the same products per half, then a
    cat — inductor reads a rolled tensor element by element (an index modulo head_dim), and
    where it recomputes the rotated query inside the attention loop, once per key, that cost
    grows with the context (one layer at batch 1, 150 tokens: 92 -> 70 us, measured)."""
    rotary = cos.shape[-1]
    if rotary != x.shape[-1]:
        return torch.cat((apply_rope(x[..., :rotary], cos, sin), x[..., rotary:]), dim=-1)
    if not torch.compiler.is_compiling():
        return torch.addcmul(x * cos, x.roll(x.shape[-1] // 2, dims=-1), sin)
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]
    return torch.cat((torch.addcmul(x1 * cos[..., :h], x2, sin[..., :h]),
                      torch.addcmul(x2 * cos[..., h:], x1, sin[..., h:])), dim=-1)
