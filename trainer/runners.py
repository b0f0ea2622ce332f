"""Two ways to take a step: one plain torch process (the reference) or a DeepSpeed ZeRO rank.

Both expose the same small surface to the loop: micro (forward + backward), step, lr, all_reduce,
save / load (bit-exact resume) and the gathered trainable weights.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import torch
from torch import Tensor

from trainer.config import TrainConfig
from trainer.model import Stats, TrainModule
from trainer.optim import make_optimizer, make_scheduler


def _trainable(module: TrainModule) -> list[tuple[str, torch.nn.Parameter]]:
    return [(n, p) for n, p in module.net.named_parameters() if p.requires_grad]


def save_rng(folder: Path, rank: int) -> None:
    # LoRA dropout draws from torch's RNG: without it the steps after a resume would differ.
    torch.save({"torch": torch.get_rng_state()}, folder / f"rng-rank{rank}.pt")


def load_rng(folder: Path, rank: int) -> None:
    file = folder / f"rng-rank{rank}.pt"
    if not file.exists():
        raise FileNotFoundError(f"{file} is missing: resume with the number of ranks that saved "
                                "this checkpoint")
    torch.set_rng_state(torch.load(file, weights_only=True)["torch"])


class PlainRunner:
    """Single process, torch.optim.AdamW; bf16 through autocast."""

    rank, world_size = 0, 1

    def __init__(self, module: TrainModule, cfg: TrainConfig, total_steps: int) -> None:
        self.module = module
        self.optimizer = make_optimizer(module, cfg.optim)
        self.scheduler = make_scheduler(self.optimizer, cfg.optim, total_steps)
        self.clip = cfg.optim.grad_clip
        self.bf16 = cfg.runtime.dtype == "bfloat16"
        self.params = [p for _, p in _trainable(module)]

    def micro(self, batch, scale: float) -> Stats:
        device = "cuda" if torch.cuda.is_available() else "cpu"
        with torch.autocast(device, torch.bfloat16, enabled=self.bf16):
            stats = self.module(batch)
        (stats.loss * scale).backward()
        return stats

    def step(self) -> float:
        norm = torch.nn.utils.clip_grad_norm_(self.params, self.clip if self.clip > 0 else
                                              float("inf"))
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(norm)

    def lr(self) -> float:
        return self.scheduler.get_last_lr()[0]

    def all_reduce(self, t: Tensor) -> Tensor:
        return t

    def trainable_state(self) -> dict[str, Tensor]:
        return {n: p.detach().clone() for n, p in _trainable(self.module)}

    def save(self, root: Path, tag: str, step: int) -> Path:
        folder = root / tag
        folder.mkdir(parents=True, exist_ok=True)
        torch.save({"step": step, "trainable": self.trainable_state(),
                    "optimizer": self.optimizer.state_dict(),
                    "scheduler": self.scheduler.state_dict()}, folder / "state.pt")
        save_rng(folder, 0)
        (root / "latest").write_text(tag)
        return folder

    def load(self, root: Path, tag: str) -> int:
        folder = root / tag
        state = torch.load(folder / "state.pt", weights_only=True)
        params = dict(_trainable(self.module))
        if set(params) != set(state["trainable"]):
            raise ValueError(f"checkpoint {folder} does not match this model's trainable "
                             "parameters (another LoRA / full setting?)")
        with torch.no_grad():
            for name, value in state["trainable"].items():
                params[name].copy_(value)
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        load_rng(folder, 0)
        return int(state["step"])


class DeepSpeedRunner:
    """A ZeRO rank: DeepSpeed wraps the same AdamW and schedule and averages gradients over ranks,
    so `micro` multiplies the loss back by world_size x grad_accum (the loop normalises by the
    global target count itself)."""

    def __init__(self, module: TrainModule, cfg: TrainConfig, total_steps: int) -> None:
        import deepspeed

        from trainer.zero import deepspeed_config

        self.module = module
        self.stage = cfg.zero.stage
        self.is_lora = module.is_lora
        optimizer = make_optimizer(module, cfg.optim)
        self.engine, _, _, self.scheduler = deepspeed.initialize(
            model=module, optimizer=optimizer, config=deepspeed_config(cfg),
            lr_scheduler=lambda opt: make_scheduler(opt, cfg.optim, total_steps))
        self.rank = torch.distributed.get_rank()
        self.world_size = torch.distributed.get_world_size()
        self.factor = self.world_size * cfg.schedule.grad_accum

    def micro(self, batch, scale: float) -> Stats:
        stats = self.engine(batch.to(self.engine.device))
        self.engine.backward(stats.loss * (scale * self.factor))
        self.engine.step()  # applies the update only at the accumulation boundary
        return stats

    def step(self) -> float:
        norm = self.engine.get_global_grad_norm()
        return float(norm) if norm is not None else float("nan")

    def lr(self) -> float:
        return self.scheduler.get_last_lr()[0]

    def all_reduce(self, t: Tensor) -> Tensor:
        t = t.to(self.engine.device)
        torch.distributed.all_reduce(t)
        return t.cpu()

    def _gathered(self, params: list[torch.nn.Parameter]):
        if self.stage != 3:
            return contextlib.nullcontext()
        import deepspeed

        return deepspeed.zero.GatheredParameters(params, modifier_rank=None)

    def trainable_state(self) -> dict[str, Tensor]:
        """Every rank must call this (stage 3 gathers the shards)."""
        named = _trainable(self.module)
        with self._gathered([p for _, p in named]):
            return {n: p.detach().cpu().clone() for n, p in named}

    def save(self, root: Path, tag: str, step: int) -> Path:
        # LoRA: the frozen base is the checkpoint the run started from; only the adapter is saved.
        self.engine.save_checkpoint(str(root), tag=tag, client_state={"step": step},
                                    exclude_frozen_parameters=self.is_lora)
        save_rng(root / tag, self.rank)
        return root / tag

    def load(self, root: Path, tag: str) -> int:
        path, client = self.engine.load_checkpoint(str(root), tag=tag,
                                                   load_module_strict=not self.is_lora)
        if path is None:
            raise FileNotFoundError(f"no DeepSpeed checkpoint {tag!r} under {root}")
        load_rng(root / tag, self.rank)
        return int(client["step"])
