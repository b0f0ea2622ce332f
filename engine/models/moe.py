"""Mixture-of-experts MLP (Qwen3-MoE, Mixtral): a linear router, top-k experts per token, each a
gated MLP; the token's output is the routing-weighted sum of its experts' outputs.

The experts' weights are stacked as transformers holds them (`experts.gate_up_proj` [E, 2I, H],
`experts.down_proj` [E, H, I]). `moe_reference` is the plain-torch form, one expert at a time as
transformers computes it; in inference the module sorts the (token, expert) pairs by expert and
runs each projection as one grouped matmul over all experts (`torch._grouped_mm`). The experts
module computes the whole mixture from the routing, so an int4 one (`engine.quant.int4_moe`) can
take its place.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from engine.models.config import ModelConfig


def route(logits: Tensor, top_k: int, normalize: bool) -> tuple[Tensor, Tensor]:
    """Router logits [T, E] -> (weights [T, k] in the logits' dtype, expert ids [T, k]): softmax
    in fp32, the top k, renormalized to sum to 1 when `normalize` (Mixtral always; Qwen3-MoE's
    `norm_topk_prob`)."""
    probs = logits.softmax(-1, dtype=torch.float)
    weights, experts = probs.topk(top_k, dim=-1)
    if normalize:
        weights = weights / weights.sum(-1, keepdim=True)
    return weights.to(logits.dtype), experts


def gated(gate_up: Tensor, gelu: bool) -> Tensor:
    """The gated MLP's hidden state from its gate|up projection: act(gate) * up."""
    gate, up = gate_up.chunk(2, dim=-1)
    return (F.gelu(gate, approximate="tanh") if gelu else F.silu(gate)) * up


def moe_reference(x: Tensor, weights: Tensor, experts: Tensor, gate_up: Tensor, down: Tensor,
                  gelu: bool = False) -> Tensor:
    """x [T, H]; weights / experts [T, k]; gate_up [E, 2I, H]; down [E, H, I] -> [T, H]."""
    out = torch.zeros_like(x)
    for e in experts.unique().tolist():
        token, slot = torch.where(experts == e)
        h = gated(F.linear(x[token], gate_up[e]), gelu)
        y = F.linear(h, down[e]) * weights[token, slot, None]
        out.index_add_(0, token, y.to(x.dtype))
    return out


def expert_runs(experts: Tensor, num_experts: int) -> tuple[Tensor, Tensor]:
    """experts [T, k] -> (order, counts): the flat (token, slot) pairs sorted by expert (stable:
    each expert's run keeps token order; pair p is token p // k) and the length of each run."""
    flat = experts.flatten()
    return flat.argsort(stable=True), torch.bincount(flat, minlength=num_experts)


def moe_grouped(x: Tensor, weights: Tensor, experts: Tensor, gate_up: Tensor, down: Tensor,
                gelu: bool = False) -> Tensor:
    """The same as `moe_reference` with each projection one grouped matmul over all experts (the
    stacks read through transposed views: no copy). Rows are the (token, slot) pairs sorted by
    expert; `offs` ends each expert's run (an expert with no rows has an empty one)."""
    order, counts = expert_runs(experts, gate_up.shape[0])
    token = order // experts.shape[1]
    offs = counts.cumsum(0).to(torch.int32)
    h = torch._grouped_mm(x[token], gate_up.transpose(1, 2), offs=offs)
    y = torch._grouped_mm(gated(h, gelu), down.transpose(1, 2), offs=offs)
    y = y * weights.flatten()[order, None]
    return torch.zeros_like(x).index_add_(0, token, y.to(x.dtype))


class Experts(nn.Module):
    """E gated MLPs stacked; HF's names (`gate_up_proj`, `down_proj`) and layout. forward: x [T, H]
    and the routing (weights, expert ids [T, k]) -> the weighted sum of the chosen experts [T, H]."""

    def __init__(self, num_experts: int, hidden: int, intermediate: int,
                 gelu: bool = False) -> None:
        super().__init__()
        self.gate_up_proj = nn.Parameter(torch.empty(num_experts, 2 * intermediate, hidden))
        self.down_proj = nn.Parameter(torch.empty(num_experts, hidden, intermediate))
        self.gelu = gelu

    def forward(self, x: Tensor, weights: Tensor, experts: Tensor) -> Tensor:
        # Training takes the reference, which autograd follows plainly.
        moe = moe_reference if torch.is_grad_enabled() else moe_grouped
        return moe(x, weights, experts, self.gate_up_proj, self.down_proj, self.gelu)


class MoeMLP(nn.Module):
    """The router (`gate`, a bias-free linear) and the experts (`experts`)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.top_k = config.experts_per_token
        self.normalize = config.normalize_top_k
        self.gate = nn.Linear(config.hidden_size, config.num_experts, bias=False)
        self.experts: nn.Module = Experts(config.num_experts, config.hidden_size,
                                          config.moe_intermediate_size,
                                          config.activation == "gelu_tanh")

    def forward(self, x: Tensor) -> Tensor:
        weights, experts = route(self.gate(x), self.top_k, self.normalize)
        return self.experts(x, weights, experts)
