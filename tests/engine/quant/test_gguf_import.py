"""GGUF Q4_1 / Q8_0 imported without re-quantization: bit for bit the loader's dequantization."""

import pytest
import torch

from engine.loaders.gguf import Q, dequantize, open_gguf, tensor_rows, unpermute_rows
from engine.quant.cpu_int4 import cpu_int4_mm, pack_for_cpu
from engine.quant.gguf_import import gguf_int4_weights, gguf_q8_0_tensors, q4_1_to_int4
from engine.quant.int4 import dequantize_int4
from engine.quant.int8_linear import dequantize_q8_0


@pytest.fixture(scope="module")
def int4_weights(model_default_gguf, default_fp32):
    model, _ = default_fp32
    return gguf_int4_weights(model_default_gguf, model.config)


def test_every_q4_1_linear_is_bitwise_the_gguf_dequantization(int4_weights, default_fp32):
    model, _ = default_fp32
    linears = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear) and "layers" in n]
    assert sorted(int4_weights) == sorted(linears) and len(linears) == 210
    for name, w in int4_weights.items():
        assert w.group == 32 and w.scale.dtype == torch.float32
        # The loaded model holds the loader's fp32 dequantization, q/k rows already unpermuted.
        want = model.get_submodule(name).weight
        assert torch.equal(dequantize_int4(w).view(torch.int32), want.view(torch.int32)), name


@pytest.mark.parametrize("name", ["model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.k_proj",
                                  "model.layers.29.mlp.down_proj"])
def test_the_fp32_kernel_sees_exactly_that_weight(name, int4_weights, default_fp32):
    model, _ = default_fp32
    w = int4_weights[name]
    packed, sz = pack_for_cpu(w, torch.float32)
    # The identity through the kernel reads back its effective weight; Q4_1 values and zeros are
    # exact in fp32, so its fma and the GGUF formula agree bit for bit.
    effective = cpu_int4_mm(torch.eye(w.shape[1]), packed, 32, sz).T
    assert torch.equal(effective, model.get_submodule(name).weight)


def test_unpermuting_quantized_rows_equals_unpermuting_weights(model_default_gguf):
    reader = open_gguf(model_default_gguf)
    t = next(t for t in reader.tensors if t.name == "blk.3.attn_q.weight")
    raw = tensor_rows(t)
    before = unpermute_rows(dequantize(raw, Q.Q4_1, torch.float32), 9)
    after = dequantize_int4(q4_1_to_int4(unpermute_rows(raw, 9)))
    assert torch.equal(before, after)


def test_q8_0_embedding_is_bitwise_the_gguf_dequantization(model_default_gguf, default_fp32):
    model, _ = default_fp32
    tensors = gguf_q8_0_tensors(model_default_gguf)
    assert list(tensors) == ["model.embed_tokens.weight"]
    q, d = tensors["model.embed_tokens.weight"]
    assert q.dtype == torch.int8 and q.shape == (49152, 576) and d.shape == (49152, 18)
    assert torch.equal(dequantize_q8_0(q, d), model.model.embed_tokens.weight)


def test_malformed_rows_are_rejected():
    with pytest.raises(ValueError, match="Q4_1 rows"):
        q4_1_to_int4(torch.zeros(4, 21, dtype=torch.uint8))
    with pytest.raises(ValueError, match="Q4_1 rows"):
        q4_1_to_int4(torch.zeros(4, 20, dtype=torch.int8))
