"""LoRA: merge correctness (W' = W + scale * B A, merging twice changes nothing), adapter export
with its manifest, merged weights that engine.loaders serves, and QLoRA (NF4) on CPU."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from engine.loaders import load_checkpoint
from engine.models import CausalAttention
from trainer.config import LoraConfig
from trainer.export import (
    base_model_hash,
    load_adapter_state,
    merge_lora_,
    merged_state_dict,
    tokenizer_hash,
    write_adapter,
    write_merged,
)
from trainer.model import apply_lora, load_base

TARGETS = ("q_proj", "v_proj", "down_proj")


def _trained_lora(model_dir: Path, seed: int = 0):
    path, lm, tok = load_base(str(model_dir))
    net = apply_lora(lm, LoraConfig(r=4, alpha=8, targets=TARGETS), seed)
    with torch.no_grad():  # a trained adapter: B is no longer zero
        for name, p in net.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn_like(p) * 0.05)
    return path, net, tok


def _hidden(lm, ids: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return lm.compute_logits(lm(ids, torch.arange(ids.numel()), CausalAttention()))


def test_merge_is_w_plus_scale_ba_and_idempotent(tiny_chat_model: Path) -> None:
    _, net, _ = _trained_lora(tiny_chat_model)
    layer = net.base_model.model.model.layers[1].self_attn.q_proj
    w, a, b = (t.detach().clone() for t in (layer.base_layer.weight, layer.lora_A["default"].weight,
                                           layer.lora_B["default"].weight))
    expected = w + (8 / 4) * (b @ a)
    ids = torch.tensor([5, 17, 256, 40, 99, 3])
    before = _hidden(net.base_model.model, ids)
    pure = merged_state_dict(net)
    torch.testing.assert_close(pure["model.layers.1.self_attn.q_proj.weight"], expected)
    merge_lora_(net)
    torch.testing.assert_close(layer.base_layer.weight, expected)
    merge_lora_(net)  # merging twice changes nothing
    torch.testing.assert_close(layer.base_layer.weight, expected)
    again = merged_state_dict(net)  # a merged layer is not merged a second time
    assert pure.keys() == again.keys()
    for k in pure:
        torch.testing.assert_close(pure[k], again[k])
    # The merged model computes what base + adapter computed.
    torch.testing.assert_close(_hidden(net.base_model.model, ids), before, atol=1e-4, rtol=1e-4)


def test_lora_init_is_seeded(tiny_chat_model: Path) -> None:
    def lora_a(seed: int) -> torch.Tensor:
        torch.manual_seed(1234 + seed)  # whatever a rank drew before must not matter
        _, lm, _ = load_base(str(tiny_chat_model))
        net = apply_lora(lm, LoraConfig(r=4, alpha=8, targets=TARGETS), seed=7)
        return net.base_model.model.model.layers[0].self_attn.q_proj.lora_A["default"].weight

    torch.testing.assert_close(lora_a(0), lora_a(1), rtol=0, atol=0)


def test_adapter_export_manifest_and_merged_folder(tiny_chat_model: Path, tmp_path: Path) -> None:
    path, net, tok = _trained_lora(tiny_chat_model)
    state = {n: p.detach() for n, p in net.named_parameters() if p.requires_grad}
    folder = write_adapter(tmp_path / "adapter", state, net, path, {"step": 3})
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["rank"] == 4 and manifest["alpha"] == 8 and manifest["scale"] == 2.0
    assert manifest["targets"] == sorted(TARGETS) and manifest["step"] == 3
    assert manifest["base_model_sha256"] == base_model_hash(path)
    assert manifest["tokenizer_sha256"] == tokenizer_hash(path)
    tensors = load_file(str(folder / "adapter_model.safetensors"))
    assert "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight" in tensors
    assert len(tensors) == 2 * len(TARGETS) * 3  # A and B per target per layer
    assert json.loads((folder / "adapter_config.json").read_text())["r"] == 4

    # The adapter round-trips into a fresh model, and merged weights load in the engine.
    _, fresh, _ = _trained_lora(tiny_chat_model, seed=99)
    load_adapter_state(folder, fresh)
    ids = torch.tensor([1, 2, 256, 77, 3])
    expected = _hidden(net.base_model.model, ids)
    torch.testing.assert_close(_hidden(fresh.base_model.model, ids), expected)
    merged = write_merged(tmp_path / "merged", net, net.base_model.model.config, path, tok)
    _, served = load_checkpoint(merged)
    torch.testing.assert_close(_hidden(served, ids), expected, atol=1e-4, rtol=1e-4)


def test_qlora_nf4_trains_on_cpu(tiny_chat_model: Path) -> None:
    import bitsandbytes as bnb

    _, lm, _ = load_base(str(tiny_chat_model))
    net = apply_lora(lm, LoraConfig(r=4, alpha=8, targets=("q_proj", "v_proj"), qlora=True), 0)
    inner = net.base_model.model
    base = inner.model.layers[0].mlp.up_proj
    assert isinstance(base, bnb.nn.Linear4bit) and base.weight.quant_type == "nf4"
    assert base.weight.quant_state.nested  # double quantisation
    assert isinstance(inner.model.layers[0].self_attn.q_proj.base_layer, bnb.nn.Linear4bit)
    trainable = [p for p in net.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-2)
    ids = torch.tensor([9, 8, 7, 6, 5, 4, 3, 2] * 4)
    losses = []
    for _ in range(8):
        logits = inner.compute_logits(inner(ids[:-1], torch.arange(31), CausalAttention()))
        loss = torch.nn.functional.cross_entropy(logits, ids[1:])
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.5, losses


def test_qlora_refuses_zero3_with_a_reason() -> None:
    from trainer.config import ConfigError, load_config

    raw = {"model": "m", "train_file": "f", "output_dir": "o", "lora": {"qlora": True},
           "runtime": {"backend": "deepspeed", "nproc": 2}, "zero": {"stage": 3}}
    with pytest.raises(ConfigError, match="QLoRA with ZeRO stage 3 does not work"):
        load_config(raw)
