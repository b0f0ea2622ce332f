"""AWQ-style activation-aware scaling before int4 round-to-nearest (after Lin et al., 2023).

Per input channel s = mean|x|^alpha, alpha searched on a grid to minimise the output error of the
quantized linears that share the input x on calibration activations; W's columns are scaled by s
before rounding and x by 1/s, folded into the previous RMSNorm or linear where one owns x alone.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from engine.models.attention import CausalAttention
from engine.quant.int4 import Int4Weight, dequantize_int4, quantize_int4


@dataclass(frozen=True)
class ScaleGroup:
    """Linears reading one input, and the module that produces it (None: keep 1/s in Int4Linear,
    e.g. o_proj under grouped-query attention, where v_proj's rows serve several heads)."""

    prev: str | None
    linears: tuple[str, ...]


@dataclass(frozen=True)
class ScaleSearch:
    scale: Tensor  # [K]: W[:, k] *= s[k], x[..., k] /= s[k]
    alpha: float
    rtn_error: float  # mean squared output error with plain rounding (alpha = 0)
    error: float  # the same at the chosen alpha


def llama_scale_groups(model: nn.Module) -> list[ScaleGroup]:
    """Each norm or linear whose output feeds the next linears, Llama's layout. Families whose
    norms scale by (1 + w), whose MLP input is another norm (Gemma) or whose v has a bias (Qwen2)
    fold scales differently: refused, one line (plain rounding serves them)."""
    c = model.config
    if c.norm_offset or c.sandwich_norms or c.qkv_bias or c.o_bias:
        raise ValueError(f"AWQ scaling is not implemented for {c.arch} checkpoints; "
                         "quantize them without calibration")
    groups = []
    for i, layer in enumerate(model.model.layers):
        p = f"model.layers.{i}"
        attn = f"{p}.self_attn"
        mha = layer.self_attn.o_proj.in_features == layer.self_attn.v_proj.out_features
        groups += [
            ScaleGroup(f"{p}.input_layernorm", (f"{attn}.q_proj", f"{attn}.k_proj", f"{attn}.v_proj")),
            ScaleGroup(f"{attn}.v_proj" if mha else None, (f"{attn}.o_proj",)),
            ScaleGroup(f"{p}.post_attention_layernorm", (f"{p}.mlp.gate_proj", f"{p}.mlp.up_proj")),
            ScaleGroup(f"{p}.mlp.up_proj", (f"{p}.mlp.down_proj",)),
        ]
    return groups


def output_error(x: Tensor, weights: Sequence[Tensor], refs: Sequence[Tensor], scale: Tensor,
                 group: int) -> float:
    """Mean squared error of (x / s) @ Q(W * s).T against the exact outputs, summed over W."""
    xs = x / scale
    err = 0.0
    for w, ref in zip(weights, refs, strict=True):
        wq = dequantize_int4(quantize_int4(w * scale, group))
        err += (xs @ wq.T - ref).pow(2).mean().item()
    return err


def search_scale(x: Tensor, weights: Sequence[Tensor], group: int, grid: int = 20) -> ScaleSearch:
    """x [T, K] calibration inputs; weights [N_i, K] sharing them. alpha = 0 is plain rounding,
    so the chosen scale never does worse than it on these activations."""
    x = x.float()
    weights = [w.detach().float() for w in weights]
    refs = [x @ w.T for w in weights]
    mean_abs = x.abs().mean(0)
    best: tuple[float, float, Tensor] | None = None
    rtn = float("nan")
    for i in range(grid):
        alpha = i / grid
        s = mean_abs.pow(alpha).clamp(min=1e-4)
        s = s / (s.max() * s.min()).sqrt()  # centre the range so neither W nor x grows much
        err = output_error(x, weights, refs, s, group)
        if i == 0:
            rtn = err
        if best is None or err < best[0]:
            best = (err, alpha, s)
    assert best is not None
    return ScaleSearch(best[2], best[1], rtn, best[0])


@torch.no_grad()  # not inference_mode: the captures may meet autograd tensors later
def capture_inputs(model: nn.Module, calibration: Sequence[Tensor], names: Sequence[str],
                   max_tokens: int = 512) -> dict[str, Tensor]:
    """Run token id sequences through the model; the fp32 inputs [T, K] of each named module."""
    seen: dict[str, list[Tensor]] = {n: [] for n in names}
    hooks = [model.get_submodule(n).register_forward_pre_hook(
        lambda _m, args, n=n: seen[n].append(args[0].reshape(-1, args[0].shape[-1]).float()))
        for n in names]
    try:
        total = 0
        for ids in calibration:
            if total >= max_tokens:
                break
            ids = ids[: max_tokens - total]
            model(ids, torch.arange(len(ids)), CausalAttention())
            total += len(ids)
    finally:
        for h in hooks:
            h.remove()
    return {n: torch.cat(xs) for n, xs in seen.items()}


@torch.no_grad()
def apply_scale(model: nn.Module, g: ScaleGroup, s: Tensor) -> Tensor | None:
    """Scale the group's weights by s and fold 1/s upstream; returns 1/s when nothing can hold it."""
    for name in g.linears:
        w = model.get_submodule(name).weight
        w.copy_(w.float() * s)  # in fp32, then back to the weight dtype
    if g.prev is None:
        return 1 / s
    prev = model.get_submodule(g.prev).weight
    s_prev = s if prev.dim() == 1 else s[:, None]  # an RMSNorm's weight, or a linear's rows
    prev.copy_(prev.float() / s_prev)
    return None


def awq_quantize(model: nn.Module, calibration: Sequence[Tensor], group: int, *, grid: int = 20,
                 max_tokens: int = 512, only: Collection[str] | None = None,
                 ) -> tuple[dict[str, Int4Weight], dict[str, Tensor], dict[str, ScaleSearch]]:
    """Search every group's scale on one pass of calibration activations, fold, then round.

    Mutates the model's norms / weights (the folds). Returns int4 weights by linear name, the
    input scales that could not be folded, and the searches (keyed by each group's first linear).
    `only`: the linears to quantize; a group with any linear outside it is left untouched.
    """
    groups = [g for g in llama_scale_groups(model)
              if only is None or all(n in only for n in g.linears)]
    inputs = capture_inputs(model, calibration, [g.linears[0] for g in groups], max_tokens)
    searches = {}
    for g in groups:
        ws = [model.get_submodule(n).weight for n in g.linears]
        searches[g.linears[0]] = search_scale(inputs.pop(g.linears[0]), ws, group, grid)
    input_scales: dict[str, Tensor] = {}
    for g in groups:
        inv = apply_scale(model, g, searches[g.linears[0]].scale)
        if inv is not None:
            input_scales.update(dict.fromkeys(g.linears, inv))
    weights = {n: quantize_int4(model.get_submodule(n).weight, group)
               for g in groups for n in g.linears}
    return weights, input_scales, searches
