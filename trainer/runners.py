"""Two ways to take a step: one plain torch process (the reference) or a DeepSpeed ZeRO rank.

Both expose the same small surface to the loop: micro (forward + backward), step, lr, all_reduce,
save / load (bit-exact resume) and the gathered trainable weights.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import torch
from torch import Tensor

from trainer.checkpoints import UNIVERSAL, Resume, manifest_for, to_universal, write_manifest
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


def reseed_rng(seed: int, step: int, rank: int) -> None:
    """After a change of rank count no saved stream belongs to this rank (and the rows each rank
    sees differ anyway): a fresh stream, still a pure function of the run's seed, step and rank."""
    torch.manual_seed(hash((seed, step, rank)) & (2**63 - 1))


class PlainRunner:
    """Single process, torch.optim.AdamW; bf16 through autocast."""

    rank, world_size = 0, 1

    def __init__(self, module: TrainModule, cfg: TrainConfig, total_steps: int,
                 resume: Resume | None = None) -> None:
        self.module, self.cfg = module, cfg
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
        write_manifest(folder, manifest_for(self.cfg, step, 1))
        (root / "latest").write_text(tag)
        return folder

    def load(self, folder: Path) -> int:
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

    def __init__(self, module: TrainModule, cfg: TrainConfig, total_steps: int,
                 resume: Resume | None = None) -> None:
        import deepspeed

        from trainer.zero import deepspeed_config

        self.module, self.cfg = module, cfg
        self.stage = cfg.zero.stage
        self.is_lora = module.is_lora
        self.universal = resume is not None and resume.universal
        self.new_ranks = resume is not None and resume.new_ranks
        optimizer = make_optimizer(module, cfg.optim)
        self.decays = [g["weight_decay"] for g in optimizer.param_groups]
        self.engine, _, _, self.scheduler = deepspeed.initialize(
            model=module, optimizer=optimizer,
            config=deepspeed_config(cfg, load_universal=self.universal),
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
        folder = root / tag
        save_rng(folder, self.rank)
        torch.distributed.barrier()  # every rank's files are written before the manifest
        if self.rank == 0:
            write_manifest(folder, manifest_for(self.cfg, step, self.world_size))
        return folder

    def load(self, folder: Path) -> int:
        """Same rank count (or ZeRO stage 0, whose ranks hold whole copies): DeepSpeed's own
        files. Another count under ZeRO 1-3: the universal conversion (rank 0 converts, once),
        which DeepSpeed re-partitions over this run's ranks."""
        load_dir, tag = folder.parent, folder.name
        if self.universal:
            if self.rank == 0:
                to_universal(folder)
            torch.distributed.barrier()
            load_dir, tag = folder, UNIVERSAL
        path, client = self.engine.load_checkpoint(str(load_dir), tag=tag,
                                                   load_module_strict=not self.is_lora)
        if path is None:
            raise FileNotFoundError(f"no DeepSpeed checkpoint {tag!r} under {load_dir}")
        step = int(client["step"])
        if self.universal:
            self._repair_universal_load()
        if self.new_ranks:
            reseed_rng(self.cfg.seed, step, self.rank)
        else:
            load_rng(folder, self.rank)
        return step

    def _repair_universal_load(self) -> None:
        """Undo two slips of ZeRO-3's universal load (deepspeed 0.19.8, stage3.py
        load_hp_checkpoint_state_from_checkpoint_dir_stage3): it gives every param group the first
        group's hyperparameters (the norms would start decaying) and one shared `step` tensor,
        which AdamW increments in place once per group (the norms' bias correction runs ahead).
        Harmless to ZeRO-1/2, whose load keeps both per group."""
        base = self.engine.optimizer.optimizer
        for group, decay in zip(base.param_groups, self.decays, strict=True):
            group["weight_decay"] = decay
        for state in base.state.values():
            if isinstance(state.get("step"), Tensor):
                state["step"] = state["step"].clone()
