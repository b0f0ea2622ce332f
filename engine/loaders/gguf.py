"""GGUF checkpoints of the llama (Llama 2/3, Mistral, and with experts Mixtral), qwen2, qwen3,
qwen3moe, gemma2, gemma3, phi3 and internlm2 architectures -> the ModelConfig and Hugging Face
tensor names the HF loader produces.

What llama.cpp's converter (convert_hf_to_gguf.py) did is undone here: q/k rows permuted for
llama.cpp's interleaved RoPE (llama, internlm2), fused `attn_qkv` and Phi-3's `ffn_up` (gate|up),
Gemma's norms stored as 1 + w, RoPE scaling kept as tensors (`rope_freqs`, `rope_factors_*`),
experts' gate and up stacked apart (`ffn_gate_exps`, `ffn_up_exps` [E, I, H], restacked as gate|up).
Weights are dequantized one tensor at a time from the memory-mapped file; a file that is empty,
truncated, not GGUF or holds non-finite weights is a CheckpointError naming it; an architecture
or feature the decoder lacks is one ValueError line.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import gguf
import numpy as np
import torch
from torch import Tensor

from engine.loaders.errors import CheckpointError, describe, finite, non_finite
from engine.loaders.gguf_quants import dequantize
from engine.models.config import ModelConfig, RopeScaling
from engine.models.llama import LlamaForCausalLM

Q = gguf.GGMLQuantizationType
ARCHITECTURES = ("llama", "qwen2", "qwen3", "qwen3moe", "gemma2", "gemma3", "phi3", "internlm2")
# The converter permutes their q/k rows (llama.cpp's NORM RoPE); Mixtral is written as llama.
_PERMUTED = ("llama", "internlm2", "mixtral")
_GEMMA = ("gemma2", "gemma3")
_FLOATS = (Q.F32, Q.F16, Q.BF16)

_GLOBAL_NAMES = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
_LAYER_NAMES = {
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_qkv": "self_attn.qkv_proj",  # split below
    "attn_output": "self_attn.o_proj",
    "attn_q_norm": "self_attn.q_norm",
    "attn_k_norm": "self_attn.k_norm",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
}
# Gemma's sandwich: llama.cpp's ffn_norm is the norm before the MLP, not the one after attention.
_GEMMA_LAYER_NAMES = {**_LAYER_NAMES, "post_attention_norm": "post_attention_layernorm",
                      "ffn_norm": "pre_feedforward_layernorm",
                      "post_ffw_norm": "post_feedforward_layernorm"}
_ARCH_LAYER_NAMES = {"gemma2": _GEMMA_LAYER_NAMES, "gemma3": _GEMMA_LAYER_NAMES,
                     "phi3": {**_LAYER_NAMES, "ffn_up": "mlp.gate_up_proj"}}  # Phi-3: gate|up
# Expert stacks [E, rows, cols] (HF order): gate and up are restacked as `gate_up_proj` on load.
_EXPERT_NAMES = {"ffn_gate_inp": "mlp.gate", "ffn_gate_exps": "mlp.experts.gate_proj",
                 "ffn_up_exps": "mlp.experts.up_proj", "ffn_down_exps": "mlp.experts.down_proj"}
_ROPE_TENSORS = ("rope_freqs.weight", "rope_factors_long.weight", "rope_factors_short.weight")
_LAYER_RE = re.compile(r"blk\.(\d+)\.(\w+)\.(weight|bias)")
# GGUF has no query_pre_attn_scalar: llama.cpp scales Gemma's queries by head_dim ** -0.5, but
# the 27B models' (told apart by their layer count) by (hidden // heads) ** -0.5, as their
# query_pre_attn_scalar says.
_GEMMA_27B_LAYERS = {"gemma2": 46, "gemma3": 62}


class _Reader(gguf.GGUFReader):
    """GGUFReader over a plain ndarray view of the mmap.

    np.memmap's per-slice __array_finalize__ dominates parsing the ~100k tokenizer strings;
    a plain view of the same mapping parses the default file in 0.5 s instead of 1.7 s.
    """

    @property
    def data(self) -> np.ndarray:
        return self._plain_data

    @data.setter
    def data(self, value: np.ndarray) -> None:
        self._plain_data = value.view(np.ndarray)

    def _build_tensors(self, start_offs: int, fields: Any) -> None:
        # The header parsed: what fails from here on is tensor data the file does not hold.
        try:
            super()._build_tensors(start_offs, fields)
        except (ValueError, IndexError) as exc:
            raise _Truncated(f"is truncated ({len(self.data):,} bytes): its tensor data runs "
                             "past the end of the file") from exc


class _Truncated(Exception):
    """Raised inside the reader; open_gguf turns it into a CheckpointError naming the file."""


def open_gguf(path: str | Path) -> gguf.GGUFReader:
    """The file's reader; a file that cannot be parsed is a CheckpointError saying why. Parsing
    the header takes ~0.5 s for the default model's 49k-token vocabulary, and a load reads the
    file five times (config, weights, int4 blocks, Q8_0 head, tokenizer): the last two files'
    readers are kept, keyed by path, size and modification time. Readers are read-only."""
    try:
        stat = os.stat(path)
    except OSError:
        return _open(str(path), 0, 0)  # the reader names what is wrong
    return _open(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _open(path: str, size: int, mtime_ns: int) -> gguf.GGUFReader:
    try:
        return _Reader(path)
    except _Truncated as exc:
        raise CheckpointError(f"{path} {exc}") from exc
    except Exception as exc:  # a corrupt header fails in many ways (index, value, unicode errors)
        raise CheckpointError(describe(Path(path), b"GGUF", "GGUF", exc)) from exc


def read_gguf_metadata(path: str | Path) -> dict[str, Any]:
    """Every key/value of the file header: str, int, float, bool, or lists of them."""
    reader = open_gguf(path)
    return {
        name: field.contents()
        for name, field in reader.fields.items()
        if not name.startswith("GGUF.")
    }


def permute_rows(w: Tensor, n_heads: int) -> Tensor:
    """llama.cpp's converter permutation of q/k rows (HF rotate-half -> interleaved RoPE pairs)."""
    half = w.shape[0] // n_heads // 2
    return w.reshape(n_heads, 2, half, *w.shape[1:]).transpose(1, 2).reshape(w.shape)


