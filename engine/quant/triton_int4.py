"""Triton int4 dequant-GEMM (tiled `tl.dot`) and GEMV (decode, M <= 4) for GPU.

Reference: `engine.quant.int4.int4_linear_reference`. The weight is repacked for coalesced loads
along N: eight nibbles of consecutive k in one int32, [K // 8, N]; scales and zeros [K // g, N].
On CPU tensors the kernels run only under TRITON_INTERPRET=1 (set before this module is imported).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import triton
import triton.language as tl
from torch import Tensor

from engine.quant.int4 import Int4Weight, unpack_int4

GEMV_MAX_M = 4  # above this a tile of 16 rows wastes less than re-reading the weight per row
TRITON_DTYPES = (torch.float16, torch.bfloat16, torch.float32)


@dataclass(frozen=True)
class TritonInt4Weight:
    qweight: Tensor  # int32 [K // 8, N]: q[n, k] in bits 4 * (k % 8) of qweight[k // 8, n]
    scale: Tensor  # [K // group, N]
    zero: Tensor  # [K // group, N]
    group: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.qweight.shape[1], self.qweight.shape[0] * 8


def pack_for_triton(w: Int4Weight, dtype: torch.dtype = torch.float16,
                    device: torch.device | str | None = None) -> TritonInt4Weight:
    n, k = w.shape
    q = unpack_int4(w.qweight).t().to(torch.int64).reshape(k // 8, 8, n)
    shifts = (torch.arange(8, dtype=torch.int64) * 4)[None, :, None]
    # Sum in int64, then wrap to int32: the top nibble lands in the sign bit, masked off in-kernel.
    packed = (q << shifts).sum(1).to(torch.int32)
    return TritonInt4Weight(packed.to(device), w.scale.t().to(device, dtype).contiguous(),
                            w.zero.t().to(device, dtype).contiguous(), w.group)


@triton.jit
def _dequant_tile(qw_ptr, s_ptr, z_ptr, k, n, N, K, GROUP: tl.constexpr):
    """[BLOCK_K, BLOCK_N] of the effective weight W.T, in fp32 (bf16 is wrong in the interpreter)."""
    mask = (k[:, None] < K) & (n[None, :] < N)
    word = tl.load(qw_ptr + (k[:, None] // 8) * N + n[None, :], mask=mask, other=0)
    q = (word >> ((k[:, None] % 8) * 4)) & 0xF
    g = (k[:, None] // GROUP) * N + n[None, :]
    s = tl.load(s_ptr + g, mask=mask, other=0.0).to(tl.float32)
    z = tl.load(z_ptr + g, mask=mask, other=0.0).to(tl.float32)
    return (q.to(tl.float32) - 8.0) * s + z


@triton.jit
def _int4_gemm_kernel(x_ptr, qw_ptr, s_ptr, z_ptr, y_ptr, M, N, K, stride_xm, stride_ym,
                      GROUP: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
                      BLOCK_K: tl.constexpr, FP32_DOT: tl.constexpr):
    m = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    n = tl.program_id(1) * BLOCK_N + tl.arange(0, BLOCK_N)
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k0 in range(0, K, BLOCK_K):
        k = k0 + tl.arange(0, BLOCK_K)
        x = tl.load(x_ptr + m[:, None] * stride_xm + k[None, :],
                    mask=(m[:, None] < M) & (k[None, :] < K), other=0.0)
        w = _dequant_tile(qw_ptr, s_ptr, z_ptr, k, n, N, K, GROUP)
        if FP32_DOT:  # fp32 activations: no tf32 rounding, so the result matches the reference
            acc += tl.dot(x.to(tl.float32), w, input_precision="ieee")
        else:  # fp16 / bf16 tensor cores, fp32 accumulation
            acc = tl.dot(x, w.to(x.dtype), acc)
    out = y_ptr + m[:, None] * stride_ym + n[None, :]
    tl.store(out, acc.to(y_ptr.dtype.element_ty), mask=(m[:, None] < M) & (n[None, :] < N))


@triton.jit
def _int4_gemv_kernel(x_ptr, qw_ptr, s_ptr, z_ptr, y_ptr, N, K, stride_xm, stride_ym,
                      GROUP: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr,
                      SPLIT_K: tl.constexpr):
    """One row of x per program on axis 0; SPLIT_K programs share a row's K and add atomically."""
    row = tl.program_id(0)
    n = tl.program_id(1) * BLOCK_N + tl.arange(0, BLOCK_N)
    acc = tl.zeros((BLOCK_N,), dtype=tl.float32)
    for k0 in range(tl.program_id(2) * BLOCK_K, K, BLOCK_K * SPLIT_K):
        k = k0 + tl.arange(0, BLOCK_K)
        x = tl.load(x_ptr + row * stride_xm + k, mask=k < K, other=0.0).to(tl.float32)
        w = _dequant_tile(qw_ptr, s_ptr, z_ptr, k, n, N, K, GROUP)
        acc += tl.sum(w * x[:, None], axis=0)
    out = y_ptr + row * stride_ym + n
    if SPLIT_K == 1:
        tl.store(out, acc.to(y_ptr.dtype.element_ty), mask=n < N)
    else:
        tl.atomic_add(out, acc, mask=n < N)


