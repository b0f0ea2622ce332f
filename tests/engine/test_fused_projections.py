"""Serving-time fusion of q|k|v and gate|up against the separate projections it replaces."""

import torch
from torch import nn

from engine.loaders import load_checkpoint
from engine.models import CausalAttention


def logits(model, ids):
    with torch.inference_mode():
        return model.compute_logits(model(ids, torch.arange(len(ids)), CausalAttention()))


def test_fused_model_gives_the_same_logits(tiny_llama_dir):
    _, model = load_checkpoint(tiny_llama_dir, torch.float32)
    ids = torch.tensor([3, 17, 42, 9, 100, 7, 250, 31, 8, 64, 5, 200, 11, 90, 45, 2, 77, 19])
    want = logits(model, ids)
    assert model.fuse_projections()
    layer = model.model.layers[0]
    assert layer.self_attn.qkv_proj is not None and not hasattr(layer.self_attn, "q_proj")
    assert layer.mlp.gate_up_proj is not None and not hasattr(layer.mlp, "up_proj")
    torch.testing.assert_close(logits(model, ids), want, atol=1e-5, rtol=1e-5)


def test_fusion_leaves_non_plain_linears_alone(tiny_llama_dir):
    _, model = load_checkpoint(tiny_llama_dir, torch.float32)

    class Wrapped(nn.Linear):  # stands for an int4 or LoRA layer: not a plain nn.Linear
        pass

    attn = model.model.layers[0].self_attn
    wrapped = Wrapped(attn.q_proj.in_features, attn.q_proj.out_features, bias=False)
    wrapped.weight = attn.q_proj.weight
    attn.q_proj = wrapped
    assert not model.fuse_projections()
    assert attn.qkv_proj is None
