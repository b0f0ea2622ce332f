"""GGUF files of every architecture the decoder serves (llama with and without `rope_freqs`,
qwen2, qwen3, qwen3moe, gemma2, gemma3, phi3, internlm2, Mixtral as llama with experts), written
from tiny random HF checkpoints the way llama.cpp's convert_hf_to_gguf.py writes them, in F32, Q8_0
and a Q4_K_M-like mix (Q4_K, Q6_K, Q5_0 where rows are not whole K-blocks). Loaded by us, an F32
file is the HF folder (same config, weights and logits within 2e-4); every type matches
transformers loading the same GGUF (prompt log-probabilities within 2e-3) where transformers reads
that architecture right, and transformers' own model over the file's weights where it does not
(the mixtures of experts). With
HANLIN_LLAMA_CPP naming a llama.cpp tree, its own converter writes the same files tensor for
tensor; without it those tests skip, saying so."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from engine.loaders import load_checkpoint
from engine.loaders.gguf import config_from_gguf, hf_name, open_gguf, stack_gate_up, unpermute_rows
from engine.loaders.gguf_quants import dequantize
from engine.models import CausalAttention, LlamaForCausalLM
from engine.models.config import RopeScaling
from tests.families import FAMILIES, build_checkpoint

Q = gguf.GGMLQuantizationType
TOL, LOGPROB_TOL = 2e-4, 2e-3
WIDE = dict(hidden_size=256, intermediate_size=512, head_dim=64)  # rows of 256: K-quants apply
_GEMMA3_ROPE = {"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                "full_attention": {"rope_type": "linear", "factor": 4.0, "rope_theta": 1e6}}
# name -> (GGUF architecture, transformers config class, causal LM class, overrides)
SPECS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    # transformers reads these GGUFs right; where it ignores a key, the checkpoint keeps its
    # default (Qwen3's head_dim 128, Gemma's query_pre_attn_scalar 256 and 2's caps 50 / 30).
    "llama": ("llama", "LlamaConfig", "LlamaForCausalLM", WIDE),
    "qwen2": ("qwen2", *FAMILIES["qwen2"][:2], {**WIDE, "tie_word_embeddings": True}),
    "qwen3": ("qwen3", *FAMILIES["qwen3"][:2], {**WIDE, "head_dim": 128}),
    "gemma2": ("gemma2", *FAMILIES["gemma2"][:2],
               {**WIDE, "head_dim": 256, "query_pre_attn_scalar": 256, "sliding_window": 6}),
    "gemma3": ("gemma3", *FAMILIES["gemma3"][:2],
               {**WIDE, "head_dim": 256, "query_pre_attn_scalar": 256, "sliding_window": 6,
                "num_hidden_layers": 6}),  # llama.cpp's Gemma 3 pattern: every 6th layer global
    "phi3": ("phi3", *FAMILIES["phi3"][:2],
             {**WIDE, "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2}),
    # transformers' GGUF loader drops these details (rope_freqs, rope scaling, attention biases,
    # capping values, LongRoPE factors, partial rotary): checked against the HF folder.
    "llama3": ("llama", *FAMILIES["llama3"]),
    "llama-linear": ("llama", *FAMILIES["llama-linear"]),
    "llama-yarn": ("llama", *FAMILIES["llama-yarn"]),
    "llama-bias": ("llama", *FAMILIES["llama-bias"]),
    "gemma2-caps": ("gemma2", *FAMILIES["gemma2"][:2],
                    {"sliding_window": 6, "query_pre_attn_scalar": 16,
                     "attn_logit_softcapping": 5.0, "final_logit_softcapping": 3.0}),
    "gemma3-scaled": ("gemma3", *FAMILIES["gemma3"][:2],
                      {"sliding_window": 6, "query_pre_attn_scalar": 16, "num_hidden_layers": 6,
                       "final_logit_softcapping": 3.0, "rope_parameters": _GEMMA3_ROPE}),
    "phi3-longrope": ("phi3", *FAMILIES["phi3"]),
    "phi4-mini": ("phi3", *FAMILIES["phi4-mini"]),
    "internlm2": ("internlm2", "LlamaConfig", "LlamaForCausalLM", {}),  # saved in its own layout
    # Mixtures of experts (rows of 256 in every expert stack). transformers reads qwen3moe without
    # its expert size and Mixtral's llama file as a dense Llama: the quantized files are checked
    # against transformers' model holding the file's weights (gguf's own dequantization).
    "qwen3moe": ("qwen3moe", *FAMILIES["qwen3-moe"][:2],
                 {**FAMILIES["qwen3-moe"][2], **WIDE, "moe_intermediate_size": 256,
                  "mlp_only_layers": []}),  # llama.cpp's qwen3moe routes every layer
    "mixtral": ("llama", *FAMILIES["mixtral"][:2],
                {**FAMILIES["mixtral"][2], **WIDE, "intermediate_size": 256}),
}
MOE = ["qwen3moe", "mixtral"]
TRANSFORMERS_READS = ["llama", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "qwen3moe"]
# Keys transformers' GGUF config drops, given to it: qwen3moe's expert_feed_forward_length.
TRANSFORMERS_MISSES = {"qwen3moe": {"moe_intermediate_size": 256}}
QTYPES = ["f32", "q8_0", "q4_k_m"]
# The longest runs past LongRoPE's original context (40): the long factors are in play too.
PROMPTS = [[7], [1, 17, 42, 99, 3], list(range(5, 300, 11)), [(i * 37) % 320 for i in range(56)]]


# --- tiny HF checkpoints -------------------------------------------------------------------------

def build_hf(name: str, folder: Path) -> Path:
    """The random checkpoint (norms and biases randomized too) and a byte-level tokenizer."""
    arch, config_cls, model_cls, overrides = SPECS[name]
    build_checkpoint(config_cls, model_cls, overrides, folder, gemma=arch.startswith("gemma"))
    if arch == "internlm2":  # the Llama it was made from stays beside it: transformers' reference
        shutil.copytree(folder, folder / "llama", ignore=shutil.ignore_patterns("llama"))
        save_as_internlm2(folder)
    return folder


def save_as_internlm2(folder: Path) -> None:
    """Rewrite a Llama folder in InternLM2's layout (names, q|k|v packed per KV group)."""
    cfg = json.loads((folder / "config.json").read_text())
    sd = load_file(folder / "model.safetensors")
    heads, kv, d = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    out = {"model.tok_embeddings.weight": sd["model.embed_tokens.weight"],
           "model.norm.weight": sd["model.norm.weight"], "output.weight": sd["lm_head.weight"]}
    renames = {"self_attn.o_proj": "attention.wo", "mlp.gate_proj": "feed_forward.w1",
               "mlp.up_proj": "feed_forward.w3", "mlp.down_proj": "feed_forward.w2",
               "input_layernorm": "attention_norm", "post_attention_layernorm": "ffn_norm"}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        q, k, v = (sd[f"{p}self_attn.{x}_proj.weight"] for x in "qkv")
        hidden = q.shape[1]
        packed = torch.cat([q.reshape(kv, heads // kv, d, hidden), k.reshape(kv, 1, d, hidden),
                            v.reshape(kv, 1, d, hidden)], dim=1)
        out[f"{p}attention.wqkv.weight"] = packed.reshape(-1, hidden)
        out.update({f"{p}{new}.weight": sd[f"{p}{old}.weight"] for old, new in renames.items()})
    save_file({n: t.contiguous() for n, t in out.items()}, str(folder / "model.safetensors"))
    keep = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_key_value_heads", "max_position_embeddings",
            "rms_norm_eps", "tie_word_embeddings")
    (folder / "config.json").write_text(json.dumps({
        **{k: cfg[k] for k in keep}, "architectures": ["InternLM2ForCausalLM"],
        "model_type": "internlm2", "bias": False, "rope_theta": 10000.0, "hidden_act": "silu"}))


