"""Quant tests: Triton kernels run under TRITON_INTERPRET=1 on CPU-only machines (set in
tests/conftest.py, before any kernel module is imported); with a CUDA device they are compiled."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest
import torch


@pytest.fixture(scope="session")
def kernel_device() -> str:
    """Where the Triton kernels under test run: "cuda" compiled, or "cpu" under the interpreter."""
    pytest.importorskip("triton")
    from engine.quant.triton_int4 import interpreted

    if interpreted():
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    pytest.skip("Triton kernels need a CUDA device or TRITON_INTERPRET=1 set before import")


@pytest.fixture(scope="session")
def cuda_device() -> str:
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    from engine.quant.triton_int4 import interpreted

    if interpreted():
        pytest.skip("TRITON_INTERPRET=1 is set: unset it to compile the kernels for the GPU")
    return "cuda"


def package_text(dist: str) -> str:
    """English prose the project did not write: an installed package's long description."""
    meta = importlib.metadata.metadata(dist)
    return meta.get_payload() or meta["Description"] or ""


@pytest.fixture(scope="session")
def default_fp32(model_default_gguf: Path):
    """The default model dequantized to fp32 (the reference), with its tokenizer."""
    from engine.loaders import load_checkpoint
    from engine.tokenizer import Tokenizer

    _, model = load_checkpoint(model_default_gguf, torch.float32)
    return model, Tokenizer.from_gguf(model_default_gguf)
