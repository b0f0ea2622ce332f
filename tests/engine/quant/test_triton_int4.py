"""The Triton int4 GEMM / GEMV against the reference: on CPU through TRITON_INTERPRET=1 (small
shapes: the interpreter is slow), compiled on a CUDA device (the `gpu` tests, model shapes)."""

import pytest
import torch

from engine.quant.int4 import int4_linear_reference, quantize_int4

triton_int4 = pytest.importorskip("engine.quant.triton_int4", reason="needs triton")


def _weight(n, k, group, seed=0):
    g = torch.Generator().manual_seed(seed)
    return quantize_int4(torch.randn(n, k, generator=g) * 0.05, group)


def _check(x, w, tol, **kwargs):
    tw = triton_int4.pack_for_triton(w, x.dtype, x.device)
    got = triton_int4.int4_matmul(x, tw, **kwargs)
    # The reference sees the scales and zeros rounded to the kernel's dtype, in fp32 arithmetic.
    want = int4_linear_reference(x.float().cpu(), w.to(x.dtype).to(torch.float32))
    assert got.shape == want.shape and got.dtype == x.dtype
    err = (got.float().cpu() - want).abs().max() / want.abs().max()
    assert err < tol, (err.item(), list(x.shape))


# fp16 rounds the output: ~2^-11 relative to its size; fp32 is exact up to summation order.
TOLS = {torch.float32: 1e-5, torch.float16: 2e-3, torch.bfloat16: 1e-2}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
@pytest.mark.parametrize("n,k,group", [(192, 576, 32), (40, 256, 128), (48, 192, 64)])
def test_kernel_matches_reference(kernel_device, n, k, group, dtype):
    w = _weight(n, k, group)
    for m in (1, 3, 5, 17, 64):  # GEMV for one row, then tiles of 16, 32 and 64 rows
        _check(torch.randn(m, k, device=kernel_device).to(dtype), w, TOLS[dtype])


def test_split_k_gemv_and_forced_gemm_for_one_row(kernel_device):
    w = _weight(64, 256, 32)
    x = torch.randn(1, 256, device=kernel_device)
    _check(x, w, 1e-5, split_k=3)
    _check(x, w, 1e-5, split_k=1)
    _check(x, w, 1e-5, block_m=16)
    _check(x, w, 1e-5, block_n=32, block_k=32)


@pytest.mark.parametrize("group,block_k", [(32, 128), (32, 256), (128, 32), (64, 64), (256, 16)])
def test_tiles_spanning_groups_and_groups_spanning_tiles(kernel_device, group, block_k):
    # K = 768 is no multiple of 512 and 3 x 256: the last K tile is partly past the end.
    w = _weight(80, 768, group, seed=2)
    for m in (1, 6):
        x = torch.randn(m, 768, device=kernel_device)
        _check(x, w, 1e-5, block_k=block_k, block_n=32)
    _check(torch.randn(1, 768, device=kernel_device), w, 1e-5, block_k=block_k, split_k=2)


def test_gemv_split_k_fills_the_device(monkeypatch):
    monkeypatch.setattr(triton_int4, "_multiprocessors", lambda index: 132)
    cuda, cpu = torch.device("cuda", 0), torch.device("cpu")
    assert triton_int4.gemv_split_k(4096, 4096, 128, 128, cuda) == 9  # 32 tiles -> 288 programs
    assert triton_int4.gemv_split_k(28672, 4096, 128, 128, cuda) == 2  # 224 tiles
    assert triton_int4.gemv_split_k(43008, 4096, 128, 128, cuda) == 1  # 336 tiles already
    assert triton_int4.gemv_split_k(64, 256, 128, 128, cuda) == 2  # no split under one K tile
    assert triton_int4.gemv_split_k(4096, 4096, 128, 128, cpu) == 1


def test_layout_reads_every_nibble_position(kernel_device):
    # One nonzero weight at a time across the eight nibbles of a packed int32.
    from engine.quant.int4 import Int4Weight, pack_int4

    k = 64
    q = torch.full((16, k), 8, dtype=torch.uint8)  # (8 - 8) * scale + 0 = 0
    q[torch.arange(16), torch.arange(16) * 4 % k] = 9
    w = Int4Weight(pack_int4(q), torch.ones(16, k // 32), torch.zeros(16, k // 32), 32)
    x = torch.eye(k, device=kernel_device)[:16]
    tw = triton_int4.pack_for_triton(w, torch.float32, kernel_device)
    got = triton_int4.int4_matmul(x, tw)
    assert torch.equal(got.cpu().T, (q.float() - 8)[:, :16])


def test_bad_inputs_are_rejected(kernel_device):
    tw = triton_int4.pack_for_triton(_weight(32, 64, 32), torch.float32, kernel_device)
    with pytest.raises(ValueError, match=r"expected activations \[M, 64\]"):
        triton_int4.int4_matmul(torch.randn(2, 32, device=kernel_device), tw)
    with pytest.raises(ValueError, match="activations"):
        triton_int4.int4_matmul(torch.ones(2, 64, dtype=torch.int32, device=kernel_device), tw)
    with pytest.raises(ValueError, match="powers of two"):
        triton_int4.int4_matmul(torch.randn(2, 64, device=kernel_device), tw, block_k=48)
    with pytest.raises(ValueError, match="block_k >= 16"):
        triton_int4.int4_matmul(torch.randn(1, 64, device=kernel_device), tw, block_k=8)


def test_int4_linear_triton_backend(kernel_device):
    from engine.quant.int4_linear import Int4Linear

    w = _weight(48, 128, 32)
    mod = Int4Linear(w, act_dtype=torch.float32, device=kernel_device, backend="triton")
    x = torch.randn(2, 3, 128, device=kernel_device)
    want = int4_linear_reference(x.cpu(), w)
    torch.testing.assert_close(mod(x).cpu(), want, rtol=1e-5, atol=1e-5)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("n,k,group", [(576, 576, 32), (192, 576, 64), (1536, 576, 32),
                                       (576, 1536, 128), (49152, 576, 32)])
def test_kernel_on_gpu_model_shapes(cuda_device, n, k, group, dtype):
    w = _weight(n, k, group)
    for m in (1, 2, 4, 7, 16, 31, 64, 200):
        _check(torch.randn(m, k, device=cuda_device).to(dtype), w, TOLS[dtype])
