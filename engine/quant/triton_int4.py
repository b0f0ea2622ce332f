"""Triton int4 dequant-GEMM (tiled `tl.dot`) and GEMV (one-row decode) for GPU.

Reference: `engine.quant.int4.int4_linear_reference`. The weight is repacked for coalesced loads
along N: eight nibbles of consecutive k in one int32, [K // 8, N]; scales and zeros [K // g, N].
On CPU tensors the kernels run only under TRITON_INTERPRET=1 (set before this module is imported).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
import triton
import triton.language as tl
from torch import Tensor

from engine.quant.int4 import Int4Weight, unpack_int4

GEMV_MAX_M = 1  # measured on an H200: from 2 rows a GEMM tile of 16 beats a GEMV per row
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
def _nibbles(qw_ptr, k0, n, N, K, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr):
    """The int4 values q (0..15) of W.T rows k0 .. k0 + BLOCK_K as fp32 [BLOCK_K, BLOCK_N]; rows
    past K read as 0. Each packed word is loaded once and its eight nibbles shifted out; q becomes
    a float by setting it into the mantissa of 2^23 (an OR and a subtraction, both full-rate,
    where an int-to-float conversion runs at a quarter of that on recent NVIDIA GPUs)."""
    kw = k0 // 8 + tl.arange(0, BLOCK_K // 8)
    word = tl.load(qw_ptr + kw[:, None] * N + n[None, :],
                   mask=(kw[:, None] < K // 8) & (n[None, :] < N), other=0)
    q = (word[:, None, :] >> (tl.arange(0, 8) * 4)[None, :, None]) & 0xF  # [BLOCK_K // 8, 8, BN]
    q = (q | 0x4B000000).to(tl.float32, bitcast=True) - 8388608.0
    return tl.reshape(q, (BLOCK_K, BLOCK_N))


@triton.jit
def _group_params(s_ptr, z_ptr, k0, n, N, K, GROUP: tl.constexpr, BLOCK_K: tl.constexpr,
                  SUB: tl.constexpr):
    """Scale s and z - 8 s in fp32 [BLOCK_K // SUB, BLOCK_N] for the tile's pieces of SUB =
    min(GROUP, BLOCK_K) rows, each within one group; pieces past K read as 0."""
    g = (k0 + tl.arange(0, BLOCK_K // SUB) * SUB) // GROUP
    mask = (g[:, None] < K // GROUP) & (n[None, :] < N)
    s = tl.load(s_ptr + g[:, None] * N + n[None, :], mask=mask, other=0.0).to(tl.float32)
    z = tl.load(z_ptr + g[:, None] * N + n[None, :], mask=mask, other=0.0).to(tl.float32)
    return s, z - 8.0 * s


@triton.jit
def _dequant(qw_ptr, s_ptr, z_ptr, k0, n, N, K, GROUP: tl.constexpr, BLOCK_N: tl.constexpr,
             BLOCK_K: tl.constexpr, SUB: tl.constexpr):
    """[BLOCK_K, BLOCK_N] of the effective weight W.T in fp32: q s + (z - 8 s), one FMA a weight,
    each group's scale and zero loaded once."""
    q = tl.reshape(_nibbles(qw_ptr, k0, n, N, K, BLOCK_N, BLOCK_K), (BLOCK_K // SUB, SUB, BLOCK_N))
    s, zs = _group_params(s_ptr, z_ptr, k0, n, N, K, GROUP, BLOCK_K, SUB)
    return tl.reshape(q * s[:, None, :] + zs[:, None, :], (BLOCK_K, BLOCK_N))


@triton.jit
def _int4_gemm_kernel(x_ptr, qw_ptr, s_ptr, z_ptr, y_ptr, M, N, K, stride_xm, stride_ym,
                      GROUP: tl.constexpr, SUB: tl.constexpr, BLOCK_M: tl.constexpr,
                      BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, FP32_DOT: tl.constexpr):
    """Tiles dequantized in registers, then one tensor-core product accumulating in fp32 (scaling
    each tile's product instead measured 2.2x slower at 16 rows: the products no longer chain)."""
    m = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    n = tl.program_id(1) * BLOCK_N + tl.arange(0, BLOCK_N)
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k0 in range(0, K, BLOCK_K):
        k = k0 + tl.arange(0, BLOCK_K)
        x = tl.load(x_ptr + m[:, None] * stride_xm + k[None, :],
                    mask=(m[:, None] < M) & (k[None, :] < K), other=0.0)
        w = _dequant(qw_ptr, s_ptr, z_ptr, k0, n, N, K, GROUP, BLOCK_N, BLOCK_K, SUB)
        if FP32_DOT:  # fp32 activations: no tf32 rounding, so the result matches the reference
            acc += tl.dot(x.to(tl.float32), w, input_precision="ieee")
        else:  # fp16 / bf16 tensor cores, fp32 accumulation
            acc = tl.dot(x, w.to(x.dtype), acc)
    out = y_ptr + m[:, None] * stride_ym + n[None, :]
    tl.store(out, acc.to(y_ptr.dtype.element_ty), mask=(m[:, None] < M) & (n[None, :] < N))


@triton.jit
def _int4_gemv_kernel(x_ptr, qw_ptr, s_ptr, z_ptr, y_ptr, N, K, split_k,
                      GROUP: tl.constexpr, SUB: tl.constexpr, BLOCK_N: tl.constexpr,
                      BLOCK_K: tl.constexpr, ATOMIC: tl.constexpr):
    """One row: split_k programs share K and, ATOMIC, add into an fp32 output (split_k is a
    runtime value: one compiled kernel for every split). A tile is BLOCK_K // SUB group pieces
    of SUB rows (SUB = min(GROUP, BLOCK_K)); each piece sums x q first, then applies its scale and
    zero: s sum(x q) + (z - 8 s) sum(x)."""
    n = tl.program_id(0) * BLOCK_N + tl.arange(0, BLOCK_N)
    nmask = n < N
    acc = tl.zeros((BLOCK_N,), dtype=tl.float32)
    for k0 in range(tl.program_id(1) * BLOCK_K, K, BLOCK_K * split_k):
        k = k0 + tl.arange(0, BLOCK_K)
        x = tl.reshape(tl.load(x_ptr + k, mask=k < K, other=0.0).to(tl.float32),
                       (BLOCK_K // SUB, SUB))
        q = tl.reshape(_nibbles(qw_ptr, k0, n, N, K, BLOCK_N, BLOCK_K),
                       (BLOCK_K // SUB, SUB, BLOCK_N))
        xq = tl.sum(q * x[:, :, None], axis=1)  # [pieces, BN]
        s, zs = _group_params(s_ptr, z_ptr, k0, n, N, K, GROUP, BLOCK_K, SUB)
        acc += tl.sum(xq * s + tl.sum(x, axis=1)[:, None] * zs, axis=0)
    if ATOMIC:
        tl.atomic_add(y_ptr + n, acc, mask=nmask)
    else:
        tl.store(y_ptr + n, acc.to(y_ptr.dtype.element_ty), mask=nmask)


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


def device_programs(device: torch.device) -> int:
    """Programs that keep a device busy: two per multiprocessor on CUDA; 1 elsewhere (the
    interpreter runs programs one after another)."""
    if device.type != "cuda":
        return 1
    return 2 * _multiprocessors(device.index if device.index is not None else
                                torch.cuda.current_device())


@functools.cache
def _multiprocessors(index: int) -> int:
    return torch.cuda.get_device_properties(index).multi_processor_count


def gemv_split_k(n: int, k: int, block_n: int, block_k: int, device: torch.device) -> int:
    """K splits for the one-row GEMV: enough programs to fill the device (a 4096-wide decode
    GEMV has 32 column tiles of 128 for 132 multiprocessors), never a split of less than one
    K tile."""
    tiles = triton.cdiv(n, block_n)
    return max(1, min(triton.cdiv(device_programs(device), tiles), triton.cdiv(k, block_k)))


def int4_matmul(x: Tensor, w: TritonInt4Weight, *, block_m: int | None = None,
                block_n: int | None = None, block_k: int | None = None,
                split_k: int | None = None) -> Tensor:
    """x [M, K] @ W.T -> [M, N] in x's dtype. One row takes the GEMV kernel (128 x 128 tiles, K
    split across programs by `gemv_split_k` unless split_k is given), more rows or a block_m the
    tensor-core GEMM (64-wide tiles). Block sizes are powers of two, block_k at least 16."""
    n, k = w.shape
    if x.dim() != 2 or x.shape[1] != k:
        raise ValueError(f"expected activations [M, {k}], got {list(x.shape)}")
    if x.dtype not in TRITON_DTYPES:
        raise ValueError(f"the Triton int4 kernel takes {TRITON_DTYPES} activations, got {x.dtype}")
    blocks = [b for b in (block_m, block_n, block_k) if b is not None]
    if any(b < 1 or b & (b - 1) for b in blocks) or (block_k or 16) < 16:
        raise ValueError(f"block sizes must be powers of two (block_k >= 16), got "
                         f"block_m={block_m} block_n={block_n} block_k={block_k}")
    check_triton_inputs(x, w.qweight, w.scale, w.zero)
    x = x.contiguous()
    m = x.shape[0]
    if m <= GEMV_MAX_M and block_m is None:
        block_n, block_k = block_n or 128, block_k or 128
        if split_k is None:
            split_k = gemv_split_k(n, k, block_n, block_k, x.device)
        if split_k == 1:
            y = torch.empty(m, n, dtype=x.dtype, device=x.device)
        else:
            y = torch.zeros(m, n, dtype=torch.float32, device=x.device)
        grid = (triton.cdiv(n, block_n), split_k)
        _int4_gemv_kernel[grid](x, w.qweight, w.scale, w.zero, y, n, k, split_k,
                                GROUP=w.group, SUB=min(w.group, block_k), BLOCK_N=block_n,
                                BLOCK_K=block_k, ATOMIC=split_k > 1)
        return y.to(x.dtype)
    block_m = block_m or (16 if m <= 16 else 32 if m <= 32 else 64)
    block_n, block_k = block_n or 64, block_k or 64
    y = torch.empty(m, n, dtype=x.dtype, device=x.device)
    grid = (triton.cdiv(m, block_m), triton.cdiv(n, block_n))
    _int4_gemm_kernel[grid](x, w.qweight, w.scale, w.zero, y, m, n, k, x.stride(0), y.stride(0),
                            GROUP=w.group, SUB=min(w.group, block_k), BLOCK_M=block_m,
                            BLOCK_N=block_n, BLOCK_K=block_k, FP32_DOT=x.dtype == torch.float32)
    return y
