"""The loader's entry points: a loaded Llama's linears -> Int4Linear, its experts ->
Int4Experts, its tied head -> int8.

Three sources for the int4 weights: a GGUF's Q4_0 / Q4_1 / Q4_K tensors (linears and expert
stacks) imported as they are, round-to-nearest of the loaded weights, or AWQ-scaled rounding with
a calibration set (dense models only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor, nn

from engine.quant.awq import awq_quantize
from engine.quant.cpu_int4 import check_cpu_int4_shape
from engine.quant.gguf_import import gguf_int4_weights, gguf_q8_0_tensors
from engine.quant.int4 import Int4Weight, cat_int4, check_group, quantize_int4
from engine.quant.int4_linear import swap_int4_linears
from engine.quant.int4_moe import (
    check_experts,
    expert_int4_weights,
    expert_modules,
    gguf_expert_int4_weights,
    swap_int4_experts,
)
from engine.quant.int8_linear import int8_tied_embedding, quantize_int8_per_channel, quantize_q8_0
from engine.quant.q8_head import Q8_BLOCK, SmallBatchHead


@dataclass(frozen=True)
class QuantReport:
    method: str  # "gguf" (Q4_0 / Q4_1 / Q4_K blocks imported, the rest rounded), "rtn" or "awq"
    group: int
    swapped: list[str]  # linears, and expert stacks ("model.layers.0.mlp.experts")
    imported: int = 0  # how many of the swapped weights (an expert stack's gate|up or down: one)
    # came from the GGUF without rounding
    skipped: dict[str, str] = field(default_factory=dict)  # module -> why it stayed unquantized
    weight_bytes: int = 0  # resident bytes of parameters and buffers after the swap


def decoder_linears(model: nn.Module) -> list[str]:
    """The decoder layers' linears (the LM head is left to `quantize_head_int8`; a mixture of
    experts' router stays as it is: its few rows decide the routing)."""
    return [n for n, m in model.named_modules()
            if isinstance(m, nn.Linear) and n.startswith("model.layers.")
            and not n.endswith(".mlp.gate")]


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
        module = model.get_submodule(name)
        try:
            if not isinstance(module, nn.Linear):
                check_experts(module, group, on_cpu)
                continue
            n, k = module.weight.shape
            check_group(k, group)
            if on_cpu:  # the Triton kernel masks its edges: any out_features
                check_cpu_int4_shape(n, k, group)
        except ValueError as exc:
            out[name] = str(exc)
    return out


def quantize_model(model: nn.Module, *, group: int = 32, source_gguf: str | Path | None = None,
                   calibration: Sequence[Tensor] | None = None, act_dtype: torch.dtype = torch.bfloat16,
                   device: torch.device | str = "cpu", skip_unsupported: bool = False,
                   awq_grid: int = 20, fuse: bool = False, round_others: bool = True) -> QuantReport:
    """Swap the decoder's linears for Int4Linear and its expert stacks for Int4Experts, in place.

    source_gguf: the file the model was loaded from; its Q4_0 / Q4_1 / Q4_K tensors are used as
    they are (group 32), any other linear is rounded. calibration: token id sequences; turns on AWQ scaling (it
    rewrites norm weights too). A layer the kernel cannot take raises, naming the layer and the
    rule, unless skip_unsupported keeps it unquantized (listed in the report). fuse: serve q|k|v
    and gate|up as one int4 matmul each (the same weights stacked; see `fuse_int4_weights`).
    round_others=False (with source_gguf): only the file's 4-bit weights become int4; a linear or
    expert stack stored otherwise (Q5_0, Q6_K, Q8_0, F16...) stays dense in the run dtype, listed
    as skipped: every weight served in at least the file's precision (`weights="auto"`).
    """
    if source_gguf is not None and group != 32:
        raise ValueError(f"GGUF Q4 import keeps its blocks of 32: group must be 32, got {group}")
    if source_gguf is not None and calibration is not None:
        raise ValueError("AWQ re-quantizes: it cannot be combined with a GGUF import")
    stacks = expert_modules(model)
    if calibration is not None and stacks:
        raise ValueError("AWQ scaling is not implemented for mixtures of experts; "
                         "quantize them without calibration")
    names = decoder_linears(model)
    skipped = _unsupported(model, names + stacks, group, torch.device(device).type == "cpu")
    if skipped and not skip_unsupported:
        first = next(iter(skipped.items()))
        raise ValueError(f"{len(skipped)} linears cannot be int4 with group {group}, e.g. {first[0]}: "
                         f"{first[1]}; choose another group or pass skip_unsupported=True")
    names = [n for n in names if n not in skipped]
    input_scales: dict[str, Tensor] = {}
    imported: dict[str, Int4Weight] = {}
    file_experts = {} if source_gguf is None else gguf_expert_int4_weights(source_gguf, model.config)
    if source_gguf is not None:
        method = "gguf"
        imported = {n: w for n, w in gguf_int4_weights(source_gguf, model.config).items() if n in names}
        if not round_others:
            kept = [n for n in names if n not in imported] + [
                n for n in stacks if n not in skipped and not _stack_in_file(n, file_experts)]
            skipped |= dict.fromkeys(kept, "not 4-bit in the file: kept dense")
            names = [n for n in names if n in imported]
        weights = {n: imported.get(n) or quantize_int4(model.get_submodule(n).weight, group)
                   for n in names}
    elif calibration is not None:
        method = "awq"
        weights, input_scales, _ = awq_quantize(model, calibration, group, grid=awq_grid, only=names)
    else:
        method = "rtn"
        weights = {n: quantize_int4(model.get_submodule(n).weight, group) for n in names}
    if fuse:
        weights = fuse_int4_weights(model, weights, input_scales)
    swapped = swap_int4_linears(model, weights, act_dtype=act_dtype, input_scales=input_scales,
                                device=device)
    n_imported = len(imported)
    for name in (n for n in stacks if n not in skipped):  # one stack at a time: a low peak
        stack, n = expert_int4_weights(model.get_submodule(name), name, group, file_experts)
        swapped += swap_int4_experts(model, {name: stack}, act_dtype=act_dtype, device=device)
        n_imported += n
    return QuantReport(method, group, swapped, n_imported, skipped, model_weight_bytes(model))


