"""Triton paged-attention decode over int8 KV blocks, read through the block table directly.

One program per (sequence, KV head, split) handles that head's query group with an online softmax
over its share of the sequence's blocks; K/V are dequantized in registers with their per-(token,
head) scales. With several splits (flash-decoding: a batch of one fills 3 of 132 multiprocessors
otherwise) a second kernel combines the partial sums.
Reference: `engine.quant.int8_paged_attention.int8_paged_decode_reference`.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl
from torch import Tensor

from engine.quant.triton_int4 import TRITON_DTYPES, check_triton_inputs, device_programs


@triton.jit
def _int8_paged_decode_kernel(q_ptr, k_ptr, v_ptr, ks_ptr, vs_ptr, table_ptr, lens_ptr, out_ptr,
                              part_ptr, stats_ptr, tiles_per_split, num_splits,
                              stride_qb, stride_qh, stride_ch, stride_cb, stride_ct,
                              stride_sh, stride_sb, stride_st, stride_tb, sm_scale,
                              Q_PER_KV: tl.constexpr, BLOCK_Q: tl.constexpr, HEAD_DIM: tl.constexpr,
                              BLOCK_D: tl.constexpr, BLOCK_SIZE: tl.constexpr, BLOCK_T: tl.constexpr,
                              TILE_BLOCKS: tl.constexpr, SPLIT: tl.constexpr,
                              FP32_DOT: tl.constexpr):
    """Program (b, h, s) attends over tiles [s * tiles_per_split, (s + 1) * tiles_per_split) of
    sequence b, a tile being TILE_BLOCKS cache blocks (each padded to BLOCK_T rows). Both products
    run on the tensor cores with the int8 values as operands, exact in fp16, the scales applied
    outside: q k_t = (q k_int8) * k_scale_t and sum_t p_t v_t = (p * v_scale) v_int8. Unsplit it
    writes the output; SPLIT, its unnormalized sums and softmax statistics go to part / stats for
    `_combine_splits_kernel`."""
    b = tl.program_id(0)
    h = tl.program_id(1)
    split = tl.program_id(2)
    g = tl.arange(0, BLOCK_Q)
    d = tl.arange(0, BLOCK_D)
    i = tl.arange(0, TILE_BLOCKS * BLOCK_T)
    slot, t = i // BLOCK_T, i % BLOCK_T
    qmask = (g[:, None] < Q_PER_KV) & (d[None, :] < HEAD_DIM)
    q_off = b * stride_qb + (h * Q_PER_KV + g[:, None]) * stride_qh + d[None, :]
    # Unscaled: fp16 and bf16 (within fp16 range, |q| < 65504) become fp16 exactly.
    q = tl.load(q_ptr + q_off, mask=qmask, other=0.0)
    if FP32_DOT:
        qd = q.to(tl.float32)
    else:
        qd = q.to(tl.float16)
    ctx = tl.load(lens_ptr + b)
    n_blocks = tl.cdiv(ctx, BLOCK_SIZE)
    m_i = tl.full((BLOCK_Q,), float("-inf"), dtype=tl.float32)
    l_i = tl.zeros((BLOCK_Q,), dtype=tl.float32)
    acc = tl.zeros((BLOCK_Q, BLOCK_D), dtype=tl.float32)
    first = split * tiles_per_split
    last = tl.minimum(first + tiles_per_split, tl.cdiv(n_blocks, TILE_BLOCKS))
    for tile in range(first, last):
        j = tile * TILE_BLOCKS + slot  # block index within the sequence, per row of the tile
        tmask = (t < BLOCK_SIZE) & (j * BLOCK_SIZE + t < ctx)
        blk = tl.load(table_ptr + b * stride_tb + j, mask=j < n_blocks, other=0).to(tl.int64)
        kv_mask = tmask[:, None] & (d[None, :] < HEAD_DIM)
        kv_off = blk[:, None] * stride_cb + t[:, None] * stride_ct + h * stride_ch + d[None, :]
        s_off = h * stride_sh + blk * stride_sb + t * stride_st
        k = tl.load(k_ptr + kv_off, mask=kv_mask, other=0)
        v = tl.load(v_ptr + kv_off, mask=kv_mask, other=0)
        k_scale = tl.load(ks_ptr + s_off, mask=tmask, other=0.0).to(tl.float32) * sm_scale
        v_scale = tl.load(vs_ptr + s_off, mask=tmask, other=0.0).to(tl.float32)
        if FP32_DOT:  # fp32 queries: no tf32 rounding, so the result matches the reference
            qk = tl.dot(qd, tl.trans(k.to(tl.float32)), input_precision="ieee")
        else:
            qk = tl.dot(qd, tl.trans(k.to(tl.float16)))
        scores = tl.where(tmask[None, :], qk * k_scale[None, :], float("-inf"))
        m_new = tl.maximum(m_i, tl.max(scores, axis=1))
        p = tl.exp(scores - m_new[:, None])
        alpha = tl.exp(m_i - m_new)
        pv = p * v_scale[None, :]
        if FP32_DOT:
            acc = acc * alpha[:, None] + tl.dot(pv, v.to(tl.float32), input_precision="ieee")
        else:
            acc = tl.dot(pv.to(tl.float16), v.to(tl.float16), acc * alpha[:, None])
        l_i = l_i * alpha + tl.sum(p, axis=1)
        m_i = m_new
    if not SPLIT:
        out = acc / l_i[:, None]
        tl.store(out_ptr + q_off, out.to(out_ptr.dtype.element_ty), mask=qmask)
    else:  # a split past the sequence's end leaves m = -inf, l = 0, acc = 0: it weighs nothing
        row = (b * tl.num_programs(1) + h) * num_splits + split
        tl.store(part_ptr + (row * BLOCK_Q + g[:, None]) * BLOCK_D + d[None, :], acc)
        tl.store(stats_ptr + (row * 2) * BLOCK_Q + g, m_i)
        tl.store(stats_ptr + (row * 2 + 1) * BLOCK_Q + g, l_i)


@triton.jit
def _combine_splits_kernel(part_ptr, stats_ptr, out_ptr, stride_qb, stride_qh, num_splits,
                           Q_PER_KV: tl.constexpr, BLOCK_Q: tl.constexpr, HEAD_DIM: tl.constexpr,
                           BLOCK_D: tl.constexpr):
    """out = sum_s exp(m_s - M) acc_s / sum_s exp(m_s - M) l_s over the splits of (b, h)."""
    b = tl.program_id(0)
    h = tl.program_id(1)
    g = tl.arange(0, BLOCK_Q)
    d = tl.arange(0, BLOCK_D)
    base = (b * tl.num_programs(1) + h) * num_splits
    m_all = tl.full((BLOCK_Q,), float("-inf"), dtype=tl.float32)
    for split in range(num_splits):  # split 0 holds the first token: M is finite
        m_all = tl.maximum(m_all, tl.load(stats_ptr + ((base + split) * 2) * BLOCK_Q + g))
    acc = tl.zeros((BLOCK_Q, BLOCK_D), dtype=tl.float32)
    l_all = tl.zeros((BLOCK_Q,), dtype=tl.float32)
    for split in range(num_splits):
        row = base + split
        w = tl.exp(tl.load(stats_ptr + (row * 2) * BLOCK_Q + g) - m_all)
        l_all += w * tl.load(stats_ptr + (row * 2 + 1) * BLOCK_Q + g)
        acc += w[:, None] * tl.load(part_ptr + (row * BLOCK_Q + g[:, None]) * BLOCK_D + d[None, :])
    qmask = (g[:, None] < Q_PER_KV) & (d[None, :] < HEAD_DIM)
    q_off = b * stride_qb + (h * Q_PER_KV + g[:, None]) * stride_qh + d[None, :]
    tl.store(out_ptr + q_off, (acc / l_all[:, None]).to(out_ptr.dtype.element_ty), mask=qmask)


TILE_TOKENS = 64  # cache rows per loop step: a [64, head_dim] K and V tile per tensor-core product


def tile_blocks(block_size: int) -> int:
    """Cache blocks per tile: TILE_TOKENS rows of blocks padded to a power of two."""
    return max(1, TILE_TOKENS // triton.next_power_of_2(block_size))


def decode_splits(batch: int, n_kv: int, tiles: int, device: torch.device) -> int:
    """KV splits per (sequence, KV head) (flash-decoding): one where the batch's (sequence, KV
    head) programs already cover every multiprocessor, else enough for two programs a
    multiprocessor, at least 2 tiles each; one off CUDA. On an H200 (bench/RESULTS.md) this beat
    one split everywhere below 132 programs, and beat one tile a split (1.2-1.6x at batch 1); at
    256 programs one split beat two."""
    programs, wanted = batch * n_kv, device_programs(device)
    if 2 * programs >= wanted:
        return 1
    return max(1, min(triton.cdiv(wanted, programs), tiles // 2))


def int8_paged_decode(q: Tensor, k_cache: Tensor, v_cache: Tensor, k_scale: Tensor,
                      v_scale: Tensor, block_table: Tensor, ctx_lens: Tensor, *,
                      num_splits: int | None = None) -> Tensor:
    """Same arguments and result as `int8_paged_decode_reference`; every ctx_len must be >= 1.

    Each sequence's tiles are cut into num_splits ranges attended in parallel and combined
    (`decode_splits` picks it from the block table's width unless given). fp16 / bf16 queries
    multiply in fp16 on the tensor cores (K and V are int8: exact there), fp32 queries in fp32."""
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
    if num_splits is not None and num_splits < 1:
        raise ValueError(f"num_splits must be >= 1, got {num_splits}")
    check_triton_inputs(q, k_cache, v_cache, k_scale, v_scale, block_table, ctx_lens)
    q = q.contiguous()
    k_cache, v_cache = k_cache.contiguous(), v_cache.contiguous()
    k_scale, v_scale = k_scale.contiguous(), v_scale.contiguous()
    table = block_table.to(torch.int32).contiguous()
    lens = ctx_lens.to(torch.int32).contiguous()
    out = torch.empty_like(q)
    per_tile = tile_blocks(block_size)
    tiles = triton.cdiv(table.shape[1], per_tile)
    splits = min(num_splits or decode_splits(b, n_kv, tiles, q.device), tiles)
    q_per_kv = n_heads // n_kv
    # tl.dot takes at least 16 rows and 16 columns: the query group and head dim are padded.
    block_q, block_d = max(16, triton.next_power_of_2(q_per_kv)), max(16, triton.next_power_of_2(d))
    part = stats = out  # unused with one split
    if splits > 1:
        part = torch.empty(b * n_kv * splits * block_q * block_d, dtype=torch.float32,
                           device=q.device)
        stats = torch.empty(b * n_kv * splits * 2 * block_q, dtype=torch.float32, device=q.device)
    _int8_paged_decode_kernel[(b, n_kv, splits)](
        q, k_cache, v_cache, k_scale, v_scale, table, lens, out, part, stats,
        triton.cdiv(tiles, splits), splits,
        q.stride(0), q.stride(1), k_cache.stride(0), k_cache.stride(1), k_cache.stride(2),
        k_scale.stride(0), k_scale.stride(1), k_scale.stride(2), table.stride(0), d**-0.5,
        Q_PER_KV=q_per_kv, BLOCK_Q=block_q, HEAD_DIM=d, BLOCK_D=block_d, BLOCK_SIZE=block_size,
        BLOCK_T=triton.next_power_of_2(block_size), TILE_BLOCKS=per_tile, SPLIT=splits > 1,
        FP32_DOT=q.dtype == torch.float32,
    )
    if splits > 1:
        _combine_splits_kernel[(b, n_kv)](part, stats, out, q.stride(0), q.stride(1), splits,
                                          Q_PER_KV=q_per_kv, BLOCK_Q=block_q, HEAD_DIM=d,
                                          BLOCK_D=block_d)
    return out
