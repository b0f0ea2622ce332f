"""aten's CPU int4pack kernel and Int4Linear against the dequantized reference, model shapes."""

import pytest
import torch
from torch import nn

from engine.quant.cpu_int4 import check_cpu_int4_shape, cpu_int4_mm, pack_for_cpu
from engine.quant.int4 import dequantize_int4, int4_linear_reference, quantize_int4
from engine.quant.int4_linear import Int4Linear

# The default model's (out_features, in_features): q/o, k/v, gate/up, down.
MODEL_SHAPES = [(576, 576), (192, 576), (1536, 576), (576, 1536)]
M_GRID = [1, 2, 7, 32, 33, 64]
# bf16 activations, scales and output: 8 mantissa bits, so ~2^-8 relative to the output's size.
BF16_TOL = 1e-2


def _weight(n, k, group, seed=0):
    g = torch.Generator().manual_seed(seed)
    return quantize_int4(torch.randn(n, k, generator=g) * 0.05, group)


def _rel_err(got, want):
    return ((got.float() - want.float()).abs().max() / want.float().abs().max()).item()


@pytest.mark.parametrize("group", [32, 64, 128])
@pytest.mark.parametrize("n,k", MODEL_SHAPES)
def test_bf16_kernel_matches_reference(n, k, group):
    if k % group:
        pytest.skip(f"group {group} does not divide K={k} (rejection is tested below)")
    w = _weight(n, k, group)
    packed, sz = pack_for_cpu(w, torch.bfloat16)
    # The reference sees the same bf16-rounded scales, zeros and activations as the kernel.
    w_bf16 = w.to(torch.bfloat16)
    for m in M_GRID:
        x = torch.randn(m, k).bfloat16()
        got = cpu_int4_mm(x, packed, group, sz)
        assert got.shape == (m, n) and got.dtype == torch.bfloat16
        assert _rel_err(got, int4_linear_reference(x.float(), w_bf16)) < BF16_TOL, m


@pytest.mark.parametrize("n,k,group", [(192, 576, 32), (576, 1536, 128)])
def test_fp32_kernel_is_the_exact_path(n, k, group):
    w = _weight(n, k, group)
    packed, sz = pack_for_cpu(w, torch.float32)
    for m in (1, 5):
        x = torch.randn(m, k)
        assert _rel_err(cpu_int4_mm(x, packed, group, sz), int4_linear_reference(x, w)) < 1e-5
    # Multiplying by the identity reads the effective weight back. The kernel computes it as
    # fma(q - 8, scale, zero): one rounding fewer than the reference, so equal within an ulp
    # (bit for bit where both are exact, as for GGUF Q4_1: test_gguf_import.py).
    effective = cpu_int4_mm(torch.eye(k), packed, group, sz).T
    torch.testing.assert_close(effective, dequantize_int4(w), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("n,k,group,match", [
    (24, 64, 32, "divisible by 16"),
    (17, 576, 32, "divisible by 16"),
    (64, 576, 128, "divisible by the group size 128"),
    (64, 96, 64, "divisible by the group size 64"),
    (64, 64, 16, "group sizes"),
])
def test_shapes_the_kernel_cannot_take_are_rejected(n, k, group, match):
    with pytest.raises(ValueError, match=match):
        check_cpu_int4_shape(n, k, group)


def test_mm_checks_what_aten_does_not():
    w = _weight(64, 128, 32)
    packed, sz = pack_for_cpu(w, torch.bfloat16)
    with pytest.raises(ValueError, match="scales are"):
        cpu_int4_mm(torch.randn(2, 128), packed, 32, sz)
    with pytest.raises(ValueError, match=r"scales_and_zeros must be \[4, 64, 2\]"):
        cpu_int4_mm(torch.randn(2, 128).bfloat16(), packed, 32, sz[:2])  # aten would accept it
    with pytest.raises(ValueError, match=r"expected activations \[M, 128\]"):
        cpu_int4_mm(torch.randn(2, 64).bfloat16(), packed, 32, sz)


@pytest.mark.parametrize("act_dtype,tol", [(torch.bfloat16, BF16_TOL), (torch.float32, 1e-5)])
def test_int4_linear_is_a_module_swap(act_dtype, tol):
    torch.manual_seed(0)
    linear = nn.Linear(576, 192, bias=False)
    mod = Int4Linear.from_linear(linear, 64, act_dtype=act_dtype)
    x = torch.randn(3, 5, 576)  # any leading shape; the model's dtype comes back out
    want = int4_linear_reference(x, quantize_int4(linear.weight, 64))
    got = mod(x)
    assert got.shape == (3, 5, 192) and got.dtype == torch.float32
    assert _rel_err(got, want) < tol
    assert "group=64" in repr(mod)


def test_int4_linear_input_scale_multiplies_the_activations():
    torch.manual_seed(0)
    w = _weight(64, 128, 32)
    s = torch.rand(128) + 0.5
    mod = Int4Linear(w, act_dtype=torch.float32, input_scale=s)
    x = torch.randn(4, 128)
    assert _rel_err(mod(x), int4_linear_reference(x * s, w)) < 1e-5


def test_int4_linear_keeps_the_bias_and_refuses_a_wrong_backend():
    torch.manual_seed(0)
    linear = nn.Linear(64, 48)
    nn.init.normal_(linear.bias)
    x = torch.randn(5, 64)
    layer = Int4Linear.from_linear(linear, 32, act_dtype=torch.float32)
    want = int4_linear_reference(x, quantize_int4(linear.weight, 32)) + linear.bias
    with torch.inference_mode():
        assert _rel_err(layer(x), want) < 1e-5
    with pytest.raises(ValueError, match="CPU only"):
        Int4Linear(_weight(64, 64, 32), device="meta", backend="aten")
