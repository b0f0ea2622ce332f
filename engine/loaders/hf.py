"""Hugging Face folders: config.json + safetensors (sharded or not), Llama or InternLM2 layout.

InternLM2 names are renamed to Llama's and its packed `wqkv` is split per KV group, so one
module serves both. A config.json or safetensors file that does not parse, or weights that are not
finite, is a CheckpointError naming the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from torch import Tensor

from engine.loaders.errors import CheckpointError, describe, finite, non_finite
from engine.models.config import ModelConfig, RopeScaling
from engine.models.llama import LlamaForCausalLM

LLAMA_ARCHITECTURES = ("LlamaForCausalLM", "MistralForCausalLM")
INTERNLM2_ARCHITECTURES = ("InternLM2ForCausalLM",)

_INTERNLM2_GLOBAL = {
    "model.tok_embeddings.weight": "model.embed_tokens.weight",
    "model.norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
_INTERNLM2_LAYER = {
    "attention.wo": "self_attn.o_proj",
    "feed_forward.w1": "mlp.gate_proj",
    "feed_forward.w3": "mlp.up_proj",
    "feed_forward.w2": "mlp.down_proj",
    "attention_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
}
_LAYER_RE = re.compile(r"model\.layers\.(\d+)\.(.+)\.weight")


def _arch(cfg: dict[str, Any]) -> str:
    names = cfg.get("architectures") or []
    model_type = cfg.get("model_type")
    if any(n in LLAMA_ARCHITECTURES for n in names) or (
        not names and model_type in ("llama", "mistral")
    ):
        return "llama"
    if any(n in INTERNLM2_ARCHITECTURES for n in names) or (
        not names and model_type == "internlm2"
    ):
        return "internlm2"
    supported = ", ".join(LLAMA_ARCHITECTURES + INTERNLM2_ARCHITECTURES)
    raise ValueError(f"unsupported architecture {names or model_type!r}; supported: {supported}")


def _rope(cfg: dict[str, Any]) -> tuple[float, RopeScaling | None]:
    # transformers 5 writes `rope_parameters` (theta inside); older: rope_theta + rope_scaling.
    params = cfg.get("rope_parameters") or {}
    theta = float(params.get("rope_theta", cfg.get("rope_theta", 10000.0)))
    scaling = cfg.get("rope_scaling") or params
    kind = scaling.get("rope_type", scaling.get("type", "default"))
    if kind == "default":
        return theta, None
    return theta, RopeScaling(type=kind, factor=float(scaling["factor"]))


def config_from_hf(cfg: dict[str, Any]) -> ModelConfig:
    """config.json (as a dict) -> ModelConfig; refuses features the module does not implement."""
    arch = _arch(cfg)
    window = cfg.get("sliding_window")
    unsupported = {
        "hidden_act": cfg.get("hidden_act", "silu") != "silu",
        "bias": bool(cfg.get("bias", False)),
        "attention_bias": bool(cfg.get("attention_bias", False)),
        "mlp_bias": bool(cfg.get("mlp_bias", False)),
        "sliding_window": window is not None and window < cfg.get("max_position_embeddings", 0),
    }
    bad = [key for key, is_bad in unsupported.items() if is_bad]
    if bad:
        raise ValueError(
            f"unsupported config for a {arch} checkpoint: "
            + ", ".join(f"{k}={cfg.get(k)!r}" for k in bad)
        )
    heads = int(cfg["num_attention_heads"])
    theta, scaling = _rope(cfg)
    return ModelConfig(
        arch=arch,
        vocab_size=int(cfg["vocab_size"]),
        hidden_size=int(cfg["hidden_size"]),
        intermediate_size=int(cfg["intermediate_size"]),
        num_layers=int(cfg["num_hidden_layers"]),
        num_heads=heads,
        num_kv_heads=int(cfg.get("num_key_value_heads") or heads),
        head_dim=int(cfg.get("head_dim") or cfg["hidden_size"] // heads),
        rms_norm_eps=float(cfg.get("rms_norm_eps", 1e-6)),
        rope_theta=theta,
        rope_scaling=scaling,
        max_position_embeddings=int(cfg["max_position_embeddings"]),
        tie_word_embeddings=bool(cfg.get("tie_word_embeddings", False)),
    )


def safetensors_files(folder: Path) -> list[Path]:
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        weight_map = json.loads(index.read_text())["weight_map"]
        return [folder / name for name in sorted(set(weight_map.values()))]
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        raise FileNotFoundError(
            f"no *.safetensors in {folder} (only safetensors checkpoints are supported)"
        )
    return files


def _read(files: list[Path]) -> Iterator[tuple[str, Tensor]]:
    for file in files:
        try:
            f = safe_open(str(file), framework="pt")
        except Exception as exc:  # SafetensorError, OSError: the header did not parse
            raise CheckpointError(describe(file, b"", "safetensors", exc)) from exc
        with f:
            for name in f.keys():
                if not name.endswith("rotary_emb.inv_freq"):  # old checkpoints saved RoPE buffers
                    tensor = f.get_tensor(name)
                    if tensor.is_floating_point() and not finite(tensor):
                        raise non_finite(file, name)  # garbage bytes: no checksum says so
                    yield name, tensor


def split_wqkv(wqkv: Tensor, config: ModelConfig) -> tuple[Tensor, Tensor, Tensor]:
    """InternLM2's packed rows (KV group, [q_per_kv queries, key, value], head_dim) -> q, k, v."""
    d, kv = config.head_dim, config.num_kv_heads
    hidden = wqkv.shape[-1]
    w = wqkv.reshape(kv, config.num_heads // kv + 2, d, hidden)
    # Clones: a view would keep the whole packed tensor alive beside the split ones.
    q, k, v = (part.reshape(-1, hidden).clone() for part in (w[:, :-2], w[:, -2], w[:, -1]))
    return q, k, v


def _internlm2_names(
    name: str, tensor: Tensor, config: ModelConfig
) -> Iterator[tuple[str, Tensor]]:
    if name in _INTERNLM2_GLOBAL:
        yield _INTERNLM2_GLOBAL[name], tensor
        return
    match = _LAYER_RE.fullmatch(name)
    if match is None:
        raise ValueError(f"unexpected tensor {name!r} in an InternLM2 checkpoint")
    prefix, part = f"model.layers.{match.group(1)}.", match.group(2)
    if part == "attention.wqkv":
        q, k, v = split_wqkv(tensor, config)
        yield from (
            (f"{prefix}self_attn.{p}_proj.weight", w) for p, w in zip("qkv", (q, k, v), strict=True)
        )
    elif part in _INTERNLM2_LAYER:
        yield f"{prefix}{_INTERNLM2_LAYER[part]}.weight", tensor
    else:
        raise ValueError(f"unexpected tensor {name!r} in an InternLM2 checkpoint")


def load_hf(folder: str | Path, dtype: torch.dtype) -> tuple[ModelConfig, LlamaForCausalLM]:
    folder = Path(folder)
    try:
        raw = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{folder / 'config.json'} is not readable JSON: {exc}") from exc
    config = config_from_hf(raw)
    tensors: dict[str, Tensor] = {}
    for name, tensor in _read(safetensors_files(folder)):
        # safetensors hands out tensors at unaligned addresses; a fresh 64-byte aligned copy keeps
        # matmuls on their fast path (and makes results independent of the file's layout).
        tensor = tensor.to(dtype) if tensor.dtype != dtype else tensor.clone()
        pairs = (
            _internlm2_names(name, tensor, config)
            if config.arch == "internlm2"
            else [(name, tensor)]
        )
        tensors.update(pairs)
    return config, LlamaForCausalLM.from_state_dict(config, tensors)
