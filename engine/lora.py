"""Served LoRA: a peft folder read onto the engine's (possibly fused) modules, and the batched delta
`y += (x_i @ A_i^T) @ B_i^T` per adapter's rows (scale folded into B) beside one base matmul for
the whole batch, dense or int4. Loading, budget and eviction are `lora_registry`'s."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from torch import Tensor, nn

# peft's projection name -> (the fused engine module that holds it, its part of the output).
FUSED = {"q_proj": ("qkv_proj", 0), "k_proj": ("qkv_proj", 1), "v_proj": ("qkv_proj", 2),
         "gate_proj": ("gate_up_proj", 0), "up_proj": ("gate_up_proj", 1)}
_KEY = re.compile(r"^(?:base_model\.model\.)?(model\.layers\.\d+\.(?:self_attn|mlp)\.\w+_proj)"
                  r"\.lora_([AB])\.weight$")


class AdapterError(ValueError):
    """An adapter this engine cannot serve (format, targets, shapes, base model, budget)."""


@dataclass(eq=False)
class LoraAdapter:
    """One adapter on the engine's modules: module name -> (A [R, in], B [out, R]). B holds the
    scale already and, on a fused module, zeros in the rows of parts the adapter does not train."""

    adapter_id: str
    weights: dict[str, tuple[Tensor, Tensor]] = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for ab in self.weights.values() for t in ab)


@dataclass
class LoraBatch:
    """One forward's rows per adapter: a slice when they are contiguous, else row indices.
    Rows in no group get the base model only."""

    groups: list[tuple[LoraAdapter, slice | Tensor]]


class LoraContext:
    """The LoraBatch of the forward in progress, shared by one model's LoraLinears. Set by the
    runner around one forward (`LoraRegistry.activate`), None otherwise: then the base model."""

    def __init__(self) -> None:
        self.batch: LoraBatch | None = None


class LoraLinear(nn.Module):
    """base(x) plus each row group's low-rank delta (a module swap, as int4 is). Its reference is
    the merged weight W + scale * B @ A, in the tests."""

    def __init__(self, base: nn.Module, name: str, context: LoraContext) -> None:
        super().__init__()
        self.base = base
        self.name = name
        self.in_features, self.out_features = base.in_features, base.out_features
        self.context = context

    def forward(self, x: Tensor) -> Tensor:
        y = self.base(x)
        batch = self.context.batch
        if batch is None:
            return y
        for adapter, rows in batch.groups:
            ab = adapter.weights.get(self.name)
            if ab is None:
                continue
            delta = (x[rows] @ ab[0].t()) @ ab[1].t()
            if isinstance(rows, slice):
                y[rows] += delta
            else:
                y.index_add_(0, rows, delta)
        return y


def decoder_projections(model: nn.Module) -> list[str]:
    """Names of the decoder layers' projections (plain, packed, fused or int4 alike)."""
    return [f"model.layers.{i}.{part}.{attr}"
            for i, layer in enumerate(model.model.layers) for part in ("self_attn", "mlp")
            for attr, _ in getattr(layer, part).named_children() if attr.endswith("_proj")]


def lora_context(model: nn.Module) -> LoraContext:
    """Swap the decoder's projections for LoraLinear, once per model; their shared context."""
    context = getattr(model, "lora_context", None)
    if context is None:
        context = LoraContext()
        for name in decoder_projections(model):
            parent, _, attr = name.rpartition(".")
            owner = model.get_submodule(parent)
            setattr(owner, attr, LoraLinear(getattr(owner, attr), name, context))
        model.lora_context = context
    return context


def read_adapter(folder: Path) -> tuple[dict[str, Any], dict[str, Tensor]]:
    """adapter_config.json and adapter_model.safetensors of a peft LoRA folder, checked for the
    options this engine implements."""
    try:
        config = json.loads((folder / "adapter_config.json").read_text())
        tensors = load_file(str(folder / "adapter_model.safetensors"))
    except (OSError, ValueError) as exc:
        raise AdapterError(f"cannot read the adapter in {folder}: {exc}") from None
    refused = {"use_dora": "DoRA", "fan_in_fan_out": "fan_in_fan_out",
               "rank_pattern": "per-module ranks", "alpha_pattern": "per-module alphas",
               "modules_to_save": "modules_to_save"}
    for key, what in refused.items():
        if config.get(key):
            raise AdapterError(f"{folder}: {what} is not supported")
    if config.get("peft_type", "LORA") != "LORA" or config.get("bias", "none") != "none":
        raise AdapterError(f"{folder}: only bias-free LoRA adapters are supported")
    return config, tensors


