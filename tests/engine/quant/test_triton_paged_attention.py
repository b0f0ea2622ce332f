"""The Triton int8 paged-attention decode against the plain-torch reference (interpreter on CPU,
compiled on CUDA), directly and through Int8PagedAttention."""

import pytest
import torch

from engine.quant.int8_paged_attention import int8_paged_decode_reference
from engine.quant.kv_int8 import quantize_kv

tpa = pytest.importorskip("engine.quant.triton_paged_attention", reason="needs triton")


def _cache(num_blocks, bs, n_kv, d, scale_dtype, device, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(2):
        q, s = quantize_kv(torch.randn(num_blocks * bs, n_kv, d, generator=g) * 2, scale_dtype)
        out += [q.view(num_blocks, bs, n_kv, d).permute(2, 0, 1, 3).contiguous().to(device),
                s.view(num_blocks, bs, n_kv).permute(2, 0, 1).contiguous().to(device)]
    return out  # k, k_scale, v, v_scale


def _case(n_heads, n_kv, d, bs, lens, dtype, device, num_splits=None):
    g = torch.Generator().manual_seed(1)
    max_blocks = max(-(-n // bs) for n in lens)
    num_blocks = len(lens) * max_blocks + 3
    k, ks, v, vs = _cache(num_blocks, bs, n_kv, d, dtype if dtype != torch.bfloat16 else
                          torch.float32, device)
    # Scattered block ids, and padding entries pointing at real (foreign) blocks.
    table = torch.randperm(num_blocks, generator=g)[: len(lens) * max_blocks].view(len(lens), -1)
    q = torch.randn(len(lens), n_heads, d, generator=g).to(device, dtype)
    ctx = torch.tensor(lens)
    got = tpa.int8_paged_decode(q, k, v, ks, vs, table.to(device), ctx.to(device),
                                num_splits=num_splits)
    want = int8_paged_decode_reference(q.cpu().float(), k.cpu(), v.cpu(), ks.cpu(), vs.cpu(),
                                       table, ctx)
    assert got.shape == q.shape and got.dtype == dtype
    return (got.cpu().float() - want).abs().max().item()


# (n_heads, n_kv, head_dim, block_size): the default model's 9/3/64/16, MHA, one KV head,
# a head_dim and a block size that are not powers of two.
SHAPES = [(9, 3, 64, 16), (4, 4, 32, 8), (8, 1, 16, 16), (6, 2, 48, 5)]
LENS = [1, 16, 17, 40, 5]


@pytest.mark.parametrize("dtype,tol", [(torch.float32, 1e-5), (torch.float16, 2e-3)])
@pytest.mark.parametrize("shape", SHAPES)
def test_decode_kernel_matches_reference(kernel_device, shape, dtype, tol):
    assert _case(*shape, LENS, dtype, kernel_device) < tol


@pytest.mark.parametrize("shape", [(9, 3, 64, 16), (6, 2, 48, 5)])
@pytest.mark.parametrize("num_splits", [1, 2, 3, 8])
@pytest.mark.parametrize("dtype,tol", [(torch.float32, 1e-5), (torch.float16, 2e-3)])
def test_split_kv_decode_matches_reference(kernel_device, shape, num_splits, dtype, tol):
    # Tiles of 64 rows: 4 blocks of 16 or 8 of 5 (padded to 8). Tables 5 tiles (block size 16)
    # and 8 tiles (block size 5) wide: a split of one tile, splits past a short sequence's end
    # (length 1), as many splits as tiles, and 8 splits for 5 tiles (cut to 5).
    lens = [1, 17, 300, 64, 130]
    assert _case(*shape, lens, dtype, kernel_device, num_splits) < tol


def test_decode_splits_fill_the_device(monkeypatch):
    from engine.quant import triton_int4

    monkeypatch.setattr(triton_int4, "_multiprocessors", lambda index: 132)
    cuda = torch.device("cuda", 0)
    assert tpa.tile_blocks(16) == 4 and tpa.tile_blocks(5) == 8 and tpa.tile_blocks(128) == 1
    assert tpa.decode_splits(1, 3, 64, cuda) == 32  # 88 wanted, at least 2 tiles a split
    assert tpa.decode_splits(1, 8, 256, cuda) == 33  # 2 x 132 programs
    assert tpa.decode_splits(32, 3, 64, cuda) == 3
    assert tpa.decode_splits(32, 8, 256, cuda) == 1  # 256 programs cover the 132 already
    assert tpa.decode_splits(1, 3, 3, cuda) == 1  # short contexts stay whole
    assert tpa.decode_splits(1, 3, 64, torch.device("cpu")) == 1


def test_int8_paged_attention_with_the_triton_decode(kernel_device):
    from engine.paged_attention import SeqSlice
    from engine.quant.int8_paged_attention import Int8PagedAttention
    from engine.quant.kv_int8 import Int8KVCache

    torch.manual_seed(0)
    cache = Int8KVCache(num_layers=1, num_blocks=16, block_size=4, num_kv_heads=2, head_dim=16,
                        device=kernel_device)
    k, v = torch.randn(40, 2, 16), torch.randn(40, 2, 16)
    blocks = [[3, 9, 1], [0, 12, 5, 7]]
    lens = [9, 14]
    slots = [b[p // 4] * 4 + p % 4 for b, n in zip(blocks, lens, strict=True) for p in range(n)]
    cache.write(0, torch.tensor(slots, device=kernel_device), k[: len(slots)].to(kernel_device),
                v[: len(slots)].to(kernel_device))
    # One decode step for both: the new token goes to position len.
    seqs = [SeqSlice(i, 1, n + 1, b) for i, (b, n) in enumerate(zip(blocks, lens, strict=True))]
    new = torch.tensor([b[n // 4] * 4 + n % 4 for b, n in zip(blocks, lens, strict=True)])
    q, kn, vn = torch.randn(2, 4, 16), torch.randn(2, 2, 16), torch.randn(2, 2, 16)
    outs = {}
    for kernel in ("torch", "triton"):
        attn = Int8PagedAttention(cache, seqs, new, decode_kernel=kernel)
        outs[kernel] = attn(0, *(t.to(kernel_device) for t in (q, kn, vn))).cpu()
    torch.testing.assert_close(outs["triton"], outs["torch"], rtol=1e-5, atol=1e-5)


def test_mismatched_inputs_are_rejected(kernel_device):
    k, ks, v, vs = _cache(4, 16, 3, 64, torch.float32, kernel_device)
    q = torch.randn(1, 8, 64, device=kernel_device)  # 8 heads over 3 KV heads
    table = torch.zeros(1, 1, dtype=torch.int32, device=kernel_device)
    ctx = torch.ones(1, dtype=torch.int32, device=kernel_device)
    with pytest.raises(ValueError, match="does not fit"):
        tpa.int8_paged_decode(q, k, v, ks, vs, table, ctx)
    with pytest.raises(ValueError, match="scales must be"):
        tpa.int8_paged_decode(q[:, :6], k, v, ks[:, :, :8], vs, table, ctx)
    with pytest.raises(ValueError, match="num_splits"):
        tpa.int8_paged_decode(q[:, :6], k, v, ks, vs, table, ctx, num_splits=0)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype,tol", [(torch.bfloat16, 2e-2), (torch.float16, 2e-3)])
@pytest.mark.parametrize("num_splits", [None, 1, 7])
def test_decode_kernel_on_gpu_long_contexts(cuda_device, dtype, tol, num_splits):
    lens = [1, 17, 300, 1000, 2048, 64] * 4
    assert _case(9, 3, 64, 16, lens, dtype, cuda_device, num_splits) < tol
    assert _case(32, 8, 128, 16, [4000], dtype, cuda_device, num_splits) < tol