def unpermute_rows(w: Tensor, n_heads: int) -> Tensor:
    """Inverse of `permute_rows` (transformers' `reverse_permute`). Whole rows move, so it works on
    quantized rows of bytes as well as on dequantized weights."""
    half = w.shape[0] // n_heads // 2
    return w.reshape(n_heads, half, 2, *w.shape[1:]).transpose(1, 2).reshape(w.shape)


def tensor_rows(tensor: Any) -> Tensor:
    """A tensor's bytes as torch uint8 [rows, bytes_per_row], copied (the mmap is read-only)."""
    shape = [int(s) for s in tensor.shape]  # GGUF order: the row length first
    rows = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    raw = np.array(tensor.data, copy=True).view(np.uint8).reshape(rows, -1)
    return torch.from_numpy(raw)


def _floats(tensor: Any) -> tuple[float, ...]:
    return tuple(dequantize(tensor_rows(tensor), tensor.tensor_type, torch.float32).flatten().tolist())


def _rope_scaling(arch: str, meta: dict[str, Any], tensors: dict[str, Any],
                  max_pos: int) -> RopeScaling | None:
    def key(name: str) -> Any:
        return meta.get(f"{arch}.rope.scaling.{name}")

    orig = int(key("original_context_length") or max_pos)
    attention = float(key("attn_factor") or 1.0)  # llama.cpp scales cos and sin by it
    if "rope_freqs.weight" in tensors:
        # Llama 3.x: the converter turned rope_scaling "llama3" into one divisor per frequency,
        # and llama.cpp divides by them: LongRoPE's form with one set of factors at every position.
        factors = _floats(tensors["rope_freqs.weight"])
        return RopeScaling(type="longrope", short_factor=factors, long_factor=factors,
                           original_max_position_embeddings=max_pos, attention_factor=attention)
    if "rope_factors_long.weight" in tensors:  # LongRoPE (Phi-3): short factors before `orig`
        return RopeScaling(type="longrope", original_max_position_embeddings=orig,
                           short_factor=_floats(tensors["rope_factors_short.weight"]),
                           long_factor=_floats(tensors["rope_factors_long.weight"]),
                           attention_factor=attention)
    factor = float(key("factor") or meta.get(f"{arch}.rope.scale_linear") or 1.0)
    kind = key("type") or ("linear" if factor != 1.0 else "none")  # llama.cpp's default: linear
    odd = [k for k in ("yarn_log_multiplier", "yarn_ext_factor", "yarn_attn_factor")
           if key(k) is not None] + (["attn_factor"] if attention != 1.0 else [])
    if kind in ("none", "linear") and factor == 1.0 and not odd:
        return None
    if kind == "linear" and not odd:
        return RopeScaling(type="linear", factor=factor)
    if kind == "yarn" and not odd:  # llama.cpp's YaRN with its defaults is transformers' YaRN
        return RopeScaling(type="yarn", factor=factor, original_max_position_embeddings=orig,
                           beta_fast=float(key("yarn_beta_fast") or 32.0),
                           beta_slow=float(key("yarn_beta_slow") or 1.0))
    raise ValueError(f"unsupported GGUF rope scaling {kind!r}"
                     + (f" with {', '.join(odd)}" if odd else ""))


