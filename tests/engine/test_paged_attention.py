"""Paged attention against a dense plain-torch reference: prefill, chunked prefill, mixed decode."""

import pytest
import torch

from engine.paged_attention import KVCache, PagedAttention, SeqSlice

N_HEADS, N_KV, D, BS = 6, 2, 8, 4


def dense_reference(q, k, v):
    """Causal attention of the last q.shape[0] positions of one full sequence, GQA by repeat."""
    t, ctx = q.shape[0], k.shape[0]
    rep = N_HEADS // N_KV
    k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
    scores = torch.einsum("qhd,khd->hqk", q, k) * D**-0.5
    q_pos = torch.arange(ctx - t, ctx)[:, None]
    scores = scores.masked_fill(torch.arange(ctx)[None, :] > q_pos, float("-inf"))
    return torch.einsum("hqk,khd->qhd", scores.softmax(-1), v)


def run_chunks(chunks, dtype=torch.float32):
    """chunks: per step, a list of (seq index, number of new tokens). Returns max abs error."""
    torch.manual_seed(0)
    lens = {}
    for step in chunks:
        for i, n in step:
            lens[i] = lens.get(i, 0) + n
    q_all = {i: torch.randn(n, N_HEADS, D) for i, n in lens.items()}
    k_all = {i: torch.randn(n, N_KV, D) for i, n in lens.items()}
    v_all = {i: torch.randn(n, N_KV, D) for i, n in lens.items()}
    cache = KVCache(num_layers=1, num_blocks=64, block_size=BS, num_kv_heads=N_KV, head_dim=D, dtype=dtype)
    # Scatter each sequence's blocks over the pool, not in order, to catch table mistakes.
    perm = torch.randperm(64).tolist()
    blocks = {i: [perm.pop() for _ in range(-(-n // BS))] for i, n in lens.items()}
    done = dict.fromkeys(lens, 0)
    worst = 0.0
    for step in chunks:
        slices, slots, qs, ks, vs, start = [], [], [], [], [], 0
        for i, n in step:
            c = done[i]
            slices.append(SeqSlice(start, n, c + n, blocks[i][: -(-(c + n) // BS)]))
            slots += [blocks[i][p // BS] * BS + p % BS for p in range(c, c + n)]
            qs.append(q_all[i][c : c + n])
            ks.append(k_all[i][c : c + n])
            vs.append(v_all[i][c : c + n])
            start += n
        attn = PagedAttention(cache, slices, torch.tensor(slots))
        out = attn(0, torch.cat(qs).to(dtype), torch.cat(ks).to(dtype), torch.cat(vs).to(dtype))
        for (i, n), s in zip(step, slices, strict=True):
            c = done[i]
            ref = dense_reference(q_all[i][c : c + n], k_all[i][: c + n], v_all[i][: c + n])
            worst = max(worst, (out[s.start : s.start + n].float() - ref).abs().max().item())
            done[i] += n
    return worst


def test_single_prefill_longer_than_a_block():
    assert run_chunks([[(0, 11)]]) < 1e-5


def test_chunked_prefill_follows_cached_context():
    assert run_chunks([[(0, 5)], [(0, 6)], [(0, 3)]]) < 1e-5


def test_batched_decode_with_different_lengths():
    steps = [[(0, 3), (1, 9), (2, 17)]] + [[(0, 1), (1, 1), (2, 1)]] * 5
    assert run_chunks(steps) < 1e-5


def test_mixed_prefill_chunks_and_decode_in_one_batch():
    steps = [[(0, 6)], [(0, 1), (1, 7), (2, 2)], [(1, 1), (0, 1), (2, 5)], [(2, 1), (1, 1), (0, 1)]]
    assert run_chunks(steps) < 1e-5


@pytest.mark.parametrize("dtype", [torch.bfloat16])
def test_bf16_cache_stays_close(dtype):
    steps = [[(0, 9), (1, 4)], [(0, 1), (1, 1)], [(0, 1), (1, 6)]]
    assert run_chunks(steps, dtype) < 5e-2