def _stack_in_file(name: str, file_experts: dict[str, list[Int4Weight]]) -> bool:
    """Whether the GGUF holds all of an expert stack (gate, up and down) in 4-bit blocks."""
    return all(f"{name}.{p}" in file_experts for p in ("gate_proj", "up_proj", "down_proj"))


# A fused module and the projections it stacks, under each decoder layer.
FUSED_PARTS = {"self_attn.qkv_proj": ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"),
               "mlp.gate_up_proj": ("mlp.gate_proj", "mlp.up_proj")}


def fuse_int4_weights(model: nn.Module, weights: dict[str, Int4Weight],
                      input_scales: dict[str, Tensor]) -> dict[str, Int4Weight]:
    """q|k|v and gate|up stacked into one int4 weight each, the model's plain linears fused to
    match (so the swap finds `qkv_proj` / `gate_up_proj`). At batch 1 one [960, 576] matmul
    takes 13.6 us against 25.2 for the three it replaces (gate|up: 29.7 against 36.4; the same
    at 32 rows). Unfused when any part stays unquantized or scales its input (AWQ). A mixture of
    experts' layer has no gate|up linears to fuse: its experts hold gate|up stacked already."""
    c = model.config
    groups = {f"model.layers.{i}.{name}": [f"model.layers.{i}.{p}" for p in ps]
              for i in range(c.num_layers) for name, ps in FUSED_PARTS.items()
              if not (name.startswith("mlp.") and c.sparse(i))}
    parts = {p for ps in groups.values() for p in ps}
    if any(p not in weights or p in input_scales for p in parts) or not model.fuse_projections():
        return weights
    fused = {n: w for n, w in weights.items() if n not in parts}
    for name, ps in groups.items():
        fused[name] = cat_int4([weights[p] for p in ps])
    return fused


def quantize_head_int8(model: nn.Module, act_dtype: torch.dtype = torch.bfloat16) -> None:
    """Tied embedding + LM head -> one int8 table, a scale per row (requantized per channel:
    a Q8_0 source loses its per-32 block scales). Tied models only."""
    if not model.config.tie_word_embeddings:
        raise ValueError("quantize_head_int8 takes tied embeddings only")
    q, scale = quantize_int8_per_channel(model.model.embed_tokens.weight)
    int8_tied_embedding(model, q, scale, act_dtype=act_dtype)


def add_small_batch_head(model: nn.Module, source_gguf: str | Path | None = None) -> bool:
    """Put a `SmallBatchHead` over the model's bf16 LM head: the GGUF's Q8_0 table as it is
    (the head's own tensor, or the embedding when they are tied), else the head rounded to Q8_0.
    Returns False, changing nothing, where the head is not a plain bf16 linear on the CPU (the
    kernel is torch's CPU int4pack) or the int4 kernel cannot take its shape."""
    head = model.lm_head
    if type(head) is not nn.Linear or head.weight.dtype != torch.bfloat16 \
            or head.weight.device.type != "cpu":
        return False
    n, k = head.weight.shape
    try:
        check_cpu_int4_shape(n, 2 * k, Q8_BLOCK)
    except ValueError:
        return False
    table = None
    if source_gguf is not None:
        tensors = gguf_q8_0_tensors(source_gguf)
        table = tensors.get("lm_head.weight")
        if table is None and model.config.tie_word_embeddings:
            table = tensors.get("model.embed_tokens.weight")
    model.lm_head = SmallBatchHead(head, *(table or quantize_q8_0(head.weight)))
    return True
