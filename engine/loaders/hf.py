"""Hugging Face folders: config.json + safetensors (sharded or not), for the families the shared
decoder serves: Llama 2/3, Mistral, Qwen2/2.5, Qwen3, Gemma 2/3 (text), Phi-3 / Phi-4-mini,
InternLM2 and the mixtures of experts Qwen3-MoE and Mixtral. config.json becomes a ModelConfig
here, each family's details spelled out once; per-expert weights are stacked.

InternLM2 names are renamed to Llama's and its packed `wqkv` is split per KV group; Phi-3's fused
`qkv_proj` and `gate_up_proj` are split too, so one module serves all. A config.json or
safetensors file that does not parse, or weights that are not finite, is a CheckpointError naming
the file; an unsupported family or feature is one ValueError line.
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

# architectures[0] (or model_type) -> the family
ARCHITECTURES = {
    "LlamaForCausalLM": "llama", "MistralForCausalLM": "mistral",
    "InternLM2ForCausalLM": "internlm2", "Qwen2ForCausalLM": "qwen2",
    "Qwen3ForCausalLM": "qwen3", "Gemma2ForCausalLM": "gemma2", "Gemma3ForCausalLM": "gemma3",
    "Phi3ForCausalLM": "phi3", "Qwen3MoeForCausalLM": "qwen3_moe", "MixtralForCausalLM": "mixtral",
}
MODEL_TYPES = {"llama": "llama", "mistral": "mistral", "internlm2": "internlm2",
               "qwen2": "qwen2", "qwen3": "qwen3", "gemma2": "gemma2", "gemma3_text": "gemma3",
               "phi3": "phi3", "qwen3_moe": "qwen3_moe", "mixtral": "mixtral"}
_GEMMA = ("gemma2", "gemma3")

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


def _family(cfg: dict[str, Any]) -> str:
    names = cfg.get("architectures") or []
    for name in names:
        if name in ARCHITECTURES:
            return ARCHITECTURES[name]
    if not names and cfg.get("model_type") in MODEL_TYPES:
        return MODEL_TYPES[cfg["model_type"]]
    raise ValueError(f"unsupported architecture {names or cfg.get('model_type')!r}; supported: "
                     + ", ".join(ARCHITECTURES))


def _scaling(params: dict[str, Any], cfg: dict[str, Any]) -> RopeScaling | None:
    kind = params.get("rope_type", params.get("type", "default"))
    if kind == "default":
        return None
    if kind == "su":  # Phi-3's first name for LongRoPE
        kind = "longrope"
    known = {"factor", "original_max_position_embeddings", "low_freq_factor", "high_freq_factor",
             "beta_fast", "beta_slow", "mscale", "mscale_all_dim", "truncate",
             "attention_factor"}
    fields = {k: params[k] for k in known if params.get(k) is not None}
    fields.setdefault("original_max_position_embeddings",
                      cfg.get("original_max_position_embeddings"))
    if kind == "longrope":
        fields["short_factor"] = tuple(float(x) for x in params.get("short_factor") or ())
        fields["long_factor"] = tuple(float(x) for x in params.get("long_factor") or ())
        fields.setdefault("factor", 1.0)
    if kind == "yarn" and fields["original_max_position_embeddings"] is None:
        fields["original_max_position_embeddings"] = cfg["max_position_embeddings"]
    if kind == "yarn" and "factor" not in fields:
        fields["factor"] = cfg["max_position_embeddings"] / fields["original_max_position_embeddings"]
    return RopeScaling(type=kind, **{k: v for k, v in fields.items() if v is not None})


def _rope(cfg: dict[str, Any]) -> tuple[float, RopeScaling | None, float | None, float]:
    """(theta, scaling, the sliding layers' own theta or None, partial rotary factor).
    transformers 5 writes `rope_parameters` (theta inside; per layer type for Gemma 3); older
    configs: rope_theta + rope_scaling (+ rope_local_base_freq)."""
    params = cfg.get("rope_parameters") or {}
    local_theta = cfg.get("rope_local_base_freq")
    if "full_attention" in params:
        local = params.get("sliding_attention") or {}
        if _scaling(local, cfg) is not None:
            raise ValueError("unsupported config: RoPE scaling on sliding layers")
        local_theta = local.get("rope_theta", local_theta)
        params = params["full_attention"]
    theta = float(params.get("rope_theta", cfg.get("rope_theta", 10000.0)))
    scaling = _scaling(cfg.get("rope_scaling") or params, cfg)
    partial = float(params.get("partial_rotary_factor", cfg.get("partial_rotary_factor", 1.0)))
    return theta, scaling, None if local_theta is None else float(local_theta), partial


def _layer_types(cfg: dict[str, Any], family: str, layers: int) -> tuple[str, ...]:
    """Which layers slide: the config's `layer_types`, else each family's older rule."""
    window = cfg.get("sliding_window")
    if not window:
        return ()
    if cfg.get("layer_types"):
        return tuple(cfg["layer_types"])
    sliding = [False] * layers
    if family in ("mistral", "mixtral", "phi3"):
        sliding = [True] * layers
    elif family in ("qwen2", "qwen3", "qwen3_moe") and cfg.get("use_sliding_window"):
        sliding = [i >= int(cfg.get("max_window_layers", layers)) for i in range(layers)]
    elif family == "gemma2":
        sliding = [i % 2 == 0 for i in range(layers)]
    elif family == "gemma3":
        pattern = int(cfg.get("sliding_window_pattern", 6))
        sliding = [(i + 1) % pattern != 0 for i in range(layers)]
    return tuple("sliding_attention" if s else "full_attention" for s in sliding)


def config_from_hf(cfg: dict[str, Any]) -> ModelConfig:
    """config.json (as a dict) -> ModelConfig; refuses features the module does not implement."""
    family = _family(cfg)
    gemma = family in _GEMMA
    act = cfg.get("hidden_activation") or cfg.get("hidden_act", "silu")
    activations = {"silu": "silu", "gelu_pytorch_tanh": "gelu_tanh", "gelu_tanh": "gelu_tanh"}
    unsupported = {
        "hidden_act": act not in activations,
        "bias": bool(cfg.get("bias", False)),
        "mlp_bias": bool(cfg.get("mlp_bias", False)),
    }
    bad = [key for key, is_bad in unsupported.items() if is_bad]
    if bad:
        raise ValueError(
            f"unsupported config for a {family} checkpoint: "
            + ", ".join(f"{k}={cfg.get(k, act)!r}" for k in bad)
        )
    heads = int(cfg["num_attention_heads"])
    head_dim = int(cfg.get("head_dim") or cfg["hidden_size"] // heads)
    theta, scaling, local_theta, partial = _rope(cfg)
    layers = int(cfg["num_hidden_layers"])
    layer_types = _layer_types(cfg, family, layers)
    attention_bias = bool(cfg.get("attention_bias", False))
    scalar = cfg.get("query_pre_attn_scalar")
    return ModelConfig(
        arch=family,
        vocab_size=int(cfg["vocab_size"]),
        hidden_size=int(cfg["hidden_size"]),
        intermediate_size=int(cfg["intermediate_size"]),
        num_layers=layers,
        num_heads=heads,
        num_kv_heads=int(cfg.get("num_key_value_heads") or heads),
        head_dim=head_dim,
        rms_norm_eps=float(cfg.get("rms_norm_eps", 1e-6)),
        rope_theta=theta,
        rope_scaling=scaling,
        max_position_embeddings=int(cfg["max_position_embeddings"]),
        tie_word_embeddings=bool(cfg.get("tie_word_embeddings", gemma)),
        qkv_bias=family == "qwen2" or attention_bias,
        o_bias=attention_bias and family != "qwen2",
        qk_norm=family in ("qwen3", "qwen3_moe", "gemma3"),
        norm_offset=1.0 if gemma else 0.0,
        sandwich_norms=gemma,
        activation=activations[act],
        embed_scale=gemma,
        attn_scale=float(scalar) ** -0.5 if gemma and scalar else None,
        attn_softcap=cfg.get("attn_logit_softcapping") if gemma else None,
        final_softcap=cfg.get("final_logit_softcapping") if gemma else None,
        sliding_window=int(cfg["sliding_window"]) if layer_types else None,
        layer_types=layer_types if "sliding_attention" in layer_types else (),
        rotary_dim=int(head_dim * partial) if partial != 1.0 else None,
        local_rope_theta=local_theta if family == "gemma3" else None,
        **_experts(cfg, family, layers),
    )


def _experts(cfg: dict[str, Any], family: str, layers: int) -> dict[str, Any]:
    """The mixture-of-experts fields: Mixtral routes every layer and renormalizes its top k;
    Qwen3-MoE as `norm_topk_prob` says, with `mlp_only_layers` / `decoder_sparse_step` dense."""
    if family not in ("qwen3_moe", "mixtral"):
        return {}
    experts = int(cfg.get("num_experts") or cfg.get("num_local_experts") or 0)
    dense: tuple[int, ...] = ()
    if family == "qwen3_moe":
        step = int(cfg.get("decoder_sparse_step") or 1)
        only = set(cfg.get("mlp_only_layers") or ())
        dense = tuple(i for i in range(layers) if i in only or (i + 1) % step)
    return {"num_experts": experts, "experts_per_token": int(cfg["num_experts_per_tok"]),
            "moe_intermediate_size": int(cfg.get("moe_intermediate_size")
                                         or cfg["intermediate_size"]),
            "normalize_top_k": family == "mixtral" or bool(cfg.get("norm_topk_prob")),
            "dense_layers": dense}


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


_EXPERT_RE = re.compile(
    r"model\.layers\.(\d+)\.(?:mlp|block_sparse_moe)\.experts\.(\d+)\.(\w+)\.weight")
_MIXTRAL_PARTS = {"w1": "gate_proj", "w3": "up_proj", "w2": "down_proj"}


def stack_experts(tensors: dict[str, Tensor], config: ModelConfig) -> dict[str, Tensor]:
    """Per-expert tensors (Qwen3-MoE's `mlp.experts.E.gate_proj`, Mixtral's
    `block_sparse_moe.experts.E.w1`) -> the stacked `mlp.experts.gate_up_proj` [E, 2I, H] and
    `mlp.experts.down_proj` [E, H, I]; Mixtral's router `block_sparse_moe.gate` -> `mlp.gate`."""
    if not config.num_experts:
        return tensors
    out: dict[str, Tensor] = {}
    parts: dict[tuple[int, str], dict[int, Tensor]] = {}
    for name, tensor in tensors.items():
        match = _EXPERT_RE.fullmatch(name)
        if match is None:
            out[name.replace(".block_sparse_moe.gate.", ".mlp.gate.")] = tensor
            continue
        layer, expert, part = int(match.group(1)), int(match.group(2)), match.group(3)
        parts.setdefault((layer, _MIXTRAL_PARTS.get(part, part)), {})[expert] = tensor
    for (layer, part), by_expert in parts.items():
        if sorted(by_expert) != list(range(config.num_experts)):
            raise ValueError(f"layer {layer}: experts {sorted(by_expert)[:8]} for {part}, "
                             f"expected 0..{config.num_experts - 1}")
    for layer in sorted({layer for layer, _ in parts}):
        prefix = f"model.layers.{layer}.mlp.experts."
        try:
            gate, up, down = (parts[(layer, p)] for p in ("gate_proj", "up_proj", "down_proj"))
        except KeyError as exc:
            raise ValueError(f"layer {layer}: no expert {exc.args[0][1]} weights") from None
        e = range(config.num_experts)
        out[prefix + "gate_up_proj"] = torch.stack([torch.cat((gate[i], up[i])) for i in e])
        out[prefix + "down_proj"] = torch.stack([down[i] for i in e])
    return out


def _phi3_names(name: str, tensor: Tensor, config: ModelConfig) -> Iterator[tuple[str, Tensor]]:
    """Phi-3's fused rows, split: qkv_proj -> q, k, v; gate_up_proj -> gate, up."""
    prefix, sep, part = name.rpartition(".self_attn.qkv_proj.")
    if sep:
        d = config.head_dim
        sizes = [config.num_heads * d, config.num_kv_heads * d, config.num_kv_heads * d]
        for p, w in zip("qkv", tensor.split(sizes), strict=True):
            yield f"{prefix}.self_attn.{p}_proj.{part}", w.clone()
        return
    prefix, sep, part = name.rpartition(".mlp.gate_up_proj.")
    if sep:
        gate, up = tensor.chunk(2)
        yield f"{prefix}.mlp.gate_proj.{part}", gate.clone()
        yield f"{prefix}.mlp.up_proj.{part}", up.clone()
        return
    yield name, tensor


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
        if config.arch == "internlm2":
            pairs: Any = _internlm2_names(name, tensor, config)
        elif config.arch == "phi3":
            pairs = _phi3_names(name, tensor, config)
        else:
            pairs = [(name, tensor)]
        tensors.update(pairs)
    return config, LlamaForCausalLM.from_state_dict(config, stack_experts(tensors, config))
