"""Triton paged-attention decode over int8 KV blocks, read through the block table directly.

One program per (sequence, KV head) handles that head's query group with an online softmax over
the sequence's blocks; K/V are dequantized in registers with their per-(token, head) scales.
Reference: `engine.quant.int8_paged_attention.int8_paged_decode_reference`.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl
from torch import Tensor

from engine.quant.triton_int4 import TRITON_DTYPES, check_triton_inputs


@triton.jit
def _int8_paged_decode_kernel(q_ptr, k_ptr, v_ptr, ks_ptr, vs_ptr, table_ptr, lens_ptr, out_ptr,
                              stride_qb, stride_qh, stride_ch, stride_cb, stride_ct,
                              stride_sh, stride_sb, stride_st, stride_tb, sm_scale,
                              Q_PER_KV: tl.constexpr, BLOCK_Q: tl.constexpr, HEAD_DIM: tl.constexpr,
                              BLOCK_D: tl.constexpr, BLOCK_SIZE: tl.constexpr, BLOCK_T: tl.constexpr):
    b = tl.program_id(0)
    h = tl.program_id(1)
    g = tl.arange(0, BLOCK_Q)
    d = tl.arange(0, BLOCK_D)
    t = tl.arange(0, BLOCK_T)
    qmask = (g[:, None] < Q_PER_KV) & (d[None, :] < HEAD_DIM)
    q_off = b * stride_qb + (h * Q_PER_KV + g[:, None]) * stride_qh + d[None, :]
    # fp32 everywhere: bf16 arithmetic is wrong under the interpreter, and decode is memory-bound.
    q = tl.load(q_ptr + q_off, mask=qmask, other=0.0).to(tl.float32) * sm_scale
    ctx = tl.load(lens_ptr + b)
    m_i = tl.full((BLOCK_Q,), float("-inf"), dtype=tl.float32)
    l_i = tl.zeros((BLOCK_Q,), dtype=tl.float32)
    acc = tl.zeros((BLOCK_Q, BLOCK_D), dtype=tl.float32)
    for j in range(0, tl.cdiv(ctx, BLOCK_SIZE)):
        blk = tl.load(table_ptr + b * stride_tb + j).to(tl.int64)
        tmask = (t < BLOCK_SIZE) & (j * BLOCK_SIZE + t < ctx)
        kv_mask = tmask[:, None] & (d[None, :] < HEAD_DIM)
        kv_off = blk * stride_cb + t[:, None] * stride_ct + h * stride_ch + d[None, :]
        s_off = h * stride_sh + blk * stride_sb + t * stride_st
        k = tl.load(k_ptr + kv_off, mask=kv_mask, other=0).to(tl.float32)
        k = k * tl.load(ks_ptr + s_off, mask=tmask, other=0.0).to(tl.float32)[:, None]
        scores = tl.sum(q[:, None, :] * k[None, :, :], axis=2)  # [BLOCK_Q, BLOCK_T]
        scores = tl.where(tmask[None, :], scores, float("-inf"))
        m_new = tl.maximum(m_i, tl.max(scores, axis=1))
        p = tl.exp(scores - m_new[:, None])
        alpha = tl.exp(m_i - m_new)
        v = tl.load(v_ptr + kv_off, mask=kv_mask, other=0).to(tl.float32)
        v = v * tl.load(vs_ptr + s_off, mask=tmask, other=0.0).to(tl.float32)[:, None]
        acc = acc * alpha[:, None] + tl.sum(p[:, :, None] * v[None, :, :], axis=1)
        l_i = l_i * alpha + tl.sum(p, axis=1)
        m_i = m_new
    out = acc / l_i[:, None]
    tl.store(out_ptr + q_off, out.to(out_ptr.dtype.element_ty), mask=qmask)


def int8_paged_decode(q: Tensor, k_cache: Tensor, v_cache: Tensor, k_scale: Tensor,
                      v_scale: Tensor, block_table: Tensor, ctx_lens: Tensor) -> Tensor:
    """Same arguments and result as `int8_paged_decode_reference`; every ctx_len must be >= 1."""
    b, n_heads, d = q.shape
    n_kv, num_blocks, block_size, d_cache = k_cache.shape
    if d_cache != d or n_heads % n_kv:
        raise ValueError(f"q [B, {n_heads}, {d}] does not fit a cache of {n_kv} KV heads x {d_cache}")
    if k_cache.dtype != torch.int8 or v_cache.shape != k_cache.shape:
        raise ValueError("the Triton paged decode reads int8 K and V caches of one shape")
    if k_scale.shape != (n_kv, num_blocks, block_size) or v_scale.shape != k_scale.shape:
        raise ValueError(f"scales must be [{n_kv}, {num_blocks}, {block_size}], "
                         f"got {list(k_scale.shape)}")
    if q.dtype not in TRITON_DTYPES:
        raise ValueError(f"the Triton paged decode takes {TRITON_DTYPES} queries, got {q.dtype}")
    check_triton_inputs(q, k_cache, v_cache, k_scale, v_scale, block_table, ctx_lens)
    q = q.contiguous()
    k_cache, v_cache = k_cache.contiguous(), v_cache.contiguous()
    k_scale, v_scale = k_scale.contiguous(), v_scale.contiguous()
    table = block_table.to(torch.int32).contiguous()
    lens = ctx_lens.to(torch.int32).contiguous()
    out = torch.empty_like(q)
    q_per_kv = n_heads // n_kv
    _int8_paged_decode_kernel[(b, n_kv)](
        q, k_cache, v_cache, k_scale, v_scale, table, lens, out,
        q.stride(0), q.stride(1), k_cache.stride(0), k_cache.stride(1), k_cache.stride(2),
        k_scale.stride(0), k_scale.stride(1), k_scale.stride(2), table.stride(0), d**-0.5,
        Q_PER_KV=q_per_kv, BLOCK_Q=triton.next_power_of_2(q_per_kv), HEAD_DIM=d,
        BLOCK_D=triton.next_power_of_2(d), BLOCK_SIZE=block_size,
        BLOCK_T=triton.next_power_of_2(block_size),
    )
    return out
