"""A checkpoint that cannot be loaded: one error whose message names the file and what is wrong
with it (empty, truncated, not the format it claims, weights that are not finite numbers)."""

from __future__ import annotations

from pathlib import Path

import torch


class CheckpointError(ValueError):
    """One line an operator can act on: `<file> <problem>`; the cause stays chained."""


def describe(path: Path, magic: bytes, kind: str, exc: BaseException) -> str:
    """Why `path` could not be read as a `kind` file that starts with `magic` (b"" if none)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(len(magic))
    except OSError as err:
        return f"{path} cannot be read: {err.strerror or err}"
    if size == 0:
        return f"{path} is empty (0 bytes): not a {kind} file"
    if magic and head != magic:
        return f"{path} is not a {kind} file: it does not start with {magic.decode()!r}"
    return f"{path} is corrupt or truncated ({size:,} bytes; the {kind} reader says: {exc})"


def finite(weight: torch.Tensor) -> bool:
    """No NaN or inf in `weight`: either makes the sum non-finite (one pass, no mask tensor)."""
    return bool(torch.isfinite(weight.sum(dtype=torch.float32)))


def non_finite(path: Path, tensor: str) -> CheckpointError:
    return CheckpointError(f"{path} is corrupt: tensor {tensor!r} holds NaN or infinite values")
