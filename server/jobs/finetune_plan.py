"""A fine-tuning request resolved: OpenAI's method and "auto" hyperparameters -> concrete values,
and those plus hanlin's extensions -> the trainer's config (`trainer.config.TrainConfig` as JSON)."""

from __future__ import annotations

import os
from typing import Any

import msgspec

from server.protocol_finetune import CreateJobRequest, HanlinOptions, Hyperparameters

BASE_LR = 2e-4  # the trainer's LoRA default; learning_rate_multiplier scales it
AUTO = {"n_epochs": 1, "batch_size": 1, "learning_rate_multiplier": 1.0, "beta": 0.1}
LIMITS = {"n_epochs": (1, 50), "batch_size": (1, 256), "learning_rate_multiplier": (1e-6, 100.0),
          "beta": (1e-6, 10.0)}


class PlanError(ValueError):
    """A request the trainer cannot run; `param` names the field as the client sent it."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


def resolve_method(spec: CreateJobRequest) -> dict[str, Any]:
    """OpenAI's method object with every "auto" replaced by the value the job will use."""
    if spec.method is not None and spec.hyperparameters is not None:
        raise PlanError("Give hyperparameters inside 'method', not at the top level as well.",
                        "hyperparameters")
    kind = spec.method.type if spec.method else "supervised"
    if spec.method is None:
        given, where = spec.hyperparameters, "hyperparameters"
    else:
        inner = spec.method.supervised if kind == "supervised" else spec.method.dpo
        given = inner.hyperparameters if inner else None
        where = f"method.{kind}.hyperparameters"
    raw = msgspec.to_builtins(given) if given else msgspec.to_builtins(Hyperparameters())
    if kind == "dpo":
        raw.setdefault("beta", "auto")
    resolved = {}
    for name, value in raw.items():
        value = AUTO[name] if value == "auto" else value
        low, high = LIMITS[name]
        if not low <= value <= high:
            raise PlanError(f"Invalid '{where}.{name}': {value} is outside [{low}, {high}].",
                            f"{where}.{name}")
        resolved[name] = value
    return {"type": kind, kind: {"hyperparameters": resolved}}


DEFAULT_SEQ_LEN = 1024


def check_bounds(options: HanlinOptions, *, cpus: int, context: int, hidden: int
                 ) -> HanlinOptions:
    """The options within what this machine and model allow (ranks and threads: the cores; the
    sequence: the model's context; a LoRA rank: its hidden size), the sequence length resolved;
    else a PlanError naming the field."""
    limits = (("nproc", options.nproc, cpus, "the machine's CPU cores"),
              ("threads", options.threads, cpus, "the machine's CPU cores"),
              ("seq_len", options.seq_len, context, "the model's context length"),
              ("lora_rank", options.lora_rank, hidden, "the model's hidden size"))
    for name, value, most, what in limits:
        if value is not None and value > most:
            raise PlanError(f"Invalid 'hanlin.{name}': {value} is more than {what} ({most}).",
                            f"hanlin.{name}")
    if options.seq_len is None:
        options = msgspec.structs.replace(options, seq_len=min(DEFAULT_SEQ_LEN, context))
    return options


def hyperparameters(method: dict[str, Any]) -> dict[str, Any]:
    return method[method["type"]]["hyperparameters"]


def max_ranks() -> int | None:
    """HANLIN_FINETUNE_MAX_RANKS: the most trainer ranks a job gets on this machine (unset: as many
    as it asks). Read at every (re)start, so a job restarted under a lower cap resumes on fewer
    ranks: the trainer converts its checkpoint (DeepSpeed's universal format)."""
    raw = os.environ.get("HANLIN_FINETUNE_MAX_RANKS")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"HANLIN_FINETUNE_MAX_RANKS must be a whole number >= 1, got {raw!r}")
    return int(raw)


def ranks_and_accum(nproc: int, batch_size: int, cap: int | None) -> tuple[int, int]:
    """(ranks, grad_accum) for a job that asked for nproc ranks: under a cap, the most ranks that
    still make the job's global batch (nproc x batch_size rows a step) exactly."""
    rows = nproc * batch_size
    ranks = max(r for r in range(1, min(nproc, cap or nproc) + 1) if rows % r == 0)
    return ranks, rows // ranks


def trainer_config(*, model: str, method: dict[str, Any], options: HanlinOptions, seed: int,
                   train_file: str, output_dir: str) -> dict[str, Any]:
    """The trainer's JSON config. Resume is always "latest": a fresh output folder starts at step
    0, and a job the server restarted continues from its last checkpoint (on another number of
    ranks too, when HANLIN_FINETUNE_MAX_RANKS changed in between)."""
    hp = hyperparameters(method)
    if options.lora_rank < 0:
        raise PlanError("Invalid 'hanlin.lora_rank': give a rank > 0, or 0 for full "
                        "fine-tuning.", "hanlin.lora_rank")
    lora = None
    if options.lora_rank > 0:
        lora = {"r": options.lora_rank, "alpha": options.lora_alpha or 2.0 * options.lora_rank,
                "qlora": options.qlora}
        if options.lora_targets is not None:
            lora["targets"] = options.lora_targets
    deepspeed = options.zero_stage is not None
    nproc, grad_accum = options.nproc, hp["batch_size"]
    if deepspeed and nproc >= 1:  # nproc < 1: the trainer's own check names the field
        nproc, grad_accum = ranks_and_accum(nproc, grad_accum, max_ranks())
    return {
        "model": model, "train_file": train_file, "output_dir": output_dir,
        "method": "sft" if method["type"] == "supervised" else "dpo", "seed": seed,
        "data": {"seq_len": options.seq_len or DEFAULT_SEQ_LEN},
        "optim": {"lr": BASE_LR * hp["learning_rate_multiplier"]},
        "schedule": {"epochs": hp["n_epochs"], "max_steps": options.max_steps,
                     "grad_accum": grad_accum},
        "lora": lora,
        "dpo": {"beta": hp.get("beta", AUTO["beta"])},
        "zero": {"stage": options.zero_stage if deepspeed else 2},
        "runtime": {"backend": "deepspeed" if deepspeed else "plain", "nproc": nproc,
                    "threads": options.threads},
        "checkpoint": {"every": options.checkpoint_every, "resume": "latest"},
        # Full fine-tuning has no adapter: its result is the merged weights.
        "export": {"adapter": lora is not None, "merged": lora is None},
    }


def check_trainer_config(raw: dict[str, Any]) -> None:
    """The trainer's own rules (e.g. QLoRA with ZeRO-3), at create time rather than as a failed
    job. trainer.config imports only msgspec: cheap enough for a request."""
    from trainer.config import ConfigError, load_config

    try:
        load_config(raw)
    except ConfigError as exc:
        text = str(exc)
        param = "hanlin.qlora" if "QLoRA" in text else "hanlin"
        raise PlanError(text.removeprefix("invalid trainer config: "), param) from None
