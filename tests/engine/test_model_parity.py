"""Logits parity with Hugging Face transformers in fp32 on CPU: tiny random Llama checkpoints
(plain, tied, dynamic NTK), the same weights in InternLM2's layout, and the default GGUF.
Also the reference attention over packed samples and a training step."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from engine.loaders import load_checkpoint
from engine.models import CausalAttention, LlamaForCausalLM

TOL = 1e-3
# Ascending lengths: HF's dynamic NTK keeps the frequencies of the longest call it has seen.
TINY_PROMPTS = [
    [7],
    [1, 17, 42, 99, 3],
    [(i * 37) % 320 for i in range(20)],
    list(range(5, 300, 11)),
]
VARIANTS = {
    "plain": {},
    "tied": {"tie_word_embeddings": True},
    # The two longer prompts pass max_position_embeddings, so the scaled base is in play.
    "dynamic_ntk": {
        "max_position_embeddings": 16,
        "rope_scaling": {"rope_type": "dynamic", "factor": 2.0},
    },
}


def our_last_logits(model: LlamaForCausalLM, ids: list[int]) -> torch.Tensor:
    with torch.inference_mode():
        hidden = model(torch.tensor(ids), torch.arange(len(ids)), CausalAttention())
        return model.compute_logits(hidden[-1:])[0]


def hf_last_logits(model: torch.nn.Module, ids: list[int]) -> torch.Tensor:
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0, -1].float()


def hf_llama(folder: Path) -> torch.nn.Module:
    from transformers import LlamaForCausalLM as HFLlama

    return HFLlama.from_pretrained(folder, dtype=torch.float32).eval()


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_tiny_llama_matches_hf(variant: str, tiny_llama_factory: Callable[..., Path]) -> None:
    folder = tiny_llama_factory(variant, **VARIANTS[variant])
    config, ours = load_checkpoint(folder)
    assert config.tie_word_embeddings == (variant == "tied")
    if variant == "tied":
        assert ours.lm_head.weight is ours.model.embed_tokens.weight
    hf = hf_llama(folder)
    for ids in TINY_PROMPTS:
        expected = hf_last_logits(hf, ids)
        assert expected.std() > 0.5  # logits spread: the tolerance below is meaningful
        assert (our_last_logits(ours, ids) - expected).abs().max() < TOL, (variant, len(ids))


def test_dynamic_ntk_changes_logits_past_the_trained_context(
    tiny_llama_factory: Callable[..., Path],
) -> None:
    """Both sides really scale: unscaled, our logits leave HF's once the prompt is too long."""
    folder = tiny_llama_factory("dynamic_ntk", **VARIANTS["dynamic_ntk"])
    config, ours = load_checkpoint(folder)
    assert config.rope_scaling is not None and config.rope_scaling.factor == 2.0
    unscaled = LlamaForCausalLM.from_state_dict(
        replace(config, rope_scaling=None), ours.state_dict()
    )
    hf = hf_llama(folder)
    short, long = TINY_PROMPTS[1], TINY_PROMPTS[-1]
    assert torch.equal(our_last_logits(unscaled, short), our_last_logits(ours, short))
    expected = hf_last_logits(hf, long)
    assert (our_last_logits(ours, long) - expected).abs().max() < TOL
    assert (our_last_logits(unscaled, long) - expected).abs().max() > 100 * TOL


def pack_wqkv(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, n_kv: int, head_dim: int
) -> torch.Tensor:
    """InternLM2's layout: per KV group, its query heads, then its key head, then its value head."""
    hidden = q.shape[1]
    groups = (
        q.reshape(n_kv, -1, head_dim, hidden),
        k.reshape(n_kv, 1, head_dim, hidden),
        v.reshape(n_kv, 1, head_dim, hidden),
    )
    return torch.cat(groups, dim=1).reshape(-1, hidden)


def write_internlm2(llama_folder: Path, out: Path) -> None:
    cfg = json.loads((llama_folder / "config.json").read_text())
    rope = cfg["rope_parameters"]
    n_kv, head_dim = cfg["num_key_value_heads"], cfg["hidden_size"] // cfg["num_attention_heads"]
    sd = load_file(llama_folder / "model.safetensors")
    renamed = {
        "model.tok_embeddings.weight": sd["model.embed_tokens.weight"],
        "model.norm.weight": sd["model.norm.weight"],
        "output.weight": sd["lm_head.weight"],
    }
    for i in range(cfg["num_hidden_layers"]):
        src, dst = f"model.layers.{i}.", f"model.layers.{i}."
        renamed[dst + "attention.wqkv.weight"] = pack_wqkv(
            *(sd[f"{src}self_attn.{p}_proj.weight"] for p in "qkv"), n_kv, head_dim
        )
        for theirs, llama in [
            ("attention.wo", "self_attn.o_proj"),
            ("feed_forward.w1", "mlp.gate_proj"),
            ("feed_forward.w3", "mlp.up_proj"),
            ("feed_forward.w2", "mlp.down_proj"),
            ("attention_norm", "input_layernorm"),
            ("ffn_norm", "post_attention_layernorm"),
        ]:
            renamed[f"{dst}{theirs}.weight"] = sd[f"{src}{llama}.weight"]
    save_file(renamed, out / "model.safetensors")
    scaling = (
        None
        if rope["rope_type"] == "default"
        else {"type": rope["rope_type"], "factor": rope["factor"]}
    )
    internlm2 = {
        "architectures": ["InternLM2ForCausalLM"],
        "model_type": "internlm2",
        "vocab_size": cfg["vocab_size"],
        "hidden_size": cfg["hidden_size"],
        "intermediate_size": cfg["intermediate_size"],
        "num_hidden_layers": cfg["num_hidden_layers"],
        "num_attention_heads": cfg["num_attention_heads"],
        "num_key_value_heads": n_kv,
        "max_position_embeddings": cfg["max_position_embeddings"],
        "rms_norm_eps": cfg["rms_norm_eps"],
        "rope_theta": rope["rope_theta"],
        "rope_scaling": scaling,
        "bias": False,
        "hidden_act": "silu",
        "tie_word_embeddings": False,
    }
    (out / "config.json").write_text(json.dumps(internlm2))