# --- what convert_hf_to_gguf.py writes -----------------------------------------------------------

def _rope(cfg: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the full-attention rope parameters, all of them), as the converter reads the config."""
    params = cfg.get("rope_parameters") or cfg.get("rope_scaling") or {}
    return params.get("full_attention", params), params


def _metadata(w: gguf.GGUFWriter, arch: str, cfg: dict[str, Any]) -> None:
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    full, params = _rope(cfg)
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(cfg["num_attention_heads"])
    w.add_head_count_kv(cfg.get("num_key_value_heads") or cfg["num_attention_heads"])
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    if experts := cfg.get("num_local_experts") or cfg.get("num_experts"):
        w.add_expert_count(experts)
        w.add_expert_used_count(cfg["num_experts_per_tok"])
    if arch == "qwen3moe":  # Qwen2MoeModel.set_gguf_parameters
        w.add_expert_feed_forward_length(cfg["moe_intermediate_size"])
    if arch == "phi3":  # Phi3MiniModel.set_gguf_parameters replaces the common keys' rope part
        orig = cfg.get("original_max_position_embeddings") or params.get(
            "original_max_position_embeddings")
        w.add_rope_scaling_orig_ctx_len(orig)
        partial = params.get("partial_rotary_factor", cfg.get("partial_rotary_factor", 1.0))
        w.add_rope_dimension_count(int(partial * cfg["hidden_size"]) // cfg["num_attention_heads"])
        w.add_rope_freq_base(full["rope_theta"])
        w.add_sliding_window(cfg.get("sliding_window") or 0)
        if full.get("long_factor"):
            scale = cfg["max_position_embeddings"] / orig
            w.add_rope_scaling_attn_factors(
                math.sqrt(1 + math.log(scale) / math.log(orig)) if scale > 1.0 else 1.0)
        return
    if arch == "gemma2":  # Gemma2Model.set_gguf_parameters: its own keys, no rope ones
        w.add_key_length(head_dim)
        w.add_value_length(head_dim)
        w.add_attn_logit_softcapping(cfg["attn_logit_softcapping"])
        w.add_final_logit_softcapping(cfg["final_logit_softcapping"])
        w.add_sliding_window(cfg["sliding_window"])
        return
    kind, factor = full.get("rope_type"), full.get("factor")
    if kind == "linear" and factor is not None:
        w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        w.add_rope_scaling_factor(factor)
    elif kind == "yarn" and factor is not None:
        w.add_rope_scaling_type(gguf.RopeScalingType.YARN)
        w.add_rope_scaling_factor(factor)
        w.add_rope_scaling_orig_ctx_len(full["original_max_position_embeddings"])
    w.add_rope_freq_base(full.get("rope_theta", cfg.get("rope_theta", 10000.0)))
    if "rope_theta" in params.get("sliding_attention", {}):
        w.add_rope_freq_base_swa(params["sliding_attention"]["rope_theta"])
    if cfg.get("head_dim"):
        w.add_key_length(cfg["head_dim"])
        w.add_value_length(cfg["head_dim"])
    if arch == "llama":
        w.add_vocab_size(cfg["vocab_size"])
        w.add_rope_dimension_count(head_dim)
    if arch == "gemma3":
        if cfg.get("final_logit_softcapping"):
            w.add_final_logit_softcapping(cfg["final_logit_softcapping"])
        w.add_sliding_window(cfg["sliding_window"])


def llama3_rope_factors(cfg: dict[str, Any]) -> np.ndarray:
    """LlamaModel.generate_extra_tensors: rope_scaling llama3 as one divisor per frequency."""
    p, _ = _rope(cfg)
    dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    freqs = 1.0 / (p["rope_theta"] ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    old = p["original_max_position_embeddings"]
    low, high = old / p["low_freq_factor"], old / p["high_freq_factor"]
    factors = []
    for freq in freqs:
        wavelen = 2 * math.pi / freq
        if wavelen < high:
            factors.append(1)
        elif wavelen > low:
            factors.append(p["factor"])
        else:
            smooth = (old / wavelen - p["low_freq_factor"]) / (
                p["high_freq_factor"] - p["low_freq_factor"])
            factors.append(1 / ((1 - smooth) / p["factor"] + smooth))
    return torch.tensor(factors, dtype=torch.float32).numpy()


_EXPERT = re.compile(r"model\.layers\.(\d+)\.(mlp|block_sparse_moe)\.experts\.(\d+)\.(\w+)\.weight")


def _hf_tensors(arch: str, cfg: dict[str, Any], sd: dict[str, torch.Tensor]):
    """(HF name, tensor) after the converter's modify_tensors: permuted q/k (llama, internlm2),
    InternLM2's wqkv split, Gemma's norms + 1, Gemma 2's head dropped, each layer's experts
    stacked per projection [E, rows, cols] under the name the converter gives the stack
    (Qwen2MoeModel: `mlp.experts.gate_proj`; LlamaModel, Mixtral: `feed_forward.experts.w1`)."""
    heads = cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads") or heads
    experts: dict[tuple[int, str], dict[int, torch.Tensor]] = {}
    for name, t in sd.items():
        if m := _EXPERT.fullmatch(name):
            experts.setdefault((int(m[1]), m[4]), {})[int(m[3])] = t
            continue
        if arch == "gemma2" and name == "lm_head.weight":
            continue
        if arch.startswith("gemma") and name.endswith("norm.weight"):
            t = t + 1
        if arch == "internlm2" and name.endswith("attention.wqkv.weight"):
            d = cfg["hidden_size"] // heads
            w = t.reshape(kv, heads // kv + 2, d, -1)
            p = name.removesuffix("attention.wqkv.weight")
            yield f"{p}self_attn.q_proj.weight", w[:, :-2].reshape(-1, w.shape[-1])
            yield f"{p}self_attn.k_proj.weight", w[:, -2].reshape(-1, w.shape[-1])
            yield f"{p}self_attn.v_proj.weight", w[:, -1].reshape(-1, w.shape[-1])
            continue
        yield name, t
    for (layer, part), by_expert in experts.items():
        stack = torch.stack([by_expert[e] for e in range(len(by_expert))])
        if arch == "llama":
            yield f"layers.{layer}.feed_forward.experts.{part}.weight", stack
        else:
            yield f"model.layers.{layer}.mlp.experts.{part}.weight", stack


def _permute(name: str, t: torch.Tensor, arch: str, cfg: dict[str, Any]) -> torch.Tensor:
    if arch not in ("llama", "internlm2") or not name.endswith(
            ("q_proj.weight", "q_proj.bias", "k_proj.weight", "k_proj.bias")):
        return t
    heads = cfg["num_attention_heads"]
    if ".k_proj." in name:
        heads = cfg.get("num_key_value_heads") or heads
    return t.reshape(heads, 2, t.shape[0] // heads // 2, *t.shape[1:]).swapaxes(1, 2).reshape(
        t.shape)


def write_gguf(folder: Path, out: Path, arch: str, qtype: str, *, servable: bool = False) -> Path:
    """The folder as llama.cpp's converter writes it (`--outtype f32` / `q8_0`); `q4_1`: every
    weight matrix Q4_1; `q4_k_m`: as llama-quantize's Q4_K_M would, roughly (Q6_K for v, down and
    the head, Q4_K elsewhere, Q5_0 where rows are not whole 256-blocks). `servable`: with the
    checkpoint's byte-level vocabulary, ChatML's specials and template (what `hanlin serve`
    needs); else placeholder tokens."""
    cfg = json.loads((folder / "config.json").read_text())
    sd = load_file(folder / "model.safetensors")
    w = gguf.GGUFWriter(out, arch)
    _metadata(w, arch, cfg)
    w.add_tokenizer_model("gpt2")
    if servable:
        _byte_vocabulary(w, cfg["vocab_size"])
    else:
        w.add_token_list([f"t{i}" for i in range(cfg["vocab_size"])])
    for kind in ("bos", "eos", "pad"):  # transformers' GGUF config takes them from here
        if isinstance(cfg.get(f"{kind}_token_id"), int) and not (servable and kind == "eos"):
            getattr(w, f"add_{kind}_token_id")(cfg[f"{kind}_token_id"])
    name_map = gguf.get_tensor_name_map(gguf.MODEL_ARCH[arch.upper()], cfg["num_hidden_layers"])
    full = _rope(cfg)[0]  # the converter's generate_extra_tensors come first
    if full.get("rope_type") == "llama3":
        w.add_tensor("rope_freqs.weight", llama3_rope_factors(cfg))
    if arch == "phi3" and full.get("long_factor"):
        w.add_tensor("rope_factors_long.weight", np.array(full["long_factor"], np.float32))
        w.add_tensor("rope_factors_short.weight", np.array(full["short_factor"], np.float32))
    for name, t in _hf_tensors(arch, cfg, sd):
        base, suffix = name.rsplit(".", 1)
        new = f"{name_map.get_name(base)}.{suffix}"
        _add(w, new, _permute(name, t, arch, cfg).float().numpy(), qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return out


def _byte_vocabulary(w: gguf.GGUFWriter, vocab_size: int) -> None:
    """tests/trainer/conftest.py's byte tokenizer as GGUF metadata: ids 0-255 the bytes (GPT-2's
    byte alphabet), ChatML's specials, then one merge ("ĠĠ": GGUF keeps no empty array, and
    llama.cpp wants merges) and control placeholders."""
    from engine.tokenizer import BYTE_ALPHABET
    from tests.trainer.conftest import CHATML, SPECIALS

    space = BYTE_ALPHABET[ord(" ")]
    extras = [f"<|extra_{i}|>" for i in range(256 + len(SPECIALS) + 1, vocab_size)]
    w.add_token_list([*(BYTE_ALPHABET[b] for b in range(256)), *SPECIALS, space * 2, *extras])
    w.add_token_types([gguf.TokenType.NORMAL] * 256 + [gguf.TokenType.CONTROL] * len(SPECIALS)
                      + [gguf.TokenType.NORMAL] + [gguf.TokenType.CONTROL] * len(extras))
    w.add_token_merges([f"{space} {space}"])
    w.add_eos_token_id(256 + SPECIALS.index("<|im_end|>"))
    w.add_chat_template(CHATML)


def _add(w: gguf.GGUFWriter, name: str, data: np.ndarray, qtype: str) -> None:
    if data.ndim <= 1 or name.endswith(("norm.weight", "ffn_gate_inp.weight")) \
            or not name.endswith(".weight") or qtype == "f32":
        # The converter keeps 1-D tensors, norms, biases and routers in F32 (llama-quantize too).
        w.add_tensor(name, data)
        return
    if qtype in ("q8_0", "q4_1"):
        kind = Q[qtype.upper()] if data.shape[-1] % 32 == 0 else Q.F16  # the converter's fallback
        w.add_tensor(name, gguf.quants.quantize(data, kind), raw_dtype=kind)
        return
    if data.shape[-1] % 256:
        w.add_tensor(name, gguf.quants.quantize(data, Q.Q5_0), raw_dtype=Q.Q5_0)
    elif name.endswith(("attn_v.weight", "ffn_down.weight", "ffn_down_exps.weight",
                        "output.weight")):
        w.add_tensor(name, quantize_q6_k(data), raw_dtype=Q.Q6_K)
    else:
        w.add_tensor(name, quantize_q4_k(data), raw_dtype=Q.Q4_K)


# --- K-quants (gguf's numpy module dequantizes them but does not quantize) -----------------------

def _nonzero(x: np.ndarray) -> np.ndarray:
    """x in fp32 with zeros as ones (an all-zero block, such as a padding row, divides by it)."""
    x = x.astype(np.float32)
    return np.where(x == 0, 1, x)


def _f16(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float16).view(np.uint8).reshape(*x.shape[:-1], 2)


def quantize_q4_k(data: np.ndarray) -> np.ndarray:
    """Rows [n, k] -> Q4_K bytes [n, k // 256 * 144]: per 32 weights a 6-bit scale and min on
    the super-block's fp16 d and dmin, 4-bit codes; w = d * scale * q - dmin * min."""
    x = data.astype(np.float32).reshape(-1, 8, 32)
    lo, hi = np.minimum(x.min(-1), 0), x.max(-1)
    d = ((hi - lo).max(-1, keepdims=True) / 15 / 63).astype(np.float16)
    dmin = ((-lo).max(-1, keepdims=True) / 63).astype(np.float16)
    sc = np.clip(np.round((hi - lo) / 15 / _nonzero(d)), 1, 63).astype(np.uint8)
    mn = np.clip(np.round(-lo / _nonzero(dmin)), 0, 63).astype(np.uint8)
    step = (d.astype(np.float32) * sc)[..., None]
    zero = (dmin.astype(np.float32) * mn)[..., None]
    q = np.clip(np.round((x + zero) / _nonzero(step)), 0, 15).astype(np.uint8).reshape(-1, 4, 2, 32)
    scales = np.concatenate([sc[:, :4] | (sc[:, 4:] >> 4 << 6), mn[:, :4] | (mn[:, 4:] >> 4 << 6),
                             (sc[:, 4:] & 15) | ((mn[:, 4:] & 15) << 4)], axis=1)
    qs = (q[:, :, 0] | (q[:, :, 1] << 4)).reshape(-1, 128)
    blocks = np.concatenate([_f16(d), _f16(dmin), scales, qs], axis=1)
    return blocks.reshape(*data.shape[:-1], -1)


def quantize_q6_k(data: np.ndarray) -> np.ndarray:
    """Rows [n, k] -> Q6_K bytes [n, k // 256 * 210]: per 16 weights an int8 scale on the
    super-block's fp16 d, 6-bit codes; w = d * scale * (q - 32)."""
    x = data.astype(np.float32).reshape(-1, 16, 16)
    amax = np.abs(x).max(-1)
    d = (amax.max(-1, keepdims=True) / 32 / 127).astype(np.float16)
    sc = np.clip(np.round(amax / 32 / _nonzero(d)), 1, 127).astype(np.int8)
    step = (d.astype(np.float32) * sc)[..., None]
    q = (np.clip(np.round(x / _nonzero(step)), -32, 31) + 32).astype(np.uint8).reshape(-1, 2, 128)
    low, high = (q & 15).reshape(-1, 2, 2, 64), (q >> 4).reshape(-1, 2, 4, 32)
    ql = (low[:, :, 0] | (low[:, :, 1] << 4)).reshape(-1, 128)
    qh = (high[:, :, 0] | (high[:, :, 1] << 2) | (high[:, :, 2] << 4) | (high[:, :, 3] << 6))
    blocks = np.concatenate([ql, qh.reshape(-1, 64), sc.view(np.uint8), _f16(d)], axis=1)
    return blocks.reshape(*data.shape[:-1], -1)


# --- llama.cpp's own converter, where a llama.cpp tree is at hand ---------------------------------

LLAMA_CPP = os.environ.get("HANLIN_LLAMA_CPP")  # a llama.cpp tree: convert_hf_to_gguf.py, conversion/


def convert_with_llama_cpp(folder: Path, out: Path, qtype: str) -> Path:
    from bench.llama_cpp import convert  # the one wrapper of llama.cpp's converter

    return convert(folder, out, qtype, src=Path(LLAMA_CPP), timeout_s=300)


def file_contents(path: Path, arch: str) -> tuple[dict[str, Any], dict[str, tuple]]:
    """(the architecture's header keys, each tensor's type, shape and bytes)."""
    reader = open_gguf(path)
    keys = {k: f.contents() for k, f in reader.fields.items() if k.startswith(f"{arch}.")}
    tensors = {t.name: (t.tensor_type.name, [int(s) for s in t.shape],
                        np.asarray(t.data).view(np.uint8).tobytes()) for t in reader.tensors}
    return keys, tensors


# --- the tests ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hf_dir(tmp_path_factory: pytest.TempPathFactory):
    made: dict[str, Path] = {}

    def make(name: str) -> Path:
        if name not in made:
            made[name] = build_hf(name, tmp_path_factory.mktemp(name))
        return made[name]

    return make


@pytest.fixture(scope="module")
def gguf_file(hf_dir, tmp_path_factory: pytest.TempPathFactory):
    made: dict[tuple[str, str], Path] = {}

    def make(name: str, qtype: str) -> Path:
        if (name, qtype) not in made:
            # A folder of its own: transformers loads `gguf_file` from a folder.
            out = tmp_path_factory.mktemp(f"{name}-{qtype}") / f"{name}.{qtype}.gguf"
            made[name, qtype] = write_gguf(hf_dir(name), out, SPECS[name][0], qtype)
        return made[name, qtype]

    return make


def our_logits(model: torch.nn.Module, ids: list[int]) -> torch.Tensor:
    with torch.inference_mode():
        hidden = model(torch.tensor(ids), torch.arange(len(ids)), CausalAttention())
        return model.compute_logits(hidden)


def hf_logits(model: torch.nn.Module, ids: list[int]) -> torch.Tensor:
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0].float()


