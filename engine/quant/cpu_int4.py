"""torch's CPU int4 kernels (aten int4pack) behind shape checks that fail with clear errors.

Measured in torch 2.13: N must be a multiple of 16, K even and a multiple of the group, the group
32, 64, 128 or 256; activations, scales and zeros share one dtype. bf16 activations are the fast
path; fp32 is exact (the effective weight equals the reference dequantization bit for bit) but
about 40x slower. The kernel does not check the scales' shape itself, so we do.
"""

from __future__ import annotations

import torch
from torch import Tensor

from engine.quant.int4 import GROUP_SIZES, Int4Weight, unpack_int4

CPU_ACTIVATION_DTYPES = (torch.bfloat16, torch.float16, torch.float32)


def check_cpu_int4_shape(n: int, k: int, group: int) -> None:
    """Raise ValueError naming the rule when aten's int4pack kernels cannot take [N, K] / group."""
    if group not in GROUP_SIZES:
        raise ValueError(f"the CPU int4 kernel takes group sizes {GROUP_SIZES}, got {group}")
    if n % 16:
        raise ValueError(f"the CPU int4 kernel needs out_features divisible by 16, got {n}")
    if k % group:
        raise ValueError(
            f"the CPU int4 kernel needs in_features divisible by the group size {group}, got {k}"
        )


def pack_for_cpu(w: Int4Weight, dtype: torch.dtype = torch.bfloat16) -> tuple[Tensor, Tensor]:
    """Int4Weight -> (packed uint8 [N, K // 2] in aten's layout, scales_and_zeros [K // g, N, 2]).

    dtype is the activation dtype the kernel will see: the scales and zeros must match it.
    """
    n, k = w.shape
    check_cpu_int4_shape(n, k, w.group)
    if dtype not in CPU_ACTIVATION_DTYPES:
        raise ValueError(f"the CPU int4 kernel computes in {CPU_ACTIVATION_DTYPES}, got {dtype}")
    q = unpack_int4(w.qweight).to(torch.int32)
    # innerKTiles only matters for the CUDA layout; the CPU pack is the same for every value.
    packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(q, 1)
    scales_and_zeros = torch.stack((w.scale.t(), w.zero.t()), dim=-1).to(dtype).contiguous()
    return packed, scales_and_zeros


def cpu_int4_mm(x: Tensor, packed: Tensor, group: int, scales_and_zeros: Tensor) -> Tensor:
    """x [M, K] @ W.T -> [M, N] in x's dtype (which must be the scales' dtype)."""
    n, k = packed.shape[0], packed.shape[1] * 2
    if x.dim() != 2 or x.shape[1] != k:
        raise ValueError(f"expected activations [M, {k}], got {list(x.shape)}")
    if scales_and_zeros.shape != (k // group, n, 2):
        raise ValueError(
            f"scales_and_zeros must be [{k // group}, {n}, 2], got {list(scales_and_zeros.shape)}"
        )
    if x.dtype != scales_and_zeros.dtype:
        raise ValueError(f"activations are {x.dtype} but scales are {scales_and_zeros.dtype}")
    return torch.ops.aten._weight_int4pack_mm_for_cpu(x.contiguous(), packed, group, scales_and_zeros)
