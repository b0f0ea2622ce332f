"""Exports: the LoRA adapter (peft-format safetensors + adapter_config.json + a manifest with the
base model's and tokenizer's hashes) and merged weights (W' = W + scale * B A) as an HF folder."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file
from torch import Tensor, nn

from engine.loaders import read_gguf_metadata
from engine.models import LlamaForCausalLM, ModelConfig

TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "tokenizer_config.json",
                   "chat_template.jinja", "special_tokens_map.json", "generation_config.json")


def sha256_files(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode())
        with file.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def base_model_hash(path: Path) -> str:
    """sha256 over the weights and config: the .gguf file, or config.json + *.safetensors."""
    if path.is_file():
        return sha256_files([path])
    return sha256_files([path / "config.json", *sorted(path.glob("*.safetensors"))])


def tokenizer_hash(path: Path) -> str:
    """sha256 of what decides the token ids and the prompt text: the tokenizer files, or in a
    GGUF its tokenizer.* metadata (vocabulary, merges, special ids, chat template)."""
    if path.is_file():
        meta = {k: v for k, v in read_gguf_metadata(path).items() if k.startswith("tokenizer.")}
        return hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()
    return sha256_files([path / name for name in TOKENIZER_FILES if (path / name).exists()])


def _lora_layers(net: nn.Module) -> list[tuple[str, nn.Module]]:
    from peft.tuners.lora import LoraLayer

    return [(name, m) for name, m in net.named_modules() if isinstance(m, LoraLayer)]


def merged_state_dict(net: nn.Module) -> dict[str, Tensor]:
    """HF-named weights of the model with every LoRA update folded in: W + scale * B @ A.

    Pure: the model is not changed. A layer that peft already merged in place holds W' and is
    taken as it is, so merging twice never adds B A twice."""
    if not _lora_layers(net):
        lm = net
        return {k: v.detach().clone() for k, v in lm.state_dict().items()}
    state: dict[str, Tensor] = {}
    lm: LlamaForCausalLM = net.base_model.model
    layers = dict(_lora_layers(lm))
    inside = tuple(f"{name}." for name in layers)  # base_layer / lora_A / ... are not weights
    for name, module in lm.named_modules():
        if name.startswith(inside):
            continue
        if name in layers:
            layer = layers[name]
            weight = layer.base_layer.weight.detach().clone()
            if not layer.merged:
                for adapter in layer.active_adapters:
                    a = layer.lora_A[adapter].weight.detach()
                    b = layer.lora_B[adapter].weight.detach()
                    weight += layer.scaling[adapter] * (b @ a)
            state[f"{name}.weight"] = weight
        elif not list(module.children()):  # a leaf outside LoRA's reach (norms, embeddings)
            for pname, param in module.named_parameters(recurse=False):
                state[f"{name}.{pname}"] = param.detach().clone()
    return state


def merge_lora_(net: nn.Module) -> None:
    """Fold the adapter into the base weights in place (peft's merge: a second call is a no-op)."""
    for _, layer in _lora_layers(net):
        if not layer.merged:
            layer.merge()


# ModelConfig fields a LlamaConfig cannot express, at their Llama values.
_LLAMA_ONLY = {"qkv_bias": False, "o_bias": False, "qk_norm": False, "norm_offset": 0.0,
               "sandwich_norms": False, "activation": "silu", "embed_scale": False,
               "attn_scale": None, "attn_softcap": None, "final_softcap": None,
               "layer_types": (), "rotary_dim": None, "local_rope_theta": None, "num_experts": 0}


def hf_config(config: ModelConfig) -> dict[str, Any]:
    """A transformers LlamaConfig dict for engine.loaders and transformers alike (a base loaded
    from a GGUF has no config.json to copy). Other families' details are refused, one line."""
    other = [k for k, v in _LLAMA_ONLY.items() if getattr(config, k) != v]
    scaling = config.rope_scaling
    if scaling is not None and scaling.type == "longrope":
        other.append("rope_scaling")
    if other:
        raise ValueError(f"a merged {config.arch} model from a GGUF base cannot be written as a "
                         f"Llama config ({', '.join(other)}); fine-tune its Hugging Face folder")
    out = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
           "vocab_size": config.vocab_size, "hidden_size": config.hidden_size,
           "intermediate_size": config.intermediate_size,
           "num_hidden_layers": config.num_layers, "num_attention_heads": config.num_heads,
           "num_key_value_heads": config.num_kv_heads, "head_dim": config.head_dim,
           "rms_norm_eps": config.rms_norm_eps, "rope_theta": config.rope_theta,
           "max_position_embeddings": config.max_position_embeddings,
           "tie_word_embeddings": config.tie_word_embeddings, "torch_dtype": "float32"}
    if scaling is not None:
        fields = {"llama3": ("low_freq_factor", "high_freq_factor"),
                  "yarn": ("beta_fast", "beta_slow", "mscale", "mscale_all_dim", "truncate",
                           "attention_factor")}.get(scaling.type, ())
        out["rope_scaling"] = {"rope_type": scaling.type, "factor": scaling.factor,
                               **{k: getattr(scaling, k) for k in fields
                                  if getattr(scaling, k) is not None}}
        if scaling.original_max_position_embeddings:
            out["rope_scaling"]["original_max_position_embeddings"] = \
                scaling.original_max_position_embeddings
    return out


