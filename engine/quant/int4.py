"""Group-wise asymmetric int4 weights in plain torch: quantize, pack, unpack, dequantize.

The reference every int4 kernel is tested against. One convention throughout, the one torch's
int4pack kernels use: w[n, k] = (q[n, k] - 8) * scale[n, g] + zero[n, g], q in 0..15, g = k // group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

GROUP_SIZES = (32, 64, 128, 256)


@dataclass(frozen=True)
class Int4Weight:
    """A [N, K] weight as packed nibbles plus one (scale, zero) per row and group of K.

    qweight: uint8 [N, K // 2], element 2j in the low nibble of byte j, element 2j + 1 in the high.
    scale, zero: float [N, K // group].
    """

    qweight: Tensor
    scale: Tensor
    zero: Tensor
    group: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.qweight.shape[0], self.qweight.shape[1] * 2

    def to(self, dtype: torch.dtype | None = None,
           device: torch.device | str | None = None) -> Int4Weight:
        """Scales and zeros in dtype (the packed nibbles never change), all on device."""
        return Int4Weight(self.qweight.to(device), self.scale.to(device, dtype),
                          self.zero.to(device, dtype), self.group)


def check_group(k: int, group: int) -> None:
    if group not in GROUP_SIZES:
        raise ValueError(f"int4 group size must be one of {GROUP_SIZES}, got {group}")
    if k % group:
        raise ValueError(f"in_features {k} is not a multiple of the int4 group size {group}")


def cat_int4(parts: Sequence[Int4Weight]) -> Int4Weight:
    """Weights over the same inputs stacked along the outputs (q|k|v, gate|up): one matmul."""
    if len({(w.shape[1], w.group) for w in parts}) != 1:
        raise ValueError("int4 weights fuse only with equal in_features and group sizes, got "
                         f"{[(w.shape[1], w.group) for w in parts]}")
    return Int4Weight(torch.cat([w.qweight for w in parts]), torch.cat([w.scale for w in parts]),
                      torch.cat([w.zero for w in parts]), parts[0].group)


def pack_int4(q: Tensor) -> Tensor:
    """Values 0..15 [N, K] (any integer dtype, K even) -> uint8 [N, K // 2]."""
    if q.shape[-1] % 2:
        raise ValueError(f"int4 packing needs an even number of columns, got {q.shape[-1]}")
    q = q.to(torch.uint8)
    return q[..., 0::2] | (q[..., 1::2] << 4)


def unpack_int4(packed: Tensor) -> Tensor:
    """uint8 [N, K // 2] -> uint8 [N, K], values 0..15."""
    return torch.stack((packed & 0x0F, packed >> 4), dim=-1).flatten(-2)


def quantize_int4(w: Tensor, group: int) -> Int4Weight:
    """Round-to-nearest over each group's [min, max]: 16 levels, min and max exactly on the grid.

    Scales and zeros come out in fp32; cast them with `Int4Weight.to` for a kernel.
    """
    n, k = w.shape
    check_group(k, group)
    wg = w.detach().float().reshape(n, k // group, group)
    lo, hi = wg.amin(-1), wg.amax(-1)
    scale = (hi - lo) / 15
    # A constant group has scale 0; divide by 1 there so that q = 0 and w = lo exactly.
    safe = torch.where(scale > 0, scale, torch.ones_like(scale))
    q = ((wg - lo[..., None]) / safe[..., None]).round_().clamp_(0, 15)
    return Int4Weight(pack_int4(q.reshape(n, k)), scale, lo + 8 * scale, group)


def dequantize_int4(w: Int4Weight, dtype: torch.dtype = torch.float32) -> Tensor:
    """The effective weight [N, K], computed in fp32 (exact for fp32 scales), then cast."""
    n, k = w.shape
    q = unpack_int4(w.qweight).float().reshape(n, k // w.group, w.group)
    out = (q - 8) * w.scale.float()[..., None] + w.zero.float()[..., None]
    return out.reshape(n, k).to(dtype)


def int4_linear_reference(x: Tensor, w: Int4Weight) -> Tensor:
    """x [..., K] @ W.T in fp32 over the dequantized weight; the result in x's dtype."""
    return F.linear(x.float(), dequantize_int4(w)).to(x.dtype)
