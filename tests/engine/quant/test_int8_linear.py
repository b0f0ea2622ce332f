"""Per-channel int8 head and embedding against their references; the Q8_0 requantization cost."""

import pytest
import torch

from engine.models import CausalAttention
from engine.quant.int8_linear import (
    Int8Embedding,
    Int8Linear,
    check_int8_mm_shape,
    int8_linear_reference,
    quantize_int8_per_channel,
)
from engine.quant.quantize import quantize_head_int8

from .conftest import package_text


@pytest.mark.parametrize("act_dtype,tol", [(torch.bfloat16, 1e-2), (torch.float32, 1e-5)])
@pytest.mark.parametrize("m", [1, 7, 32])
@pytest.mark.parametrize("n,k", [(1000, 576), (49, 64)])
def test_int8_linear_matches_reference(n, k, m, act_dtype, tol):
    torch.manual_seed(0)
    q, scale = quantize_int8_per_channel(torch.randn(n, k))
    x = torch.randn(m, k)
    got = Int8Linear(q, scale, act_dtype)(x)
    want = int8_linear_reference(x.to(act_dtype).float(), q, scale.to(act_dtype))
    assert got.shape == (m, n) and got.dtype == x.dtype
    assert (got - want).abs().max() <= tol * want.abs().max()


def test_per_channel_rounding_is_within_half_a_step():
    w = torch.randn(64, 576) * torch.rand(64, 1)
    q, scale = quantize_int8_per_channel(w)
    assert ((q.float() * scale[:, None] - w).abs() <= scale[:, None] / 2 + 1e-7).all()


@pytest.mark.parametrize("k,dtype", [(72, torch.bfloat16), (100, torch.float16)])
def test_shapes_that_crash_aten_are_rejected(k, dtype):
    # aten._weight_int8pack_mm reads out of bounds (SIGSEGV) on these: never call it with them.
    with pytest.raises(ValueError, match="divisible by 16"):
        check_int8_mm_shape(k, dtype)
    check_int8_mm_shape(k, torch.float32)  # the fp32 kernel takes any K


def test_int8_embedding_lookup():
    q, scale = quantize_int8_per_channel(torch.randn(100, 32))
    ids = torch.tensor([3, 3, 99, 0])
    got = Int8Embedding(q, scale, torch.float32)(ids)
    assert torch.equal(got, q[ids].float() * scale[ids, None])


def test_q8_0_head_requantized_per_channel_costs_little(default_fp32):
    """The default model's tied Q8_0 table, requantized to one scale per row (what the aten kernel
    takes): weight error 1.2%; perplexity +0.05% (fp32 activations, 512 tokens), +0.4% with
    bf16 activations over 1024 tokens."""
    model, tok = default_fp32
    w = model.model.embed_tokens.weight.detach()
    q, scale = quantize_int8_per_channel(w)
    assert ((q.float() * scale[:, None] - w).norm() / w.norm()).item() < 0.02
    ids = torch.tensor(tok.encode(package_text("httpx")))[:256]
    with torch.inference_mode():
        hidden = model(ids, torch.arange(len(ids)), CausalAttention())
        ref = model.compute_logits(hidden)
        got = Int8Linear(q, scale, torch.bfloat16)(hidden).float()
    nll = [torch.nn.functional.cross_entropy(lg[:-1], ids[1:]).item() for lg in (ref, got)]
    assert abs(nll[1] - nll[0]) / nll[0] < 0.005
    assert (got.argmax(-1) == ref.argmax(-1)).float().mean() > 0.9


def test_quantize_head_int8_shares_one_table(tiny_llama_factory):
    from engine.loaders import load_checkpoint

    _, model = load_checkpoint(tiny_llama_factory("tied", tie_word_embeddings=True), torch.float32)
    ids = torch.tensor([3, 17, 42, 9, 100, 7])
    pos = torch.arange(len(ids))
    with torch.inference_mode():
        # The float model over the int8 table's values: what the swapped model must compute.
        q, scale = quantize_int8_per_channel(model.lm_head.weight)
        model.lm_head.weight.copy_(q.float() * scale[:, None])
        ref = model.compute_logits(model(ids, pos, CausalAttention()))
        quantize_head_int8(model, act_dtype=torch.float32)
        got = model.compute_logits(model(ids, pos, CausalAttention()))
    assert isinstance(model.lm_head, Int8Linear) and isinstance(model.model.embed_tokens, Int8Embedding)
    assert model.lm_head.weight_int8 is model.model.embed_tokens.weight_int8
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-5)
