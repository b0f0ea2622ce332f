"""Int8 KV cache: quantization bounds, and Int8PagedAttention against PagedAttention (fp32 cache)."""

import pytest
import torch

from engine.paged_attention import KVCache, PagedAttention, SeqSlice
from engine.quant.int8_paged_attention import Int8PagedAttention
from engine.quant.kv_int8 import Int8KVCache, dequantize_kv, quantize_kv

N_HEADS, N_KV, D, BS, BLOCKS = 6, 2, 16, 4, 64


@pytest.mark.parametrize("scale_dtype", [torch.float32, torch.float16])
def test_quantize_kv_error_is_half_a_step(scale_dtype):
    torch.manual_seed(0)
    x = torch.randn(50, N_KV, D) * torch.rand(50, N_KV, 1) * 4
    x[3, 1] = 0  # an all-zero row must come back as zeros, not NaN
    q, scale = quantize_kv(x, scale_dtype)
    assert q.dtype == torch.int8 and scale.dtype == scale_dtype and scale.shape == (50, N_KV)
    err = (dequantize_kv(q, scale) - x).abs()
    # fp16 scales are rounded before use, which can clip the largest value by one fp16 ulp.
    slack = 0 if scale_dtype == torch.float32 else x.abs().amax(-1, keepdim=True) * 2**-10
    assert (err <= scale.float()[..., None] / 2 * (1 + 1e-5) + slack).all()
    assert (dequantize_kv(q, scale)[3, 1] == 0).all()


def test_int8_cache_takes_about_half_of_bf16():
    dims = dict(num_layers=30, block_size=16, num_kv_heads=3, head_dim=64)
    bf16 = KVCache.bytes_per_block(**dims, dtype=torch.bfloat16)
    assert Int8KVCache.bytes_per_block(**dims) / bf16 == pytest.approx(68 / 128)  # fp32 scales
    assert Int8KVCache.bytes_per_block(**dims, scale_dtype=torch.float16) / bf16 == 66 / 128
    cache = Int8KVCache(**{**dims, "num_layers": 2}, num_blocks=5)
    assert cache.k[1].dtype == torch.int8 and cache.k_scale[1].shape == (3, 5, 16)