def prompt_logprobs(logits: torch.Tensor, ids: list[int]) -> torch.Tensor:
    """Each prompt token's log-probability given the tokens before it."""
    return logits[:-1].log_softmax(-1).gather(1, torch.tensor(ids[1:])[:, None])[:, 0]


# Where GGUF keeps RoPE scaling as per-frequency tensors the config holds the factors themselves
# (llama.cpp's rope_freqs as LongRoPE's form); the logits say they are the folder's RoPE.
ROPE_AS_TENSORS = ("llama3", "phi3-longrope", "phi4-mini")


@pytest.mark.parametrize("name", list(SPECS))
def test_f32_gguf_is_the_hf_checkpoint(name: str, hf_dir, gguf_file) -> None:
    """Same config (eps stored as float32), the same weights and logits within 2e-4."""
    config, ours = load_checkpoint(gguf_file(name, "f32"))
    hf_config, ref = load_checkpoint(hf_dir(name))
    want = replace(hf_config, rms_norm_eps=float(np.float32(hf_config.rms_norm_eps)))
    if name in ROPE_AS_TENSORS:
        assert config.rope_scaling.type == "longrope", name
        want = replace(want, rope_scaling=config.rope_scaling)
    assert config == want, name
    expected = ref.state_dict()
    for param, w in ours.state_dict().items():
        if config.norm_offset and param.endswith("norm.weight"):
            # Stored as 1 + w: the scale the norm applies is the same float, w itself may not be.
            w, expected[param] = w + config.norm_offset, expected[param] + config.norm_offset
        assert torch.equal(w, expected[param]), (name, param)
    for ids in PROMPTS:
        got, want_logits = our_logits(ours, ids), our_logits(ref, ids)
        assert (got - want_logits).abs().max() < TOL, (name, len(ids))


