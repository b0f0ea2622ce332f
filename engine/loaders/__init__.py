"""Checkpoint loaders: a .gguf file or a Hugging Face folder -> (ModelConfig, LlamaForCausalLM)."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from engine.loaders.default_model import DEFAULT_MODEL_NAME, resolve_model_path
from engine.loaders.errors import CheckpointError
from engine.loaders.gguf import config_from_gguf, load_gguf, open_gguf, read_gguf_metadata
from engine.loaders.hf import config_from_hf, load_hf
from engine.models.config import ModelConfig
from engine.models.llama import LlamaForCausalLM

SUPPORTED_DTYPES = (torch.float32, torch.bfloat16, torch.float16)

__all__ = ["DEFAULT_MODEL_NAME", "CheckpointError", "load_checkpoint", "read_config",
           "read_gguf_metadata", "resolve_model_path"]


def _dtype(dtype: torch.dtype | str) -> torch.dtype:
    resolved = getattr(torch, dtype, None) if isinstance(dtype, str) else dtype
    if resolved not in SUPPORTED_DTYPES:
        names = ", ".join(str(d).removeprefix("torch.") for d in SUPPORTED_DTYPES)
        raise ValueError(f"unsupported dtype {dtype!r}: the model runs in one of {names}")
    return resolved


def load_checkpoint(
    path: str | Path, dtype: torch.dtype | str = torch.float32
) -> tuple[ModelConfig, LlamaForCausalLM]:
    """Load a .gguf file or a Hugging Face folder (config.json + *.safetensors) in dtype.

    The model comes in eval mode with trainable parameters: serve it under torch.inference_mode.
    """
    run_dtype = _dtype(dtype)
    path = Path(path).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        config, model = load_gguf(path, run_dtype)
    elif path.is_dir() and (path / "config.json").is_file():
        config, model = load_hf(path, run_dtype)
    elif not path.exists():
        raise FileNotFoundError(f"checkpoint {str(path)!r} does not exist")
    else:
        raise ValueError(f"{str(path)!r} is neither a .gguf file nor a folder with config.json")
    return config, model.eval()


def read_config(path: str | Path) -> ModelConfig:
    """A checkpoint's ModelConfig without its weights (a GGUF's header, a folder's config.json):
    what the model pool sizes a model by before loading it."""
    path = Path(path).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return config_from_gguf(open_gguf(path))
    if path.is_dir() and (path / "config.json").is_file():
        return config_from_hf(json.loads((path / "config.json").read_text()))
    raise ValueError(f"{str(path)!r} is neither a .gguf file nor a folder with config.json")
