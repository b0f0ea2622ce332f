"""The loader's entry points: a loaded Llama's linears -> Int4Linear, its tied head -> int8.

Three sources for the int4 weights: a GGUF's Q4_1 tensors imported as they are, round-to-nearest
of the loaded weights, or AWQ-scaled rounding with a calibration set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor, nn

from engine.quant.awq import awq_quantize
from engine.quant.cpu_int4 import check_cpu_int4_shape
from engine.quant.gguf_import import gguf_int4_weights
from engine.quant.int4 import Int4Weight, check_group, quantize_int4
from engine.quant.int4_linear import swap_int4_linears
from engine.quant.int8_linear import int8_tied_embedding, quantize_int8_per_channel


@dataclass(frozen=True)
class QuantReport:
    method: str  # "gguf-q4_1", "rtn" or "awq"
    group: int
    swapped: list[str]
    imported: int = 0  # how many of the swapped weights came from the GGUF without rounding
    skipped: dict[str, str] = field(default_factory=dict)  # linear -> why it stayed unquantized
    weight_bytes: int = 0  # resident bytes of parameters and buffers after the swap


def decoder_linears(model: nn.Module) -> list[str]:
    """The decoder layers' linears (the LM head is left to `quantize_head_int8`)."""
    return [n for n, m in model.named_modules()
            if isinstance(m, nn.Linear) and n.startswith("model.layers.")]


def model_weight_bytes(model: nn.Module) -> int:
    """Bytes held by parameters and buffers, each storage once (tied weights share one)."""
    seen: dict[int, int] = {}
    for t in [*model.parameters(), *model.buffers()]:
        storage = t.untyped_storage()
        seen[storage.data_ptr()] = storage.nbytes()
    return sum(seen.values())


def _unsupported(model: nn.Module, names: Sequence[str], group: int, on_cpu: bool) -> dict[str, str]:
    out = {}
    for name in names:
        n, k = model.get_submodule(name).weight.shape
        try:
            check_group(k, group)
            if on_cpu:  # the Triton kernel masks its edges: any out_features
                check_cpu_int4_shape(n, k, group)
        except ValueError as exc:
            out[name] = str(exc)
    return out


def quantize_model(model: nn.Module, *, group: int = 32, source_gguf: str | Path | None = None,
                   calibration: Sequence[Tensor] | None = None, act_dtype: torch.dtype = torch.bfloat16,
                   device: torch.device | str = "cpu", skip_unsupported: bool = False,
                   awq_grid: int = 20) -> QuantReport:
    """Swap the decoder's linears for Int4Linear, in place.

    source_gguf: the file the model was loaded from; its Q4_1 tensors are used as they are (group
    32), any other linear is rounded. calibration: token id sequences; turns on AWQ scaling (it
    rewrites norm weights too). A layer the kernel cannot take raises, naming the layer and the
    rule, unless skip_unsupported keeps it unquantized (listed in the report).
    """
    if source_gguf is not None and group != 32:
        raise ValueError(f"GGUF Q4_1 import keeps its blocks of 32: group must be 32, got {group}")
    if source_gguf is not None and calibration is not None:
        raise ValueError("AWQ re-quantizes: it cannot be combined with a GGUF import")
    names = decoder_linears(model)
    skipped = _unsupported(model, names, group, torch.device(device).type == "cpu")
    if skipped and not skip_unsupported:
        first = next(iter(skipped.items()))
        raise ValueError(f"{len(skipped)} linears cannot be int4 with group {group}, e.g. {first[0]}: "
                         f"{first[1]}; choose another group or pass skip_unsupported=True")
    names = [n for n in names if n not in skipped]
    input_scales: dict[str, Tensor] = {}
    imported: dict[str, Int4Weight] = {}
    if source_gguf is not None:
        method = "gguf-q4_1"
        imported = {n: w for n, w in gguf_int4_weights(source_gguf, model.config).items() if n in names}
        weights = {n: imported.get(n) or quantize_int4(model.get_submodule(n).weight, group)
                   for n in names}
    elif calibration is not None:
        method = "awq"
        weights, input_scales, _ = awq_quantize(model, calibration, group, grid=awq_grid, only=names)
    else:
        method = "rtn"
        weights = {n: quantize_int4(model.get_submodule(n).weight, group) for n in names}
    swapped = swap_int4_linears(model, weights, act_dtype=act_dtype, input_scales=input_scales,
                                device=device)
    return QuantReport(method, group, swapped, len(imported), skipped, model_weight_bytes(model))


def quantize_head_int8(model: nn.Module, act_dtype: torch.dtype = torch.bfloat16) -> None:
    """Tied embedding + LM head -> one int8 table, a scale per row (requantized per channel:
    a Q8_0 source loses its per-32 block scales). Tied models only."""
    if not model.config.tie_word_embeddings:
        raise ValueError("quantize_head_int8 takes tied embeddings only")
    q, scale = quantize_int8_per_channel(model.model.embed_tokens.weight)
    int8_tied_embedding(model, q, scale, act_dtype=act_dtype)
