"""The plain-torch int4 reference: packing, round-to-nearest error bounds, rejected shapes."""

import pytest
import torch

from engine.quant.int4 import (
    Int4Weight,
    dequantize_int4,
    int4_linear_reference,
    pack_int4,
    quantize_int4,
    unpack_int4,
)


def test_pack_unpack_roundtrip_and_nibble_order():
    q = torch.randint(0, 16, (24, 70), generator=torch.Generator().manual_seed(0))
    packed = pack_int4(q)
    assert packed.dtype == torch.uint8 and packed.shape == (24, 35)
    assert torch.equal(unpack_int4(packed), q.to(torch.uint8))
    assert pack_int4(torch.tensor([[3, 12]])).item() == 3 | 12 << 4  # even k in the low nibble


def test_pack_refuses_an_odd_row_length():
    with pytest.raises(ValueError, match="even number of columns"):
        pack_int4(torch.zeros(4, 7, dtype=torch.uint8))


@pytest.mark.parametrize("group", [32, 64, 128])
@pytest.mark.parametrize("shape", [(16, 256), (96, 384), (1, 1536)])
def test_rtn_error_is_at_most_half_a_step(shape, group):
    torch.manual_seed(0)
    w = torch.randn(shape) * torch.rand(shape[1]) * 3  # uneven columns, as real layers have
    q = quantize_int4(w, group)
    assert q.shape == shape and q.group == group
    err = (dequantize_int4(q) - w).abs().reshape(shape[0], -1, group)
    step = q.scale[..., None]
    assert (err <= step / 2 * (1 + 1e-5) + 1e-7).all()
    # The group's min and max sit on the grid (q = 0 and q = 15), up to fp32 rounding.
    wg, dg = w.reshape(shape[0], -1, group), dequantize_int4(q).reshape(shape[0], -1, group)
    torch.testing.assert_close(dg.amin(-1), wg.amin(-1), rtol=0, atol=1e-5)
    torch.testing.assert_close(dg.amax(-1), wg.amax(-1), rtol=0, atol=1e-5)


def test_constant_and_zero_groups_are_exact():
    w = torch.cat([torch.full((4, 32), 0.37), torch.zeros(4, 32)], dim=1)
    q = quantize_int4(w, 32)
    assert torch.equal(dequantize_int4(q), w)


@pytest.mark.parametrize("k,group,match", [(100, 32, "not a multiple"), (64, 16, "must be one of"),
                                           (576, 128, "not a multiple")])
def test_unsupported_groups_are_rejected(k, group, match):
    with pytest.raises(ValueError, match=match):
        quantize_int4(torch.randn(16, k), group)


def test_reference_linear_and_dtype_cast():
    torch.manual_seed(0)
    w = quantize_int4(torch.randn(48, 128), 64)
    x = torch.randn(2, 3, 128)
    want = x @ dequantize_int4(w).T
    torch.testing.assert_close(int4_linear_reference(x, w), want)
    half = w.to(torch.float16)
    assert isinstance(half, Int4Weight) and half.scale.dtype == torch.float16
    assert torch.equal(half.qweight, w.qweight)