def interpreted() -> bool:
    """True when this module's kernels were built for Triton's CPU interpreter."""
    from triton.runtime.interpreter import InterpretedFunction

    return isinstance(_int4_gemm_kernel, InterpretedFunction)


def check_triton_inputs(*tensors: Tensor) -> None:
    if tensors[0].device.type == "cpu" and not interpreted():
        raise RuntimeError("Triton kernels need a GPU; on CPU set TRITON_INTERPRET=1 before "
                           "engine.quant's Triton modules are imported (tests only)")
    if len({t.device for t in tensors}) != 1:
        raise ValueError(f"tensors on different devices: {sorted({str(t.device) for t in tensors})}")


def int4_matmul(x: Tensor, w: TritonInt4Weight, *, block_m: int | None = None,
                block_n: int = 64, block_k: int = 64, split_k: int = 1) -> Tensor:
    """x [M, K] @ W.T -> [M, N] in x's dtype. M <= GEMV_MAX_M takes the GEMV kernel."""
    n, k = w.shape
    if x.dim() != 2 or x.shape[1] != k:
        raise ValueError(f"expected activations [M, {k}], got {list(x.shape)}")
    if x.dtype not in TRITON_DTYPES:
        raise ValueError(f"the Triton int4 kernel takes {TRITON_DTYPES} activations, got {x.dtype}")
    check_triton_inputs(x, w.qweight, w.scale, w.zero)
    x = x.contiguous()
    m = x.shape[0]
    if m <= GEMV_MAX_M and block_m is None:
        if split_k == 1:
            y = torch.empty(m, n, dtype=x.dtype, device=x.device)
        else:
            y = torch.zeros(m, n, dtype=torch.float32, device=x.device)
        grid = (m, triton.cdiv(n, block_n), split_k)
        _int4_gemv_kernel[grid](x, w.qweight, w.scale, w.zero, y, n, k, x.stride(0), y.stride(0),
                                GROUP=w.group, BLOCK_N=block_n, BLOCK_K=block_k, SPLIT_K=split_k)
        return y.to(x.dtype)
    block_m = block_m or (16 if m <= 16 else 32 if m <= 32 else 64)
    y = torch.empty(m, n, dtype=x.dtype, device=x.device)
    grid = (triton.cdiv(m, block_m), triton.cdiv(n, block_n))
    _int4_gemm_kernel[grid](x, w.qweight, w.scale, w.zero, y, m, n, k, x.stride(0), y.stride(0),
                            GROUP=w.group, BLOCK_M=block_m, BLOCK_N=block_n, BLOCK_K=block_k,
                            FP32_DOT=x.dtype == torch.float32)
    return y
