"""quantize_model on the default model: Q4_1 imported as is, logits against the fp32 reference."""

import pytest
import torch

from engine.loaders import load_checkpoint
from engine.models import CausalAttention
from engine.quant.int4_linear import Int4Linear
from engine.quant.quantize import model_weight_bytes, quantize_model

from .conftest import package_text


@pytest.fixture(scope="module")
def text_ids(default_fp32):
    model, tok = default_fp32
    ids = torch.tensor(tok.encode(package_text("httpx")))[:128]
    with torch.inference_mode():
        ref = model.compute_logits(model(ids, torch.arange(len(ids)), CausalAttention()))
    return ids, ref


def _nll(logits, ids):
    return torch.nn.functional.cross_entropy(logits[:-1], ids[1:]).item()


@pytest.mark.parametrize("act_dtype", [torch.float32, torch.bfloat16])
def test_gguf_import_matches_the_dequantized_reference(model_default_gguf, text_ids, act_dtype):
    ids, ref = text_ids
    _, model = load_checkpoint(model_default_gguf, torch.float32)
    report = quantize_model(model, source_gguf=model_default_gguf, act_dtype=act_dtype)
    assert report.method == "gguf" and report.imported == 210 and len(report.swapped) == 210
    assert isinstance(model.model.layers[0].mlp.down_proj, Int4Linear)
    if act_dtype == torch.float32:  # the exact path is slow (~40x bf16): a causal prefix is enough
        ids, ref = ids[:8], ref[:8]
    with torch.inference_mode():
        got = model.compute_logits(model(ids, torch.arange(len(ids)), CausalAttention()))
    if act_dtype == torch.float32:
        # Same weights bit for bit; only the summation order differs.
        assert (got - ref).abs().max() < 2e-3
    else:
        # bf16 activations and scales (the fast path). Measured on 1024 tokens: perplexity
        # -0.1% against the fp32 reference, argmax agreement 99%.
        assert abs(_nll(got, ids) - _nll(ref, ids)) / _nll(ref, ids) < 0.005
        assert (got.argmax(-1) == ref.argmax(-1)).float().mean() > 0.9


def test_int4_weights_take_under_a_third_of_bf16(model_default_gguf):
    _, model = load_checkpoint(model_default_gguf, torch.bfloat16)
    linears = sum(m.weight.numel() * 2 for m in model.modules() if isinstance(m, torch.nn.Linear)
                  and m.weight is not model.lm_head.weight)
    before = model_weight_bytes(model)
    report = quantize_model(model, source_gguf=model_default_gguf)
    # 4 bits a weight plus a bf16 scale and zero per 32: 5/16 of bf16 for the decoder's linears.
    assert before - report.weight_bytes == pytest.approx(linears * (1 - 5 / 16), rel=1e-3)


def test_groups_the_model_cannot_take_are_named(model_default_gguf):
    _, model = load_checkpoint(model_default_gguf, torch.bfloat16)
    with pytest.raises(ValueError, match="group must be 32"):
        quantize_model(model, group=64, source_gguf=model_default_gguf)
    with pytest.raises(ValueError, match=r"180 linears cannot be int4 with group 128, "
                                         r"e\.g\. model\.layers\.0\.self_attn\.q_proj"):
        quantize_model(model, group=128)
    report = quantize_model(model, group=128, skip_unsupported=True)
    assert report.method == "rtn" and len(report.swapped) == 30  # the down projections (K = 1536)
    assert all(n.endswith("down_proj") for n in report.swapped) and len(report.skipped) == 180


def test_fused_int4_projections_compute_what_the_separate_ones_do(model_default_gguf, text_ids):
    ids = text_ids[0][:32]
    models = []
    for fuse in (False, True):
        _, model = load_checkpoint(model_default_gguf, torch.float32)
        report = quantize_model(model, source_gguf=model_default_gguf, fuse=fuse)
        models.append((model, report))
    (plain, plain_report), (fused, fused_report) = models
    assert len(plain_report.swapped) == 210 and len(fused_report.swapped) == 30 * 4
    attn, mlp = fused.model.layers[0].self_attn, fused.model.layers[0].mlp
    assert isinstance(attn.qkv_proj, Int4Linear) and attn.qkv_proj.out_features == 960
    assert isinstance(mlp.gate_up_proj, Int4Linear) and not hasattr(mlp, "gate_proj")
    # The same nibbles, scales and zeros, stacked: same bytes, and each output row is computed
    # as before (the kernel's rows are independent).
    assert fused_report.weight_bytes == plain_report.weight_bytes
    with torch.inference_mode():
        want = plain.compute_logits(plain(ids, torch.arange(len(ids)), CausalAttention()))
        got = fused.compute_logits(fused(ids, torch.arange(len(ids)), CausalAttention()))
    torch.testing.assert_close(got, want, atol=1e-3, rtol=0)


def test_parts_left_unquantized_keep_the_projections_apart(model_default_gguf):
    _, model = load_checkpoint(model_default_gguf, torch.bfloat16)
    report = quantize_model(model, group=128, skip_unsupported=True, fuse=True)
    assert len(report.swapped) == 30 and model.model.layers[0].self_attn.qkv_proj is None