def test_rope_freqs_are_llama3_scaling(hf_dir, gguf_file) -> None:
    """llama.cpp's rope_freqs reproduce transformers' llama3 RoPE (the Llama it was made from,
    not our loader of the folder), and without them the logits move by far more than TOL."""
    _, ours = load_checkpoint(gguf_file("llama3", "f32"))
    hf = hf_model(hf_dir("llama3"))
    ids = PROMPTS[-1]
    assert (our_logits(ours, ids) - hf_logits(hf, ids)).abs().max() < TOL
    unscaled = LlamaForCausalLM.from_state_dict(replace(ours.config, rope_scaling=None),
                                                dict(ours.state_dict()))
    assert (our_logits(unscaled, ids) - our_logits(ours, ids)).abs().max() > 100 * TOL


def test_internlm2_gguf_is_the_llama_it_was_made_from(hf_dir, gguf_file) -> None:
    """No transformers class reads InternLM2: the Llama whose weights it packs is the reference."""
    _, ours = load_checkpoint(gguf_file("internlm2", "f32"))
    hf = hf_model(hf_dir("internlm2") / "llama")
    for ids in PROMPTS:
        assert (our_logits(ours, ids) - hf_logits(hf, ids)).abs().max() < TOL, len(ids)


def hf_model(folder: Path, gguf_name: str | None = None, **config: Any) -> torch.nn.Module:
    from transformers import AutoModelForCausalLM

    # Eager attention: the reference for capped scores and windows.
    return AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf_name, dtype=torch.float32,
                                                attn_implementation="eager", **config).eval()


