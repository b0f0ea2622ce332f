"""The Q8_0 table as two int4 groups (the small-batch LM head) against the Q8_0 dequantization."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from engine.loaders import load_checkpoint
from engine.quant.gguf_import import gguf_q8_0_tensors
from engine.quant.int4 import dequantize_int4
from engine.quant.int8_linear import dequantize_q8_0, quantize_q8_0
from engine.quant.q8_head import SmallBatchHead, split_q8_0
from engine.quant.quantize import add_small_batch_head


def random_q8(n: int, k: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return quantize_q8_0(torch.randn(n, k, generator=g) * torch.rand(n, 1, generator=g))


def test_the_two_nibble_groups_sum_to_the_q8_0_weights_bit_for_bit():
    q, d = random_q8(48, 96)
    q[0, :32] = torch.arange(-127, 128, 8, dtype=torch.int8)  # every high nibble, both signs
    wide = dequantize_int4(split_q8_0(q, d))  # [N, 2K] in fp32, exact for these scales
    assert torch.equal(wide[:, :96] + wide[:, 96:], dequantize_q8_0(q, d))


def test_q8_0_rounding_is_within_half_a_step():
    w = torch.randn(16, 64)
    q, d = quantize_q8_0(w)
    step = d.repeat_interleave(32, dim=1)
    assert ((dequantize_q8_0(q, d) - w).abs() <= step / 2 + 1e-6).all()
    assert q.abs().max() == 127
    with pytest.raises(ValueError, match="blocks of 32"):
        quantize_q8_0(torch.randn(4, 48))


@pytest.mark.parametrize("rows", [1, 3, 4, 5, 17])
def test_small_batch_head_against_the_reference(rows):
    q, d = random_q8(160, 576, seed=rows)
    table = dequantize_q8_0(q, d)
    bf16_head = nn.Linear(576, 160, bias=False, dtype=torch.bfloat16)
    bf16_head.weight.data = table.bfloat16()
    head = SmallBatchHead(bf16_head, q, d)
    x = torch.randn(rows, 576).bfloat16()
    got = head(x)
    assert got.shape == (rows, 160) and got.dtype == torch.bfloat16
    if rows > head.max_rows:  # past max_rows the bf16 head runs, as it is
        assert torch.equal(got, bf16_head(x))
    want = F.linear(x.float(), table)
    # bf16 outputs and scales; one bf16 ulp of the largest logit bounds both paths.
    assert (got.float() - want).abs().max() <= 2 ** -7 * want.abs().max()


def test_small_batch_head_keeps_leading_dims_and_refuses_shapes_the_kernel_cannot_take():
    q, d = random_q8(32, 64)
    head = SmallBatchHead(nn.Linear(64, 32, bias=False, dtype=torch.bfloat16), q, d)
    assert head(torch.randn(2, 1, 64).bfloat16()).shape == (2, 1, 32)
    with pytest.raises(ValueError, match="divisible by 16"):
        SmallBatchHead(nn.Linear(64, 40, bias=False), *random_q8(40, 64))
    with pytest.raises(ValueError, match="expected int8"):
        split_q8_0(q.to(torch.int16), d)


def test_the_default_model_imports_its_q8_0_table(model_default_gguf, default_fp32):
    """The GGUF's own Q8_0 embedding is the head, not a re-rounding of the bf16 table; at one row
    it scores like the fp32 model dequantized from the same file."""
    _, model = load_checkpoint(model_default_gguf, torch.bfloat16)
    assert add_small_batch_head(model, model_default_gguf)
    q, d = gguf_q8_0_tensors(model_default_gguf)["model.embed_tokens.weight"]
    assert torch.equal(model.lm_head.packed, SmallBatchHead(nn.Identity(), q, d).packed)
    ref_model, _ = default_fp32
    hidden = torch.randn(4, 576, generator=torch.Generator().manual_seed(0)) * 2
    want = ref_model.compute_logits(hidden)
    for i in range(len(hidden)):
        got = model.compute_logits(hidden[i : i + 1].bfloat16())[0]
        assert (got - want[i]).abs().max() <= 2 ** -7 * want.abs().max()
        assert got.argmax() == want[i].argmax()
    assert not add_small_batch_head(model)  # already wrapped: not a plain linear any more
    _, fp32 = load_checkpoint(model_default_gguf, torch.float32)
    assert not add_small_batch_head(fp32)  # bf16 activations only
    _, meta = load_checkpoint(model_default_gguf, torch.bfloat16)
    meta.lm_head = nn.Linear(576, 49152, bias=False, dtype=torch.bfloat16, device="meta")
    assert not add_small_batch_head(meta)  # the CPU kernel only


def test_a_checkpoint_without_q8_0_gets_its_head_rounded(tiny_llama_dir):
    _, model = load_checkpoint(tiny_llama_dir, torch.bfloat16)
    weight = model.lm_head.weight.detach().clone()
    assert add_small_batch_head(model)
    want = SmallBatchHead(nn.Identity(), *quantize_q8_0(weight))
    assert torch.equal(model.lm_head.packed, want.packed)
    assert model.lm_head.head.weight is model.model.embed_tokens.weight or \
        not model.config.tie_word_embeddings  # the bf16 table stays shared with the embedding