@pytest.mark.parametrize("variant", ["plain", "dynamic_ntk"])
def test_internlm2_layout_matches_hf_llama(
    variant: str, tiny_llama_factory: Callable[..., Path], tmp_path: Path
) -> None:
    llama_folder = tiny_llama_factory(variant, **VARIANTS[variant])
    write_internlm2(llama_folder, tmp_path)
    config, ours = load_checkpoint(tmp_path)
    assert config.arch == "internlm2" and not config.tie_word_embeddings
    _, as_llama = load_checkpoint(llama_folder)
    expected = as_llama.state_dict()
    assert all(
        torch.equal(w, expected[name]) for name, w in ours.state_dict().items()
    )  # exact split
    hf = hf_llama(llama_folder)
    for ids in TINY_PROMPTS:
        assert (our_last_logits(ours, ids) - hf_last_logits(hf, ids)).abs().max() < TOL


def test_packed_samples_attend_only_within_themselves() -> None:
    torch.manual_seed(0)
    cu = [0, 5, 6, 23]  # a length-1 sample and one longer than a 16-token KV block
    q, k, v = torch.randn(23, 4, 16), torch.randn(23, 2, 16), torch.randn(23, 2, 16)
    packed = CausalAttention(cu)(0, q, k, v)
    alone = [CausalAttention()(0, q[s:e], k[s:e], v[s:e]) for s, e in zip(cu, cu[1:], strict=False)]
    torch.testing.assert_close(packed, torch.cat(alone), rtol=0, atol=1e-6)
    assert not torch.allclose(CausalAttention()(0, q, k, v)[5:], packed[5:])
    with pytest.raises(ValueError, match="cu_seqlens ends at 22"):
        CausalAttention([0, 22])(0, q, k, v)
    with pytest.raises(ValueError, match="start at 0"):
        CausalAttention([1, 23])


def test_packed_forward_equals_separate_forwards_and_trains(tiny_llama_dir: Path) -> None:
    """A packed row (positions restarting per sample) gives each sample's own logits; it trains."""
    _, model = load_checkpoint(tiny_llama_dir)
    a, b = TINY_PROMPTS[1], TINY_PROMPTS[2]
    alone = [
        our_last_logits(model, a),
        our_last_logits(model, b),
    ]  # RoPE tables built in inference mode
    ids = torch.tensor(a + b)
    positions = torch.cat([torch.arange(len(a)), torch.arange(len(b))])
    hidden = model(ids, positions, CausalAttention([0, len(a), len(a) + len(b)]))
    logits = model.compute_logits(hidden)
    torch.testing.assert_close(
        logits[[len(a) - 1, -1]].detach(), torch.stack(alone), rtol=0, atol=1e-5
    )
    loss = torch.nn.functional.cross_entropy(logits[:-1], ids[1:])
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.fixture(scope="module")
def model_gguf_pair(model_default_gguf: Path) -> tuple[LlamaForCausalLM, torch.nn.Module]:
    from transformers import AutoModelForCausalLM

    _, ours = load_checkpoint(model_default_gguf)
    hf = AutoModelForCausalLM.from_pretrained(
        model_default_gguf.parent, gguf_file=model_default_gguf.name, dtype=torch.float32
    ).eval()
    return ours, hf


GGUF_PROMPTS = [
    [1, 2, 3],
    [504, 3458, 282, 4649, 314],
    [
        1,
        9690,
        198,
        2683,
        359,
        253,
        5356,
        5646,
        11173,
        3365,
        3511,
        308,
        34519,
        28,
        7018,
        411,
        407,
        19712,
        8182,
        2,
    ],
    list(range(100, 4000, 97)),
]


@pytest.mark.slow
def test_default_gguf_matches_hf(model_gguf_pair: tuple[LlamaForCausalLM, torch.nn.Module]) -> None:
    ours, hf = model_gguf_pair
    for ids in GGUF_PROMPTS:
        expected = hf_last_logits(hf, ids)
        assert (our_last_logits(ours, ids) - expected).abs().max() < TOL, len(ids)