@pytest.mark.parametrize("qtype", QTYPES)
@pytest.mark.parametrize("name", TRANSFORMERS_READS)
def test_gguf_matches_transformers_reading_the_same_file(name: str, qtype: str, gguf_file) -> None:
    path = gguf_file(name, qtype)
    types = {t.tensor_type for t in open_gguf(path).tensors}
    if qtype == "q4_k_m":
        assert {Q.Q4_K, Q.Q6_K} <= types, types
    _, ours = load_checkpoint(path)
    hf = hf_model(path.parent, path.name, **TRANSFORMERS_MISSES.get(name, {}))
    assert_same_prompt_logprobs(ours, hf, (name, qtype))


def assert_same_prompt_logprobs(ours: torch.nn.Module, hf: torch.nn.Module, what: Any) -> None:
    for ids in PROMPTS[1:]:
        want = hf_logits(hf, ids)
        assert want.std() > 1.0  # spread logits: the tolerance means something
        diff = (prompt_logprobs(our_logits(ours, ids), ids) - prompt_logprobs(want, ids)).abs()
        assert diff.max() < LOGPROB_TOL, (what, len(ids), diff.max())


def gguf_weights_by_gguf(path: Path) -> dict[str, torch.Tensor]:
    """The file's weights dequantized by gguf's numpy reference (not ours), renamed, q/k rows
    unpermuted and experts' gate|up stacked as floats: what the file holds, under HF names."""
    reader = open_gguf(path)
    config = config_from_gguf(reader)
    out = {}
    for t in reader.tensors:
        shape = [int(s) for s in reversed(t.shape)]
        w = torch.from_numpy(gguf.quants.dequantize(t.data, t.tensor_type).copy()).reshape(shape)
        name = hf_name(t.name, config.arch)
        if config.arch == "mixtral" and name.endswith(("q_proj.weight", "k_proj.weight")):
            w = unpermute_rows(w, config.num_heads if ".q_proj." in name else config.num_kv_heads)
        out[name] = w
    return stack_gate_up(out)