def run_steps(steps, make_attention, cache, pre_round=False, shared=None):
    """Feed chunks (seq, n new tokens) step by step; returns every step's output rows by seq."""
    gen = torch.Generator().manual_seed(0)
    a, b, nb = shared or (None, None, 0)
    lens = {b: nb * BS} if shared else {}
    for step in steps:
        for i, n in step:
            lens[i] = lens.get(i, 0) + n
    data = {i: [torch.randn(n, h, D, generator=gen) for h in (N_HEADS, N_KV, N_KV)]
            for i, n in lens.items()}
    if pre_round:  # K/V already on the int8 grid: the int8 path must then agree to fp32 rounding
        for i in data:
            data[i][1:] = [dequantize_kv(*quantize_kv(t)) for t in data[i][1:]]
    perm = torch.randperm(BLOCKS, generator=gen).tolist()
    blocks = {i: [perm.pop() for _ in range(-(-n // BS))] for i, n in lens.items()}
    done = dict.fromkeys(lens, 0)
    if shared:  # a prefix hit: seq b starts on seq a's first nb full blocks, already computed
        blocks[b][:nb] = blocks[a][:nb]
        for t in (1, 2):
            data[b][t][: nb * BS] = data[a][t][: nb * BS]
        done[b] = nb * BS
    outs = []
    for step in steps:
        slices, slots, qkv, start = [], [], [[], [], []], 0
        for i, n in step:
            c = done[i]
            slices.append(SeqSlice(start, n, c + n, blocks[i][: -(-(c + n) // BS)]))
            slots += [blocks[i][p // BS] * BS + p % BS for p in range(c, c + n)]
            for acc, t in zip(qkv, data[i], strict=True):
                acc.append(t[c : c + n])
            start += n
            done[i] += n
        attn = make_attention(cache, slices, torch.tensor(slots))
        outs.append(attn(0, *(torch.cat(t) for t in qkv)))
    return torch.cat(outs)


def fp32_cache():
    return KVCache(num_layers=1, num_blocks=BLOCKS, block_size=BS, num_kv_heads=N_KV, head_dim=D,
                   dtype=torch.float32)


def int8_cache(scale_dtype=torch.float32):
    return Int8KVCache(num_layers=1, num_blocks=BLOCKS, block_size=BS, num_kv_heads=N_KV,
                       head_dim=D, scale_dtype=scale_dtype)


SCENARIOS = {
    "prefill": [[(0, 11)]],
    "chunked_prefill": [[(0, 5)], [(0, 6)], [(0, 3)]],
    "batched_decode": [[(0, 3), (1, 9), (2, 17)]] + [[(0, 1), (1, 1), (2, 1)]] * 5,
    "mixed": [[(0, 6)], [(0, 1), (1, 7), (2, 2)], [(1, 1), (0, 1), (2, 5)], [(2, 1), (1, 1), (0, 1)]],
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_same_semantics_as_paged_attention(name):
    steps = SCENARIOS[name]
    want = run_steps(steps, PagedAttention, fp32_cache(), pre_round=True)
    got = run_steps(steps, Int8PagedAttention, int8_cache(), pre_round=True)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("scale_dtype", [torch.float32, torch.float16])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_int8_cache_stays_close_to_fp32(name, scale_dtype):
    steps = SCENARIOS[name]
    want = run_steps(steps, PagedAttention, fp32_cache())
    got = run_steps(steps, Int8PagedAttention, int8_cache(scale_dtype))
    # Per-row absmax int8 has a relative step of 1/127; attention outputs are averages of V.
    assert (got - want).abs().max() < 0.03


def test_prefix_hit_reads_another_sequences_int8_blocks():
    # seq 1 shares seq 0's first two blocks (a cached prompt prefix or an n > 1 fork) and only
    # computes its own tail; both then decode side by side.
    steps = [[(0, 2 * BS + 1)], [(1, 3)], [(0, 1), (1, 1)], [(0, 1), (1, 1)]]
    want = run_steps(steps, PagedAttention, fp32_cache(), pre_round=True, shared=(0, 1, 2))
    got = run_steps(steps, Int8PagedAttention, int8_cache(), pre_round=True, shared=(0, 1, 2))
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("n_heads,n_kv,d,bs", [(9, 3, 64, 16), (4, 4, 32, 8), (6, 2, 48, 5)])
def test_folded_decode_equals_the_dequantizing_reference(n_heads, n_kv, d, bs, dtype):
    """The eager int8 decode (scales folded into scores and probabilities) against the reference
    (blocks dequantized first, the form torch.compile traces): scattered blocks, padding entries
    pointing at foreign blocks, contexts of 1 to 3 blocks and a partial one. fp32: equal to
    rounding; bf16: each rounds differently, so both are held to the fp32 result, the folded
    form no further from it than the reference."""
    from engine.quant.int8_paged_attention import (
        int8_paged_decode_folded,
        int8_paged_decode_reference,
    )

    g = torch.Generator().manual_seed(3)
    lens = [1, bs, 2 * bs + 1, 3 * bs, 5]
    width = max(-(-n // bs) for n in lens)
    num_blocks = len(lens) * width + 2
    cache = []
    for _ in range(2):
        q8, s = quantize_kv(torch.randn(num_blocks * bs, n_kv, d, generator=g) * 3)
        cache += [q8.view(num_blocks, bs, n_kv, d).permute(2, 0, 1, 3).contiguous(),
                  s.view(num_blocks, bs, n_kv).permute(2, 0, 1).contiguous()]
    k, ks, v, vs = cache
    table = torch.randperm(num_blocks, generator=g)[: len(lens) * width].view(len(lens), width)
    q = torch.randn(len(lens), n_heads, d, generator=g).to(dtype)
    args = (q, k, v, ks, vs, table, torch.tensor(lens))
    want, got = int8_paged_decode_reference(*args), int8_paged_decode_folded(*args)
    assert got.dtype == want.dtype == dtype and got.shape == q.shape
    if dtype == torch.float32:
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)
    else:
        exact = int8_paged_decode_reference(q.float(), *args[1:])
        ref_err = (want.float() - exact).abs().max().item()
        assert 0 < (got.float() - exact).abs().max().item() <= 1.5 * ref_err + 1e-3
