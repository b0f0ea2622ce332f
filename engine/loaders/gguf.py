"""GGUF checkpoints (llama architecture): metadata, dequantization in torch, q/k row order undone.

Weights are dequantized to the run dtype one tensor at a time from the memory-mapped file; a file
that is empty, truncated, not GGUF or holds non-finite weights is a CheckpointError naming it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import torch
from torch import Tensor

from engine.loaders.errors import CheckpointError, describe, finite, non_finite
from engine.models.config import ModelConfig
from engine.models.llama import LlamaForCausalLM

Q = gguf.GGMLQuantizationType
SUPPORTED_TYPES = (Q.F32, Q.F16, Q.BF16, Q.Q8_0, Q.Q4_1)

_GLOBAL_NAMES = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
_LAYER_NAMES = {
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
}
_LAYER_RE = re.compile(r"blk\.(\d+)\.(\w+)\.weight")


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
    """The file's reader; a file that cannot be parsed is a CheckpointError saying why."""
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


def dequantize(raw: Tensor, qtype: gguf.GGMLQuantizationType, dtype: torch.dtype) -> Tensor:
    """Rows of raw bytes [rows, bytes_per_row] (uint8) -> weights [rows, cols] in dtype.

    Q4_1 and Q8_0 are computed in fp32 exactly as gguf's numpy reference, then cast.
    """
    rows = raw.shape[0]
    # copy=True: a torch-allocated (64-byte aligned) result even when no conversion is needed.
    if qtype == Q.F32:
        return raw.view(torch.float32).to(dtype, copy=True)
    if qtype == Q.F16:
        return raw.view(torch.float16).to(dtype, copy=True)
    if qtype == Q.BF16:
        return raw.view(torch.bfloat16).to(dtype, copy=True)
    if qtype == Q.Q8_0:  # blocks of 32: fp16 scale d, 32 int8; w = d * q
        blocks = raw.reshape(-1, 34)
        d = blocks[:, :2].contiguous().view(torch.float16).float()
        w = blocks[:, 2:].view(torch.int8).float() * d
        return w.reshape(rows, -1).to(dtype)
    if qtype == Q.Q4_1:  # blocks of 32: fp16 scale d, fp16 min m, 16 nibble bytes; w = d * q + m
        blocks = raw.reshape(-1, 20)
        d = blocks[:, 0:2].contiguous().view(torch.float16).float()
        m = blocks[:, 2:4].contiguous().view(torch.float16).float()
        qs = blocks[:, 4:]
        # Low nibbles hold elements 0..15 of the block, high nibbles 16..31.
        q = torch.cat((qs & 0x0F, qs >> 4), dim=1).float()
        return (d * q + m).reshape(rows, -1).to(dtype)
    raise ValueError(
        f"GGUF tensor type {qtype.name} is not supported; "
        f"supported: {', '.join(t.name for t in SUPPORTED_TYPES)}"
    )


def tensor_rows(tensor: Any) -> Tensor:
    """A tensor's bytes as torch uint8 [rows, bytes_per_row], copied (the mmap is read-only)."""
    shape = [int(s) for s in tensor.shape]  # GGUF order: the row length first
    rows = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    raw = np.array(tensor.data, copy=True).view(np.uint8).reshape(rows, -1)
    return torch.from_numpy(raw)


def config_from_gguf(reader: gguf.GGUFReader) -> ModelConfig:
    meta = {name: field.contents() for name, field in reader.fields.items()}
    arch = meta.get("general.architecture")
    if arch != "llama":
        raise ValueError(f"unsupported GGUF architecture {arch!r}: only 'llama' is supported")
    scaling = meta.get("llama.rope.scaling.type", "none")
    if scaling != "none":
        raise ValueError(f"unsupported GGUF rope scaling {scaling!r}")
    hidden, heads = int(meta["llama.embedding_length"]), int(meta["llama.attention.head_count"])
    head_dim = int(meta.get("llama.attention.key_length", hidden // heads))
    if int(meta.get("llama.rope.dimension_count", head_dim)) != head_dim:
        raise ValueError(
            "partial rotary embeddings (rope.dimension_count != head_dim) are not supported"
        )
    names = {t.name for t in reader.tensors}
    if "tokenizer.ggml.tokens" in meta:
        vocab = len(meta["tokenizer.ggml.tokens"])
    else:
        vocab = int(meta.get("llama.vocab_size", 0)) or next(
            int(t.shape[1]) for t in reader.tensors if t.name == "token_embd.weight"
        )
    return ModelConfig(
        arch="llama",
        vocab_size=vocab,
        hidden_size=hidden,
        intermediate_size=int(meta["llama.feed_forward_length"]),
        num_layers=int(meta["llama.block_count"]),
        num_heads=heads,
        num_kv_heads=int(meta.get("llama.attention.head_count_kv", heads)),
        head_dim=head_dim,
        rms_norm_eps=float(meta["llama.attention.layer_norm_rms_epsilon"]),
        rope_theta=float(meta.get("llama.rope.freq_base", 10000.0)),
        rope_scaling=None,
        max_position_embeddings=int(meta["llama.context_length"]),
        tie_word_embeddings="output.weight" not in names,
    )


def hf_name(gguf_name: str) -> str:
    if gguf_name in _GLOBAL_NAMES:
        return _GLOBAL_NAMES[gguf_name]
    match = _LAYER_RE.fullmatch(gguf_name)
    if match is None or match.group(2) not in _LAYER_NAMES:
        raise ValueError(f"unexpected GGUF tensor {gguf_name!r} for a llama model")
    return f"model.layers.{match.group(1)}.{_LAYER_NAMES[match.group(2)]}.weight"


def load_gguf(path: str | Path, dtype: torch.dtype) -> tuple[ModelConfig, LlamaForCausalLM]:
    reader = open_gguf(path)
    try:
        config = config_from_gguf(reader)
    except KeyError as exc:  # a header that parsed but lost a key the model needs
        raise CheckpointError(f"{path} is corrupt: its header has no {exc} key") from exc
    tensors: dict[str, Tensor] = {}
    for t in reader.tensors:
        name = hf_name(t.name)
        raw = tensor_rows(t)
        # The converter permuted q/k rows for llama.cpp's RoPE; move the raw rows back first
        # (bytes, not floats: the cheapest place to do it).
        if name.endswith("q_proj.weight"):
            raw = unpermute_rows(raw, config.num_heads)
        elif name.endswith("k_proj.weight"):
            raw = unpermute_rows(raw, config.num_kv_heads)
        weight = dequantize(raw, t.tensor_type, dtype)
        if not finite(weight):  # garbage bytes in the data: no checksum says so
            raise non_finite(Path(path), t.name)
        tensors[name] = weight.reshape([int(s) for s in reversed(t.shape)])
    return config, LlamaForCausalLM.from_state_dict(config, tensors)