@pytest.mark.parametrize("qtype", QTYPES)
@pytest.mark.parametrize("name", MOE)
def test_moe_gguf_matches_transformers_over_its_weights(name: str, qtype: str, hf_dir,
                                                        gguf_file) -> None:
    """transformers reads Mixtral's file as a dense Llama: its Mixtral class from the folder,
    holding the file's weights as gguf dequantizes them, is the reference (qwen3moe too)."""
    path = gguf_file(name, qtype)
    if qtype == "q4_k_m":  # the experts' stacks quantized as the other weights are
        types = {t.name.split(".")[-2]: t.tensor_type for t in open_gguf(path).tensors}
        assert (types["ffn_gate_exps"], types["ffn_down_exps"]) == (Q.Q4_K, Q.Q6_K), types
        assert types["ffn_gate_inp"] == Q.F32
    _, ours = load_checkpoint(path)
    hf = hf_model(hf_dir(name))
    hf.load_state_dict(gguf_weights_by_gguf(path), strict=True)
    assert_same_prompt_logprobs(ours, hf, (name, qtype))


@pytest.mark.parametrize("name", ["llama", "phi3", "qwen2"])
def test_q4_1_blocks_import_as_int4_under_hf_names(name: str, gguf_file) -> None:
    """`--weights int4` takes Q4_1 blocks as they are, through the loader's renaming: q/k rows
    unpermuted (llama), fused q|k|v and gate|up split (phi3): bit for bit the loaded weights."""
    from engine.quant.gguf_import import gguf_int4_weights, gguf_q8_0_tensors
    from engine.quant.int4 import dequantize_int4
    from engine.quant.int8_linear import dequantize_q8_0

    path = gguf_file(name, "q4_1")
    config, model = load_checkpoint(path)
    weights = gguf_int4_weights(path, config)
    linears = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear) and "layers" in n]
    assert set(linears) <= set(weights)  # and the embedding and head: Q4_1 here too
    for module, w in weights.items():
        assert torch.equal(dequantize_int4(w), model.get_submodule(module).weight), module
    q8_path = gguf_file(name, "q8_0")
    _, q8_model = load_checkpoint(q8_path)
    tables = gguf_q8_0_tensors(q8_path)
    assert "model.layers.0.self_attn.k_proj.weight" in tables
    for param, (q, d) in tables.items():
        assert torch.equal(dequantize_q8_0(q, d), q8_model.get_parameter(param)), param


@pytest.mark.parametrize("qtype", ["q4_1", "q4_k_m"])
@pytest.mark.parametrize("name", MOE)
def test_expert_int4_blocks_import_as_they_are(name: str, qtype: str, gguf_file) -> None:
    """`--weights int4` takes an expert stack's Q4_1 or Q4_K blocks as they are, one int4 weight
    per expert, gate|up restacked: the loaded weights (Q4_K's zeros rounded once: within a few
    ulps); Q6_K stacks (Q4_K_M's down) are rounded from the loaded weights; routers stay dense."""
    from engine.quant import quantize_model
    from engine.quant.int4 import dequantize_int4
    from engine.quant.int4_moe import Int4Experts, gguf_expert_int4_weights

    path = gguf_file(name, qtype)
    config, model = load_checkpoint(path)
    stacks = gguf_expert_int4_weights(path, config)
    parts = ("gate_proj", "up_proj", "down_proj") if qtype == "q4_1" else ("gate_proj", "up_proj")
    assert sorted(stacks) == sorted(f"model.layers.{i}.mlp.experts.{p}"
                                    for i in range(config.num_layers) for p in parts)
    inter = config.moe_intermediate_size
    rows = {"gate_proj": slice(0, inter), "up_proj": slice(inter, None), "down_proj": slice(None)}
    for stack, per_expert in stacks.items():
        prefix, part = stack.rsplit(".", 1)
        param = model.get_parameter(f"{prefix}.{part if part == 'down_proj' else 'gate_up_proj'}")
        assert len(per_expert) == config.num_experts
        for e, w in enumerate(per_expert):
            torch.testing.assert_close(dequantize_int4(w), param[e, rows[part]], atol=1e-6, rtol=0)
    report = quantize_model(model, group=32, source_gguf=path, act_dtype=torch.float32)
    experts = [model.get_submodule(f"model.layers.{i}.mlp.experts") for i in range(config.num_layers)]
    assert all(isinstance(m, Int4Experts) for m in experts)
    assert not any(n.endswith(".mlp.gate") for n in report.swapped)
    if qtype == "q4_k_m":  # gate|up per layer at least (which linears import is gguf_import's)
        assert report.imported >= config.num_layers
        return
    # Every weight imported (q, k, v, o and two expert stacks a layer): with fp32 activations
    # the int4 model is the file's model, up to the kernel's summation order (rows of 256).
    assert report.imported == 6 * config.num_layers
    _, dense = load_checkpoint(path)
    for ids in PROMPTS[1:]:
        diff = prompt_logprobs(our_logits(model, ids), ids) - prompt_logprobs(our_logits(dense, ids), ids)
        assert diff.abs().max() < LOGPROB_TOL, (len(ids), diff.abs().max())


