"""The trainer's configuration: frozen msgspec Structs, one per concern, composed into TrainConfig.

Loaded from a JSON file or dict with unknown keys refused; cross-field rules live in `validate`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import msgspec


class ConfigError(ValueError):
    """The configuration is invalid; the message names the field."""


class _Struct(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class DataConfig(_Struct):
    """seq_len: tokens per packed row (SFT) or per sequence (DPO rows hold 2 x seq_len)."""

    seq_len: int = 1024
    pack: bool = True
    shuffle: bool = True
    max_samples: int | None = None


class OptimConfig(_Struct):
    """AdamW with linear warmup then cosine decay to min_lr_ratio * lr; grad_clip 0 = off."""

    lr: float = 2e-4
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    warmup_steps: int = 0
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0


class ScheduleConfig(_Struct):
    """A step consumes world_size x grad_accum x micro_batch_size rows."""

    epochs: int = 1
    max_steps: int | None = None
    micro_batch_size: int = 1
    grad_accum: int = 1


class LoraConfig(_Struct):
    """LoRA on the named Linear layers; qlora quantizes the base's Linears to NF4 (double quant)."""

    r: int = 8
    alpha: float = 16.0
    dropout: float = 0.0
    targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj",
                                "gate_proj", "up_proj", "down_proj")
    qlora: bool = False


class DPOConfig(_Struct):
    beta: float = 0.1


class ZeroConfig(_Struct):
    """DeepSpeed ZeRO settings, passed through as DeepSpeed names them."""

    stage: Literal[0, 1, 2, 3] = 2
    overlap_comm: bool = True
    contiguous_gradients: bool = True
    reduce_scatter: bool = True
    reduce_bucket_size: int = 500_000_000
    allgather_bucket_size: int = 500_000_000
    stage3_prefetch_bucket_size: int = 50_000_000
    stage3_max_live_parameters: int = 1_000_000_000
    stage3_max_reuse_distance: int = 1_000_000_000
    stage3_param_persistence_threshold: int = 100_000


class RuntimeConfig(_Struct):
    """backend "plain": one process, torch only (the reference); "deepspeed": a launched child."""

    backend: Literal["plain", "deepspeed"] = "plain"
    nproc: int = 1
    launcher: Literal["torchrun", "deepspeed"] = "torchrun"
    dtype: Literal["float32", "bfloat16"] = "float32"
    activation_checkpointing: bool = False
    threads: int | None = None  # torch threads per rank
    cache_dir: str | None = None  # compiled extensions; default ~/.cache/hanlin
    peak_tflops: float | None = None  # for MFU on GPU; guessed from the device name if unset


class CheckpointConfig(_Struct):
    """every: save each N steps (0: only at the end); resume: "latest" or a step folder."""

    every: int = 0
    resume: str | None = None
    save_final: bool = True


class ExportConfig(_Struct):
    adapter: bool = True
    merged: bool = False


class TrainConfig(_Struct):
    model: str
    train_file: str
    output_dir: str
    method: Literal["sft", "dpo"] = "sft"
    seed: int = 0
    data: DataConfig = DataConfig()
    optim: OptimConfig = OptimConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    lora: LoraConfig | None = LoraConfig()  # null: full fine-tuning
    dpo: DPOConfig = DPOConfig()
    zero: ZeroConfig = ZeroConfig()
    runtime: RuntimeConfig = RuntimeConfig()
    checkpoint: CheckpointConfig = CheckpointConfig()
    export: ExportConfig = ExportConfig()


def _positive(errors: list[str], name: str, value: float | int | None, *, zero: bool = False):
    if value is not None and (value < 0 or (value == 0 and not zero)):
        errors.append(f"{name} must be {'>= 0' if zero else '> 0'}, got {value}")


def validate(cfg: TrainConfig) -> TrainConfig:
    """Cross-field rules; raises ConfigError listing every problem."""
    errors: list[str] = []
    for name, value in [("data.seq_len", cfg.data.seq_len), ("optim.lr", cfg.optim.lr),
                        ("schedule.epochs", cfg.schedule.epochs),
                        ("schedule.max_steps", cfg.schedule.max_steps),
                        ("schedule.micro_batch_size", cfg.schedule.micro_batch_size),
                        ("schedule.grad_accum", cfg.schedule.grad_accum),
                        ("runtime.nproc", cfg.runtime.nproc), ("runtime.threads", cfg.runtime.threads),
                        ("dpo.beta", cfg.dpo.beta)]:
        _positive(errors, name, value)
    for name, value in [("optim.warmup_steps", cfg.optim.warmup_steps),
                        ("optim.grad_clip", cfg.optim.grad_clip),
                        ("optim.weight_decay", cfg.optim.weight_decay),
                        ("checkpoint.every", cfg.checkpoint.every)]:
        _positive(errors, name, value, zero=True)
    if not 0 <= cfg.optim.min_lr_ratio <= 1:
        errors.append(f"optim.min_lr_ratio must be in [0, 1], got {cfg.optim.min_lr_ratio}")
    if cfg.runtime.backend == "plain" and cfg.runtime.nproc != 1:
        errors.append("runtime.backend 'plain' runs one process: set nproc 1 or backend deepspeed")
    if cfg.lora is not None:
        _positive(errors, "lora.r", cfg.lora.r)
        if not cfg.lora.targets:
            errors.append("lora.targets must name at least one module")
        if not 0 <= cfg.lora.dropout < 1:
            errors.append(f"lora.dropout must be in [0, 1), got {cfg.lora.dropout}")
    if cfg.export.merged and cfg.lora is not None and cfg.lora.qlora:
        errors.append("export.merged is not supported with QLoRA: merging into a 4-bit base "
                      "loses the update; train LoRA on the dense base to export merged weights")
    uses_zero3 = cfg.runtime.backend == "deepspeed" and cfg.zero.stage == 3
    if cfg.lora is not None and cfg.lora.qlora and uses_zero3:
        # DeepSpeed partitions Params4bit as plain tensors: the loss diverges and
        # save_checkpoint asserts (DESIGN.md, measured with deepspeed 0.19.8 / bnb 0.50.2).
        errors.append("QLoRA with ZeRO stage 3 does not work in current DeepSpeed / bitsandbytes; "
                      "use zero.stage 2 (or 1) for QLoRA")
    if cfg.lora is not None and cfg.lora.qlora and cfg.runtime.dtype == "bfloat16":
        errors.append("QLoRA here computes in float32; set runtime.dtype float32")
    if errors:
        raise ConfigError("invalid trainer config: " + "; ".join(errors))
    return cfg


def load_config(source: str | Path | dict[str, Any]) -> TrainConfig:
    """A JSON file path or a dict -> a validated TrainConfig (ConfigError on any problem)."""
    if isinstance(source, dict):
        raw = source
    else:
        path = Path(source)
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file {str(path)!r} does not exist") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"config file {str(path)!r} is not valid JSON: {exc}") from None
    try:
        cfg = msgspec.convert(raw, TrainConfig)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"invalid trainer config: {exc}") from None
    return validate(cfg)


def to_dict(cfg: TrainConfig) -> dict[str, Any]:
    return msgspec.to_builtins(cfg)