def _layer_types(arch: str, meta: dict[str, Any], layers: int) -> tuple[int | None, tuple[str, ...]]:
    """(window, layer types). llama.cpp reads a window for Gemma only; Phi-3's is honoured as
    transformers does (every layer slides; llama.cpp turns Phi's window off)."""
    if arch not in (*_GEMMA, "phi3"):
        return None, ()
    window = int(meta.get(f"{arch}.attention.sliding_window", 4096 if arch == "gemma2" else 0))
    if not window:
        return None, ()
    pattern = meta.get(f"{arch}.attention.sliding_window_pattern",
                       {"gemma2": 2, "gemma3": 6}.get(arch, 0))
    if isinstance(pattern, list):  # one flag per layer
        sliding = [bool(p) for p in pattern]
    else:  # llama.cpp's set_swa_pattern: the last layer of every `pattern` is global (0: none)
        n = int(pattern)
        sliding = [n == 0 or i % n < n - 1 for i in range(layers)]
    if not any(sliding):
        return None, ()
    return window, tuple("sliding_attention" if s else "full_attention" for s in sliding)


def _one(value: Any, name: str) -> int:
    """A per-layer count (llama.cpp allows arrays) that must be one number for the decoder."""
    if isinstance(value, list):
        if len(set(value)) != 1:
            raise ValueError(f"unsupported GGUF: {name} differs between layers ({value})")
        value = value[0]
    return int(value)


def _experts(arch: str, key: Any, tensors: dict[str, Any], layers: int) -> dict[str, Any]:
    """The mixture-of-experts fields of llama.cpp's qwen3moe and llama-with-experts (Mixtral):
    softmax over all experts, the top k renormalized (llama.cpp always does for both; the
    converter writes no norm_topk_prob); a layer without a router keeps a dense MLP."""
    count = int(key("expert_count", 0))
    if not count:
        return {}
    odd = [k for k, ok in (("expert_gating_func", key("expert_gating_func", 1) == 1),
                           ("expert_weights_scale", key("expert_weights_scale", 1.0) in (0.0, 1.0)),
                           ("expert_shared_count", not key("expert_shared_count", 0)))
           if not ok]
    if odd:
        raise ValueError(f"unsupported GGUF: a mixture-of-experts {arch} model with "
                         + ", ".join(f"{k} {key(k)}" for k in odd))
    size = key("expert_feed_forward_length", 0) or key("feed_forward_length")
    return {"num_experts": count, "experts_per_token": int(key("expert_used_count")),
            "moe_intermediate_size": int(size), "normalize_top_k": True,
            "dense_layers": tuple(i for i in range(layers)
                                  if f"blk.{i}.ffn_gate_inp.weight" not in tensors)}