@pytest.mark.parametrize("name", ["llama", "qwen3moe"])
def test_auto_weights_serve_a_file_in_its_own_precision(name: str, gguf_file, hf_dir,
                                                        tmp_path: Path) -> None:
    """`weights="auto"` (the server's default): a file mostly in 4-bit blocks is int4 where the
    file holds Q4 blocks, taken as they are, and dense where it holds anything else (Q4_K_M's
    Q6_K and Q5_0: the loaded weights in bf16, not rounded to int4); F32, Q8_0 files and
    Hugging Face folders are dense."""
    from engine.config import CacheConfig, EngineConfig
    from engine.load import file_weights, load
    from engine.quant import Int4Linear
    from engine.quant.int4_moe import Int4Experts

    assert file_weights(hf_dir(name)) == "dense"
    for qtype, want in (("f32", "dense"), ("q8_0", "dense"), ("q4_1", "int4"), ("q4_k_m", "int4")):
        assert file_weights(gguf_file(name, qtype)) == want, qtype
    path = write_gguf(hf_dir(name), tmp_path / "model.gguf", SPECS[name][0], "q4_k_m", servable=True)
    types = {t.name: t.tensor_type for t in gguf.GGUFReader(path).tensors}
    loaded = load(EngineConfig(model=str(path), weights="auto", cache=CacheConfig(num_blocks=4)))
    assert loaded.weights == "int4" and loaded.kv_dtype == torch.bfloat16
    _, reference = load_checkpoint(path, dtype=torch.bfloat16)
    layer, ref_layer = loaded.model.model.layers[0], reference.model.layers[0]
    attn_v = types["blk.0.attn_v.weight"]
    assert attn_v == Q.Q6_K or attn_v == Q.Q5_0, attn_v  # not 4-bit: kept dense, as loaded
    v = layer.self_attn.v_proj
    assert type(v) is torch.nn.Linear and torch.equal(v.weight, ref_layer.self_attn.v_proj.weight)
    assert isinstance(layer.self_attn.q_proj, Int4Linear)  # Q4_K (Q5_0 where rows are short)
    if name == "qwen3moe":  # gate|up Q4_K, down Q6_K: the stack stays dense as a whole
        assert not isinstance(layer.mlp.experts, Int4Experts)
    forced = load(EngineConfig(model=str(path), weights="int4", cache=CacheConfig(num_blocks=4)))
    # weights="int4" rounds the rest: every projection int4, q|k|v stacked into one.
    assert isinstance(forced.model.model.layers[0].self_attn.qkv_proj, Int4Linear)


@pytest.mark.parametrize("quantize, qtype", [(quantize_q4_k, Q.Q4_K), (quantize_q6_k, Q.Q6_K)],
                         ids=["Q4_K", "Q6_K"])
def test_k_quant_writer_makes_close_valid_blocks(quantize, qtype) -> None:
    """The test files' K-quant blocks decode (gguf's numpy reference, then ours, bit for bit)
    to the weights within about a step; an all-zero row stays zero."""
    x = np.random.default_rng(0).standard_normal((6, 512)).astype(np.float32) * 0.2
    x[0] = 0
    packed = quantize(x)
    want = gguf.quants.dequantize(packed, qtype)
    got = dequantize(torch.from_numpy(packed), qtype, torch.float32)
    assert torch.equal(got, torch.from_numpy(want))
    assert (want[0] == 0).all() and np.abs(want - x).max() < 0.05 < np.abs(x).max()


