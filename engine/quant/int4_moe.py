"""int4 experts for a mixture of experts (Qwen3-MoE, Mixtral): each expert's gate|up and down an
`Int4Linear`, run over that expert's rows of the (token, slot) pairs sorted by expert. The
router stays dense: its few rows decide the routing.

The plain-torch reference is `int4_moe_reference`: the same int4 weights dequantized, then
`engine.models.moe.moe_reference`. The weights come from round-to-nearest per expert or, where a
GGUF stores an expert stack in blocks that are our int4 groups (Q4_0, Q4_1, Q4_K), from those
blocks as they are (`engine.quant.gguf_import.INT4_IMPORTS`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import torch
from torch import Tensor, nn

from engine.loaders.gguf import gguf_tensors, open_gguf
from engine.models.config import ModelConfig
from engine.models.moe import Experts, expert_runs, gated, moe_reference
from engine.quant.cpu_int4 import check_cpu_int4_shape
from engine.quant.gguf_import import INT4_IMPORTS
from engine.quant.int4 import Int4Weight, cat_int4, check_group, dequantize_int4, quantize_int4
from engine.quant.int4_linear import Int4Linear

ExpertWeights = tuple[list[Int4Weight], list[Int4Weight]]  # per expert: gate|up [2I, H], down [H, I]


def int4_moe_reference(x: Tensor, weights: Tensor, experts: Tensor, gate_up: Sequence[Int4Weight],
                       down: Sequence[Int4Weight], gelu: bool = False) -> Tensor:
    """The mixture over the dequantized experts, in fp32; the result in x's dtype."""
    stack = [torch.stack([dequantize_int4(w) for w in ws]) for ws in (gate_up, down)]
    return moe_reference(x.float(), weights.float(), experts, *stack, gelu).to(x.dtype)


class Int4Experts(nn.Module):
    """`Experts` with int4 weights: the same forward (x [T, H], routing weights and expert ids
    [T, k] -> [T, H]). Per expert, one gate|up and one down matmul over the rows routed to it;
    an expert no row chose costs nothing. Inference only."""

    def __init__(self, gate_up: Sequence[Int4Weight], down: Sequence[Int4Weight], *,
                 gelu: bool = False, act_dtype: torch.dtype = torch.bfloat16,
                 device: torch.device | str = "cpu") -> None:
        super().__init__()
        if len(gate_up) != len(down):
            raise ValueError(f"{len(gate_up)} gate|up weights for {len(down)} down weights")
        self.gate_up = nn.ModuleList(Int4Linear(w, act_dtype=act_dtype, device=device)
                                     for w in gate_up)
        self.down = nn.ModuleList(Int4Linear(w, act_dtype=act_dtype, device=device) for w in down)
        self.gelu = gelu

    def forward(self, x: Tensor, weights: Tensor, experts: Tensor) -> Tensor:
        order, counts = expert_runs(experts, len(self.gate_up))
        token = order // experts.shape[1]
        rows = x[token]
        y = torch.empty_like(rows)
        start = 0
        # One host sync for the run lengths; the matmuls need them as sizes anyway.
        for e, n in enumerate(counts.tolist()):
            if n:
                run = slice(start, start + n)
                y[run] = self.down[e](gated(self.gate_up[e](rows[run]), self.gelu))
                start += n
        y = y * weights.flatten()[order, None]
        return torch.zeros_like(x).index_add_(0, token, y)


def expert_modules(model: nn.Module) -> list[str]:
    """The names of the model's dense expert stacks ("model.layers.0.mlp.experts")."""
    return [n for n, m in model.named_modules() if isinstance(m, Experts)]


def check_experts(experts: Experts, group: int, on_cpu: bool) -> None:
    """Raise ValueError naming the rule when the int4 kernels cannot take the stack's shapes."""
    _, two_i, hidden = experts.gate_up_proj.shape
    for n, k in ((two_i, hidden), (hidden, two_i // 2)):
        check_group(k, group)
        if on_cpu:  # the Triton kernel masks its edges: any out_features
            check_cpu_int4_shape(n, k, group)


def gguf_expert_int4_weights(path: str | Path, config: ModelConfig) -> dict[str, list[Int4Weight]]:
    """Every expert stack of a GGUF stored in Q4_0, Q4_1 or Q4_K, one Int4Weight per expert, keyed
    by the loader's name for the stack ("model.layers.0.mlp.experts.gate_proj", `up_proj`,
    `down_proj`): the blocks as stored, no rounding."""
    out = {}
    for t in gguf_tensors(open_gguf(path), config, tuple(INT4_IMPORTS)):
        if ".mlp.experts." in t.name:
            per_expert = t.rows.view(t.shape[0], -1, t.rows.shape[1])  # [E, rows, bytes]
            out[t.name] = [INT4_IMPORTS[t.qtype](rows) for rows in per_expert]
    return out


def expert_int4_weights(experts: Experts, name: str, group: int,
                        imported: Mapping[str, list[Int4Weight]]) -> tuple[ExpertWeights, int]:
    """(gate|up and down per expert, how many of the two stacks came from `imported`): a stack
    the file gave (gate|up: both halves) as it is, the other rounded to nearest per expert."""
    gate, up = imported.get(f"{name}.gate_proj"), imported.get(f"{name}.up_proj")
    file_down = imported.get(f"{name}.down_proj")
    if gate and up:
        gate_up = [cat_int4([g, u]) for g, u in zip(gate, up, strict=True)]
    else:
        gate_up = [quantize_int4(w, group) for w in experts.gate_up_proj]
    down = file_down or [quantize_int4(w, group) for w in experts.down_proj]
    return (gate_up, list(down)), int(bool(gate and up)) + int(file_down is not None)


def swap_int4_experts(model: nn.Module, weights: Mapping[str, ExpertWeights], *,
                      act_dtype: torch.dtype = torch.bfloat16,
                      device: torch.device | str = "cpu") -> list[str]:
    """Replace each named `Experts` with an Int4Experts over its weights; returns the names."""
    for name, (gate_up, down) in weights.items():
        parent, _, attr = name.rpartition(".")
        old = model.get_submodule(name)
        if not isinstance(old, Experts) or len(gate_up) != old.gate_up_proj.shape[0]:
            raise ValueError(f"{name}: expected Experts with {len(gate_up)} experts, found {old!r}")
        setattr(model.get_submodule(parent), attr,
                Int4Experts(gate_up, down, gelu=old.gelu, act_dtype=act_dtype, device=device))
    return list(weights)
