"""What a checkpoint folder says about the run that wrote it (manifest.json: backend, ranks, ZeRO
stage, global batch) and how a run with another rank count resumes from it: the same global batch,
and DeepSpeed's universal checkpoint (optimizer state included) converted once, in the folder.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import msgspec

from trainer.config import TrainConfig

FORMAT = "hanlin.checkpoint/1"
MANIFEST = "manifest.json"
UNIVERSAL = "universal"  # the converted checkpoint: a tag inside the step folder
_ZERO_OPTIM = re.compile(r"(?:bf16_)?zero_pp_rank_(\d+)_mp_rank_\d+_optim_states\.pt$")


class ResumeError(ValueError):
    """A checkpoint this run cannot continue from; the message says why and what would work."""


class Manifest(msgspec.Struct, frozen=True, kw_only=True):
    """rows_per_step = world_size x grad_accum x micro_batch_size: the global batch in rows."""

    format: str = FORMAT
    step: int
    backend: str
    world_size: int
    zero_stage: int | None
    micro_batch_size: int
    grad_accum: int
    rows_per_step: int
    lora: bool


def manifest_for(cfg: TrainConfig, step: int, world_size: int) -> Manifest:
    deepspeed = cfg.runtime.backend == "deepspeed"
    s = cfg.schedule
    return Manifest(step=step, backend=cfg.runtime.backend, world_size=world_size,
                    zero_stage=cfg.zero.stage if deepspeed else None,
                    micro_batch_size=s.micro_batch_size, grad_accum=s.grad_accum,
                    rows_per_step=world_size * s.grad_accum * s.micro_batch_size,
                    lora=cfg.lora is not None)


def write_manifest(folder: Path, manifest: Manifest) -> None:
    # Written last, after every rank's files: a folder with a manifest is complete.
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_bytes(msgspec.json.format(msgspec.json.encode(manifest)))
    os.replace(tmp, folder / MANIFEST)


def read_manifest(folder: Path) -> Manifest | None:
    """The folder's manifest, or None for a checkpoint written before manifests existed."""
    file = folder / MANIFEST
    if not file.exists():
        return None
    try:
        return msgspec.json.decode(file.read_bytes(), type=Manifest)
    except msgspec.DecodeError as exc:
        raise ResumeError(f"{file} is not a checkpoint manifest: {exc}") from None


def saved_world_size(folder: Path) -> int:
    """Ranks that wrote a manifest-less folder: one ZeRO optimizer shard each, or a plain state."""
    ranks = {int(m.group(1)) for f in folder.iterdir() if (m := _ZERO_OPTIM.match(f.name))}
    if ranks:
        return len(ranks)
    if (folder / "state.pt").exists():
        return 1
    raise ResumeError(f"{folder} holds no checkpoint this trainer wrote")


@dataclass(frozen=True)
class Resume:
    """Where to resume and how. Another rank count: each rank's RNG stream is new, and ZeRO's
    partitioned state needs the universal conversion (stage 0 keeps whole copies: it does not)."""

    folder: Path
    saved_world_size: int
    world_size: int
    universal: bool = False

    @property
    def new_ranks(self) -> bool:
        return self.saved_world_size != self.world_size


def plan_resume(cfg: TrainConfig, folder: Path, world_size: int) -> tuple[TrainConfig, Resume]:
    """The config to resume with (grad_accum changed, if needed, so that a step still takes the
    checkpoint's global batch: the same rows in the same order) and how to load the folder."""
    saved = read_manifest(folder)
    backend = cfg.runtime.backend
    if saved is None:  # an older checkpoint: same-shape resume only, as before manifests
        ranks = saved_world_size(folder)
        if ranks != world_size:
            raise ResumeError(f"{folder} has no {MANIFEST} (written by an older trainer) and "
                              f"{ranks} ranks wrote it: resume it with {ranks} ranks")
        return cfg, Resume(folder, ranks, world_size)
    if saved.backend != backend:
        raise ResumeError(f"{folder} was written by backend {saved.backend!r}; resume it with "
                          f"runtime.backend {saved.backend!r}, not {backend!r}")
    if backend == "deepspeed" and saved.zero_stage != cfg.zero.stage:
        raise ResumeError(f"{folder} was written with ZeRO stage {saved.zero_stage}: resume it "
                          f"with zero.stage {saved.zero_stage} (changing the stage on resume is "
                          "not supported)")
    cfg = _same_global_batch(cfg, saved, world_size, folder)
    partitioned = backend == "deepspeed" and cfg.zero.stage > 0
    return cfg, Resume(folder, saved.world_size, world_size,
                       universal=partitioned and saved.world_size != world_size)


def _same_global_batch(cfg: TrainConfig, saved: Manifest, world_size: int,
                       folder: Path) -> TrainConfig:
    micro = cfg.schedule.micro_batch_size
    if world_size * cfg.schedule.grad_accum * micro == saved.rows_per_step:
        return cfg
    accum, rest = divmod(saved.rows_per_step, world_size * micro)
    if rest or accum == 0:
        raise ResumeError(
            f"{folder} was trained with a global batch of {saved.rows_per_step} rows "
            f"({saved.world_size} ranks x {saved.grad_accum} micro-steps x "
            f"{saved.micro_batch_size} rows); {world_size} ranks x {micro} rows cannot make that "
            "batch: pick a rank count that divides it")
    schedule = msgspec.structs.replace(cfg.schedule, grad_accum=accum)
    return msgspec.structs.replace(cfg, schedule=schedule)


def to_universal(folder: Path) -> Path:
    """Convert a DeepSpeed ZeRO checkpoint folder to DeepSpeed's universal layout (weights and
    Adam moments per parameter, unpartitioned) in folder/universal; done once, reused after.
    Runs on one rank while the others wait."""
    from deepspeed.checkpoint.ds_to_universal import main as ds_to_universal

    out = folder / UNIVERSAL
    if (out / "zero" / "optimizer_state.pt").exists():
        return out
    tmp = folder / f"{UNIVERSAL}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    # One worker: no process pool forked from a rank. Missing universal-checkpoint info (we do
    # not declare tensor-parallel patterns: there is no TP here) is injected, not refused.
    args = SimpleNamespace(input_folder=str(folder), output_folder=str(tmp),
                           num_extract_workers=1, num_merge_workers=1, keep_temp_folder=False,
                           strict=True, inject_missing_state=True)
    with contextlib.redirect_stdout(sys.stderr):  # stdout carries only our JSON lines
        ds_to_universal(args)
    (folder / "latest_universal").unlink(missing_ok=True)  # names the tmp folder; we pass a tag
    os.replace(tmp, out)
    return out