def tiny_header(path: Path, arch: str, tensors: tuple[str, ...] = ("token_embd.weight",),
                **keys: Any) -> Path:
    """A GGUF with a llama-like header (and `keys` on top) and a few small tensors."""
    w = gguf.GGUFWriter(path, arch)
    base = {"block_count": 1, "context_length": 8, "embedding_length": 8,
            "feed_forward_length": 8, "attention.head_count": 2,
            "attention.layer_norm_rms_epsilon": 1e-5, **keys}
    for key, value in base.items():
        full = f"{arch}.{key}"
        if isinstance(value, list):
            w.add_array(full, value)
        elif isinstance(value, str):
            w.add_string(full, value)
        elif isinstance(value, float):
            w.add_float32(full, value)
        else:
            w.add_uint32(full, value)
    for name in tensors:
        w.add_tensor(name, np.zeros((4, 8), np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


S, F = "sliding_attention", "full_attention"


@pytest.mark.parametrize("arch, keys, want", [
    # No query_pre_attn_scalar in GGUF: llama.cpp's rule, head_dim except for the 27B models.
    ("gemma2", {"block_count": 45, "attention.key_length": 8},
     {"attn_scale": 8**-0.5, "attn_softcap": 50.0, "final_softcap": 30.0, "sliding_window": 4096,
      "layer_types": (S, F) * 22 + (S,)}),
    ("gemma2", {"block_count": 46, "attention.key_length": 8}, {"attn_scale": 4**-0.5}),
    ("gemma3", {"block_count": 3, "attention.sliding_window": 5,
                "attention.sliding_window_pattern": [True, False, True],
                "rope.freq_base": 1e6, "rope.freq_base_swa": 5e4},
     {"layer_types": (S, F, S), "sliding_window": 5, "rope_theta": 1e6, "local_rope_theta": 5e4,
      "final_softcap": None, "attn_softcap": None}),
    ("gemma3", {"block_count": 7, "attention.sliding_window": 5},
     {"layer_types": (S,) * 5 + (F, S), "local_rope_theta": 10000.0}),
    ("llama", {"rope.scale_linear": 2.0}, {"rope_scaling": RopeScaling(type="linear", factor=2.0)}),
    ("qwen2", {"rope.scaling.type": "yarn", "rope.scaling.factor": 4.0,
               "rope.scaling.original_context_length": 4},
     {"rope_scaling": RopeScaling(type="yarn", factor=4.0, original_max_position_embeddings=4)}),
    ("phi3", {"attention.sliding_window": 3}, {"sliding_window": 3, "layer_types": (S,)}),
    # Experts: llama.cpp renormalizes the top k of both (no norm_topk_prob in the file); a layer
    # without a router is dense.
    ("qwen3moe", {"block_count": 2, "expert_count": 8, "expert_used_count": 2,
                  "expert_feed_forward_length": 4,
                  "tensors": ("token_embd.weight", "blk.1.ffn_gate_inp.weight")},
     {"arch": "qwen3_moe", "num_experts": 8, "experts_per_token": 2, "moe_intermediate_size": 4,
      "normalize_top_k": True, "dense_layers": (0,), "intermediate_size": 8}),
    ("llama", {"expert_count": 4, "expert_used_count": 1,
               "tensors": ("token_embd.weight", "blk.0.ffn_gate_inp.weight")},
     {"arch": "mixtral", "num_experts": 4, "moe_intermediate_size": 8, "dense_layers": ()}),
])
def test_gguf_config_details(arch: str, keys: dict[str, Any], want: dict[str, Any],
                             tmp_path: Path) -> None:
    """Header keys the tiny checkpoints above do not vary, and llama.cpp's defaults."""
    config = config_from_gguf(open_gguf(tiny_header(tmp_path / "x.gguf", arch, **keys)))
    assert {k: getattr(config, k) for k in want} == want


@pytest.mark.parametrize("arch, keys, message", [
    ("qwen2moe", {}, "unsupported GGUF architecture 'qwen2moe'; supported: llama, qwen2"),
    ("llama", {"expert_count": 8, "expert_used_count": 2, "expert_gating_func": 2},
     "unsupported GGUF: a mixture-of-experts llama model with expert_gating_func 2"),
    ("qwen3moe", {"expert_count": 8, "expert_used_count": 2, "expert_weights_scale": 2.5},
     "unsupported GGUF: a mixture-of-experts qwen3moe model with expert_weights_scale 2.5"),
    ("llama", {"rope.dimension_count": 2}, "partial rotary embeddings"),
    ("llama", {"rope.scaling.type": "yarn", "rope.scaling.factor": 4.0,
               "rope.scaling.yarn_attn_factor": 0.5},
     "unsupported GGUF rope scaling 'yarn' with yarn_attn_factor"),
    ("qwen2", {"rope.scaling.type": "dynamic"}, "unsupported GGUF rope scaling 'dynamic'"),
    ("llama", {"tensors": ("token_embd.weight", "blk.0.ffn_gate_inp.weight")},
     "unexpected GGUF tensor 'blk.0.ffn_gate_inp.weight' for a llama model"),
])
def test_unsupported_gguf_is_one_line(arch: str, keys: dict[str, Any], message: str,
                                      tmp_path: Path) -> None:
    path = tiny_header(tmp_path / "x.gguf", arch, **keys)
    with pytest.raises(ValueError, match=message) as info:
        load_checkpoint(path)
    assert "\n" not in str(info.value)


@pytest.mark.skipif(not LLAMA_CPP, reason="set HANLIN_LLAMA_CPP to a llama.cpp tree (e.g. "
                    "vendor/llama.cpp of `pip download llama-cpp-python --no-deps --no-binary "
                    ":all:`) to compare with its converter")
@pytest.mark.parametrize("qtype", ["f32", "q8_0"])
@pytest.mark.parametrize("name", list(SPECS))
def test_llama_cpp_converter_writes_the_same_file(name: str, qtype: str, hf_dir, gguf_file,
                                                  tmp_path: Path) -> None:
    """The tests' writer is llama.cpp's converter: the same header keys for the architecture and
    every tensor's name, type, shape and bytes."""
    arch = SPECS[name][0]
    theirs = convert_with_llama_cpp(hf_dir(name), tmp_path / "llama-cpp.gguf", qtype)
    keys, tensors = file_contents(theirs, arch)
    our_keys, our_tensors = file_contents(gguf_file(name, qtype), arch)
    assert our_keys == keys
    assert sorted(our_tensors) == sorted(tensors)
    assert all(our_tensors[n] == tensors[n] for n in tensors), \
        [n for n in tensors if our_tensors[n] != tensors[n]]