def config_from_gguf(reader: gguf.GGUFReader) -> ModelConfig:
    """The header (and the RoPE tensors) -> ModelConfig; refuses what the decoder lacks. `arch` is
    the family's name as the HF loader spells it (qwen3moe: "qwen3_moe"; llama with experts:
    "mixtral"), so one checkpoint gives one config whichever way it was saved."""
    meta = {name: field.contents() for name, field in reader.fields.items()}
    arch = meta.get("general.architecture")
    if arch not in ARCHITECTURES:
        raise ValueError(f"unsupported GGUF architecture {arch!r}; supported: "
                         + ", ".join(ARCHITECTURES))
    missing = object()

    def key(name: str, default: Any = missing) -> Any:
        value = meta.get(f"{arch}.{name}", default)
        if value is missing:
            raise KeyError(f"{arch}.{name}")
        return value

    tensors = {t.name: t for t in reader.tensors}
    hidden = int(key("embedding_length"))
    heads = _one(key("attention.head_count"), "attention.head_count")
    head_dim = int(key("attention.key_length", hidden // heads))
    rotary = int(key("rope.dimension_count", head_dim))
    if rotary != head_dim and arch != "phi3":
        raise ValueError(f"partial rotary embeddings (rope.dimension_count {rotary} != head_dim "
                         f"{head_dim}) are not supported for {arch}")
    layers, max_pos = int(key("block_count")), int(key("context_length"))
    window, layer_types = _layer_types(arch, meta, layers)
    gemma = arch in _GEMMA
    scalar = hidden // heads if gemma and layers == _GEMMA_27B_LAYERS[arch] else head_dim
    # llama.cpp's defaults where the key is absent: Gemma 2 caps at 50 and 30, Gemma 3 not at all;
    # Gemma 3's sliding layers turn at 10000.
    attn_cap = key("attn_logit_softcapping", 50.0) if arch == "gemma2" else None
    final_cap = key("final_logit_softcapping", 30.0 if arch == "gemma2" else None) if gemma else None
    local_theta = meta.get(f"{arch}.rope.freq_base_swa", 10000.0 if arch == "gemma3" else None)
    experts = _experts(arch, key, tensors, layers)
    family = {"qwen3moe": "qwen3_moe", "llama": "mixtral" if experts else "llama"}.get(arch, arch)
    return ModelConfig(
        arch=family,
        vocab_size=int(tensors["token_embd.weight"].shape[1]),
        hidden_size=hidden,
        intermediate_size=int(key("feed_forward_length")),
        num_layers=layers,
        num_heads=heads,
        num_kv_heads=_one(key("attention.head_count_kv", heads), "attention.head_count_kv"),
        head_dim=head_dim,
        rms_norm_eps=float(key("attention.layer_norm_rms_epsilon")),
        rope_theta=float(key("rope.freq_base", 10000.0)),
        rope_scaling=_rope_scaling(arch, meta, tensors, max_pos),
        max_position_embeddings=max_pos,
        tie_word_embeddings="output.weight" not in tensors,
        qkv_bias="blk.0.attn_q.bias" in tensors or "blk.0.attn_qkv.bias" in tensors,
        o_bias="blk.0.attn_output.bias" in tensors,
        qk_norm="blk.0.attn_q_norm.weight" in tensors,
        norm_offset=1.0 if gemma else 0.0,
        sandwich_norms=gemma,
        activation="gelu_tanh" if gemma else "silu",
        embed_scale=gemma,
        attn_scale=scalar**-0.5 if gemma else None,
        attn_softcap=float(attn_cap) if attn_cap else None,
        final_softcap=float(final_cap) if final_cap else None,
        sliding_window=window,
        layer_types=layer_types,
        rotary_dim=rotary if rotary != head_dim else None,
        local_rope_theta=None if local_theta is None else float(local_theta),
        **experts,
    )


def hf_name(gguf_name: str, arch: str = "llama") -> str:
    """A GGUF tensor's Hugging Face name; fused ones get the fused module's name
    (`self_attn.qkv_proj`, Phi-3's `mlp.gate_up_proj`), which `gguf_tensors` splits; expert
    stacks are parameters, named without `.weight` (gate and up apart: `load_gguf` stacks them)."""
    if gguf_name in _GLOBAL_NAMES:
        return _GLOBAL_NAMES[gguf_name]
    names = _ARCH_LAYER_NAMES.get(arch, _LAYER_NAMES)
    if arch in ("qwen3_moe", "mixtral"):
        names = {**names, **_EXPERT_NAMES}
    match = _LAYER_RE.fullmatch(gguf_name)
    if match is None or match.group(2) not in names:
        raise ValueError(f"unexpected GGUF tensor {gguf_name!r} for a {arch} model")
    name = f"model.layers.{match.group(1)}.{names[match.group(2)]}"
    return name if match.group(2).endswith("_exps") else f"{name}.{match.group(3)}"


class GGUFTensor(NamedTuple):
    """One model tensor as stored: its rows of bytes, already renamed, split and reordered."""

    name: str  # Hugging Face name
    rows: Tensor  # uint8 [rows, bytes per row]; a 1-D float tensor has one element per row
    qtype: gguf.GGMLQuantizationType
    shape: tuple[int, ...]  # the weight's shape, HF order
    source: str  # the GGUF tensor it came from


def _split(name: str, rows: Tensor, config: ModelConfig) -> list[tuple[str, Tensor]]:
    prefix, sep, part = name.partition(".self_attn.qkv_proj.")
    if sep:
        d = config.head_dim
        sizes = [config.num_heads * d, config.num_kv_heads * d, config.num_kv_heads * d]
        return [(f"{prefix}.self_attn.{p}_proj.{part}", w)
                for p, w in zip("qkv", rows.split(sizes), strict=True)]
    prefix, sep, part = name.partition(".mlp.gate_up_proj.")
    if sep:
        gate, up = rows.chunk(2)
        return [(f"{prefix}.mlp.gate_proj.{part}", gate), (f"{prefix}.mlp.up_proj.{part}", up)]
    return [(name, rows)]


def gguf_tensors(reader: gguf.GGUFReader, config: ModelConfig,
                 qtypes: Collection[gguf.GGMLQuantizationType] = ()) -> Iterator[GGUFTensor]:
    """Every model tensor of the file (of `qtypes` only, if given) under its HF name, the
    converter's reordering undone on the stored bytes: whole rows move, so quantized rows come out
    exactly as they were quantized."""
    for t in reader.tensors:
        if t.name in _ROPE_TENSORS or (qtypes and t.tensor_type not in qtypes):
            continue  # the RoPE tensors are read by config_from_gguf
        shape = [int(s) for s in reversed(t.shape)]
        rows = tensor_rows(t)
        if len(shape) == 1 and t.tensor_type in _FLOATS:
            rows = rows.view(shape[0], -1)  # a bias or norm: rows move element by element
        for name, part in _split(hf_name(t.name, config.arch), rows, config):
            if config.arch in _PERMUTED and ".q_proj." in name:
                part = unpermute_rows(part, config.num_heads)
            elif config.arch in _PERMUTED and ".k_proj." in name:
                part = unpermute_rows(part, config.num_kv_heads)
            split = part.shape[0] != rows.shape[0]
            yield GGUFTensor(name, part.contiguous(), t.tensor_type,
                             (part.shape[0], *shape[1:]) if split else tuple(shape), t.name)


def stack_gate_up(tensors: dict[str, Any]) -> dict[str, Any]:
    """Each layer's `mlp.experts.gate_proj` and `up_proj` [E, I, ...] -> `mlp.experts.gate_up_proj`
    [E, 2I, ...], gate rows first in each expert, as the decoder holds them."""
    out = dict(tensors)
    for name in [n for n in tensors if n.endswith(".mlp.experts.gate_proj")]:
        prefix = name.removesuffix("gate_proj")
        if prefix + "up_proj" in out:  # else the model names what is missing
            out[prefix + "gate_up_proj"] = torch.cat((out.pop(name), out.pop(prefix + "up_proj")),
                                                     dim=1)
    return out


def load_gguf(path: str | Path, dtype: torch.dtype) -> tuple[ModelConfig, LlamaForCausalLM]:
    reader = open_gguf(path)
    try:
        config = config_from_gguf(reader)
    except KeyError as exc:  # a file that parsed but lost a key or tensor the model needs
        raise CheckpointError(f"{path} is corrupt: it has no {exc}") from exc
    tensors: dict[str, Tensor] = {}
    for t in gguf_tensors(reader, config):
        if config.norm_offset and t.name.endswith("norm.weight"):
            # Gemma's norms are stored as 1 + w. w, taken in fp32 (exact for stored values in
            # [0.5, 2]), makes the decoder's fp32 1 + w the stored scale again; in bf16 it keeps
            # its precision, where a bf16 1 + w would round the scale to steps of 1/128.
            weight = (dequantize(t.rows, t.qtype, torch.float32) - config.norm_offset).to(dtype)
        else:
            weight = dequantize(t.rows, t.qtype, dtype)
        if not finite(weight):  # garbage bytes in the data: no checksum says so
            raise non_finite(Path(path), t.source)
        tensors[t.name] = weight.reshape(t.shape)
    return config, LlamaForCausalLM.from_state_dict(config, stack_gate_up(tensors))
