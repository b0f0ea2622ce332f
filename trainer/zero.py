"""DeepSpeed: the JSON config built from ZeroConfig, and process-group setup (gloo / NCCL)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from trainer.config import TrainConfig


def cache_dir(cfg: TrainConfig) -> Path:
    base = cfg.runtime.cache_dir or os.environ.get("HANLIN_CACHE_DIR") or "~/.cache/hanlin"
    return Path(base).expanduser()


def launch_env(cfg: TrainConfig) -> dict[str, str]:
    """Environment for the ranks: compiled ops cached across runs (deepspeed_shm_comm alone
    takes about a minute to build on CPU), the CPU accelerator when there is no GPU."""
    env = {"TORCH_EXTENSIONS_DIR": str(cache_dir(cfg) / "torch_extensions")}
    if not torch.cuda.is_available():
        env["DS_ACCELERATOR"] = "cpu"
    if cfg.runtime.threads:
        env["OMP_NUM_THREADS"] = str(cfg.runtime.threads)
    return env


def dist_backend() -> str:
    return "nccl" if torch.cuda.is_available() else "gloo"


def deepspeed_config(cfg: TrainConfig, *, load_universal: bool = False) -> dict[str, Any]:
    """load_universal: the run resumes from a universal checkpoint (another rank count)."""
    zero = cfg.zero
    zero_section: dict[str, Any] = {
        "stage": zero.stage,
        "overlap_comm": zero.overlap_comm,
        "contiguous_gradients": zero.contiguous_gradients,
        "reduce_scatter": zero.reduce_scatter,
        "reduce_bucket_size": zero.reduce_bucket_size,
        "allgather_bucket_size": zero.allgather_bucket_size,
    }
    if zero.stage == 3:
        zero_section |= {
            "stage3_prefetch_bucket_size": zero.stage3_prefetch_bucket_size,
            "stage3_max_live_parameters": zero.stage3_max_live_parameters,
            "stage3_max_reuse_distance": zero.stage3_max_reuse_distance,
            "stage3_param_persistence_threshold": zero.stage3_param_persistence_threshold,
        }
        del zero_section["allgather_bucket_size"]  # stage 3 gathers by prefetch buckets
    return {
        "train_micro_batch_size_per_gpu": cfg.schedule.micro_batch_size,
        "gradient_accumulation_steps": cfg.schedule.grad_accum,
        "gradient_clipping": cfg.optim.grad_clip,
        "bf16": {"enabled": cfg.runtime.dtype == "bfloat16"},
        "zero_optimization": zero_section,
        # The client optimizer is torch.optim.AdamW: correct under ZeRO, but not on DeepSpeed's
        # list of tested optimizers, which refuses it without this flag.
        "zero_allow_untested_optimizer": True,
        "checkpoint": {"load_universal": load_universal},
        "steps_per_print": 2**31 - 1,  # our metrics lines replace DeepSpeed's progress prints
        "wall_clock_breakdown": False,
    }


def init_distributed() -> tuple[int, int]:
    """(rank, world size) after joining the launcher's process group."""
    import deepspeed

    deepspeed.init_distributed(dist_backend=dist_backend())
    if torch.cuda.is_available():
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    return torch.distributed.get_rank(), torch.distributed.get_world_size()