def lora_scale(config: dict[str, Any]) -> float:
    """peft's scaling: alpha / r, or alpha / sqrt(r) with rsLoRA."""
    r, alpha = config["r"], config["lora_alpha"]
    return alpha / math.sqrt(r) if config.get("use_rslora") else alpha / r


def part_sizes(model: nn.Module, fused: str) -> list[int]:
    """Output rows of each part of a fused module: q|k|v or gate|up."""
    c = model.config
    if fused == "qkv_proj":
        return [c.num_heads * c.head_dim, c.num_kv_heads * c.head_dim, c.num_kv_heads * c.head_dim]
    return [c.intermediate_size, c.intermediate_size]


def build_adapter(adapter_id: str, folder: Path, model: nn.Module,
                  dtype: torch.dtype) -> LoraAdapter:
    """Read a peft folder onto the model's modules: a LoRA on q_proj lands on the q rows of a
    fused qkv_proj, and the scale is folded into B (in fp32, then cast to the run dtype)."""
    config, tensors = read_adapter(folder)
    scale = lora_scale(config)
    pairs: dict[str, dict[str, Tensor]] = {}
    for key, tensor in tensors.items():
        match = _KEY.match(key)
        if match is None:
            raise AdapterError(f"{folder}: weight {key!r} is not a LoRA on a decoder projection")
        pairs.setdefault(match[1], {})[match[2]] = tensor
    parts: dict[str, list[tuple[int, Tensor, Tensor]]] = {}  # module -> (first row, A, B)
    for peft_name, ab in sorted(pairs.items()):
        if set(ab) != {"A", "B"}:
            raise AdapterError(f"{folder}: {peft_name} needs both lora_A and lora_B")
        name, offset, rows = _target(model, peft_name, folder)
        a, b = ab["A"].float(), ab["B"].float() * scale
        in_features = model.get_submodule(name).in_features
        if a.shape[1] != in_features or b.shape != (rows, a.shape[0]):
            raise AdapterError(f"{folder}: {peft_name} has A {list(a.shape)} and B "
                               f"{list(b.shape)}; this model needs A [r, {in_features}] and "
                               f"B [{rows}, r]")
        parts.setdefault(name, []).append((offset, a, b))
    if not parts:
        raise AdapterError(f"{folder}: the adapter holds no LoRA weights")
    weights = {name: _stack(model.get_submodule(name).out_features, p, dtype)
               for name, p in parts.items()}
    return LoraAdapter(adapter_id, weights)


def _target(model: nn.Module, peft_name: str, folder: Path) -> tuple[str, int, int]:
    """(engine module, first output row, rows) for peft's module name."""
    parent, _, attr = peft_name.rpartition(".")
    try:
        owner = model.get_submodule(parent)
    except AttributeError:
        raise AdapterError(f"{folder}: this model has no {parent}") from None
    if hasattr(owner, attr):
        return peft_name, 0, getattr(owner, attr).out_features
    if attr in FUSED and hasattr(owner, FUSED[attr][0]):
        fused, index = FUSED[attr]
        sizes = part_sizes(model, fused)
        return f"{parent}.{fused}", sum(sizes[:index]), sizes[index]
    raise AdapterError(f"{folder}: this model has no {peft_name}")


def _stack(out_features: int, parts: list[tuple[int, Tensor, Tensor]],
           dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """One (A, B) per module: the parts' A stacked, their B laid out block-diagonally."""
    a = torch.cat([p[1] for p in parts])
    b = torch.zeros(out_features, a.shape[0])
    col = 0
    for offset, part_a, part_b in parts:
        b[offset : offset + part_b.shape[0], col : col + part_a.shape[0]] = part_b
        col += part_a.shape[0]
    return a.to(dtype).contiguous(), b.to(dtype).contiguous()


def base_model_sha256(path: Path) -> str:
    """The manifest's base-model hash, computed as trainer.export computes it: the .gguf file,
    or config.json + *.safetensors of a folder (name, then bytes, of each file)."""
    files = [path] if path.is_file() else [path / "config.json", *sorted(path.glob("*.safetensors"))]
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode())
        with file.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def manifest_base_hash(folder: Path) -> str | None:
    """The base-model hash an exported adapter's manifest.json records, if it has one."""
    try:
        return json.loads((folder / "manifest.json").read_text()).get("base_model_sha256")
    except (OSError, ValueError):
        return None
