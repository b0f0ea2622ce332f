"""AdamW over the trainable parameters (no decay on norms) and the warmup + cosine schedule."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from trainer.config import OptimConfig


def param_groups(module: nn.Module, weight_decay: float) -> list[dict]:
    """Matrices decay; vectors (RMSNorm weights) do not. Frozen parameters are left out."""
    decay, plain = [], []
    for param in module.parameters():
        if param.requires_grad:
            (decay if param.ndim >= 2 else plain).append(param)
    groups = [{"params": decay, "weight_decay": weight_decay},
              {"params": plain, "weight_decay": 0.0}]
    return [g for g in groups if g["params"]]


def make_optimizer(module: nn.Module, cfg: OptimConfig) -> torch.optim.AdamW:
    groups = param_groups(module, cfg.weight_decay)
    if not groups:
        raise ValueError("the model has no trainable parameters")
    # foreach=False: the same per-tensor kernels whatever the grouping, so the ZeRO runs (one
    # flat tensor per group) and the single-process reference do identical arithmetic.
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=cfg.betas, eps=cfg.eps, foreach=False)


def lr_factor(cfg: OptimConfig, total_steps: int) -> Callable[[int], float]:
    """Multiplier of cfg.lr at optimizer step `step` (0-based): linear warmup that reaches the
    full rate at step warmup_steps - 1, then cosine down to min_lr_ratio at the last step."""

    def factor(step: int) -> float:
        if step < cfg.warmup_steps:
            return (step + 1) / cfg.warmup_steps
        span = max(1, total_steps - cfg.warmup_steps - 1)
        progress = min(1.0, (step - cfg.warmup_steps) / span)
        return cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

    return factor


def make_scheduler(optimizer: torch.optim.Optimizer, cfg: OptimConfig,
                   total_steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor(cfg, total_steps))