def _merged_config(config: ModelConfig, base_path: Path) -> dict[str, Any]:
    """The base folder's own config.json (every family's details as it wrote them; the weights
    keep its names, Phi-3's projections split, which the loader takes as they are), or a Llama
    config for a GGUF base and for InternLM2, whose packed names the weights no longer have."""
    if (base_path / "config.json").is_file() and config.arch != "internlm2":
        return {**json.loads((base_path / "config.json").read_text()), "torch_dtype": "float32"}
    return hf_config(config)


def write_merged(folder: Path, net: nn.Module, config: ModelConfig, base_path: Path,
                 tokenizer: Any) -> Path:
    """An HF folder (config.json, model.safetensors, tokenizer) that engine.loaders serves."""
    folder.mkdir(parents=True, exist_ok=True)
    state = merged_state_dict(net)
    if config.tie_word_embeddings:
        state.pop("lm_head.weight", None)  # one tensor; the loader ties it back
    save_file({k: v.contiguous() for k, v in state.items()}, str(folder / "model.safetensors"))
    (folder / "config.json").write_text(json.dumps(_merged_config(config, base_path), indent=2))
    if base_path.is_dir():
        for name in TOKENIZER_FILES:
            if (base_path / name).exists():
                shutil.copy2(base_path / name, folder / name)
    else:  # a GGUF carries its tokenizer inside: write it out in HF's layout
        tokenizer._backend.save(str(folder / "tokenizer.json"))
        names = dict(tokenizer._names)
        (folder / "tokenizer_config.json").write_text(json.dumps(
            {**names, "chat_template": tokenizer.chat_template}, indent=2))
        (folder / "generation_config.json").write_text(json.dumps(
            {"eos_token_id": list(tokenizer.eos_token_ids)}))
    return folder


def _peft_key(name: str) -> str:
    # peft's saved adapters drop the adapter name: "...lora_A.default.weight" -> "...lora_A.weight"
    return re.sub(r"\.(lora_[AB])\.[^.]+\.weight$", r".\1.weight", name)


def write_adapter(folder: Path, state: dict[str, Tensor], net: nn.Module, base_path: Path,
                  extra: dict[str, Any]) -> Path:
    """adapter_model.safetensors + adapter_config.json (peft's layout) + manifest.json."""
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {_peft_key(k): v.contiguous() for k, v in state.items() if "lora_" in k}
    if not tensors:
        raise ValueError("no LoRA weights to export")
    file = folder / "adapter_model.safetensors"
    save_file(tensors, str(file))
    peft_config = net.peft_config["default"]
    peft_config.base_model_name_or_path = str(base_path)
    peft_config.save_pretrained(str(folder))
    manifest = {
        "format": "hanlin.lora/1",
        "base_model": str(base_path),
        "base_model_sha256": base_model_hash(base_path),
        "tokenizer_sha256": tokenizer_hash(base_path),
        "rank": peft_config.r,
        "alpha": peft_config.lora_alpha,
        "scale": peft_config.lora_alpha / peft_config.r,
        "targets": sorted(peft_config.target_modules),
        "adapter_sha256": sha256_files([file]),
        **extra,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder


def load_adapter_state(folder: Path, net: nn.Module) -> None:
    """Put an exported adapter's weights back into a peft model built with the same config."""
    from safetensors.torch import load_file

    saved = load_file(str(folder / "adapter_model.safetensors"))
    params = {_peft_key(n): p for n, p in net.named_parameters() if "lora_" in n}
    if set(saved) != set(params):
        raise ValueError(f"adapter {folder} does not fit this model's LoRA layers")
    with torch.no_grad():
        for name, value in saved.items():
            params[name].copy_(value)
