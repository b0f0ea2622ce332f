"""One training run, as every rank executes it: data -> plan -> module -> steps -> checkpoints ->
exports. The same collectives run on every rank in the same order (short steps use dummies)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from trainer.checkpoints import plan_resume
from trainer.config import TrainConfig
from trainer.data import Encoded, encode_dpo, encode_sft
from trainer.export import write_adapter, write_merged
from trainer.metrics import Emitter, flops_per_token, peak_tflops
from trainer.model import TrainModule, apply_lora, load_base
from trainer.packing import StepPlan, collate, pack_rows
from trainer.runners import DeepSpeedRunner, PlainRunner

TAG = "step-{:06d}"


@dataclass(frozen=True)
class Prepared:
    units: tuple
    plan: StepPlan
    row_len: int
    total_steps: int


def prepare_data(cfg: TrainConfig, tokenizer, world_size: int) -> tuple[Prepared, Encoded]:
    encode = encode_sft if cfg.method == "sft" else encode_dpo
    encoded = encode(tokenizer, cfg.train_file, cfg.data.seq_len, cfg.data.max_samples)
    units = encoded.units
    if cfg.data.shuffle:  # shuffled before packing so rows mix samples from the whole file
        order = torch.randperm(len(units), generator=torch.Generator().manual_seed(cfg.seed))
        units = tuple(units[i] for i in order.tolist())
    row_len = cfg.data.seq_len * (2 if cfg.method == "dpo" else 1)  # a DPO row holds a pair
    rows = pack_rows(units, row_len, cfg.data.pack)
    plan = StepPlan(rows=tuple(rows), world_size=world_size,
                    micro_batch_size=cfg.schedule.micro_batch_size,
                    grad_accum=cfg.schedule.grad_accum, shuffle=cfg.data.shuffle, seed=cfg.seed)
    total = cfg.schedule.max_steps or cfg.schedule.epochs * plan.steps_per_epoch
    return Prepared(units, plan, row_len, total), encoded


def _resume_folder(cfg: TrainConfig, root: Path) -> Path | None:
    spec = cfg.checkpoint.resume
    if spec is None:
        return None
    if spec == "latest":
        latest = root / "latest"
        if not latest.exists():
            return None  # nothing saved yet: a fresh start
        return root / latest.read_text().strip()
    folder = Path(spec)
    if not folder.is_dir():
        raise FileNotFoundError(f"checkpoint.resume: {spec!r} is not a checkpoint folder")
    return folder


def run(cfg: TrainConfig, *, distributed: bool, emitter: Emitter | None = None) -> None:
    rank, world = 0, 1
    if distributed:
        from trainer.zero import init_distributed

        rank, world = init_distributed()
    if cfg.runtime.threads:
        torch.set_num_threads(cfg.runtime.threads)
    out = Path(cfg.output_dir)
    emit = emitter or Emitter(out, rank)
    root = out / "checkpoints"
    resume = None
    if (folder := _resume_folder(cfg, root)) is not None:
        # Before anything is built: another rank count may change grad_accum (same global batch).
        cfg, resume = plan_resume(cfg, folder, world)
    torch.manual_seed(cfg.seed)
    base_path, lm, tokenizer = load_base(cfg.model)
    prepared, encoded = prepare_data(cfg, tokenizer, world)
    net = apply_lora(lm, cfg.lora, cfg.seed) if cfg.lora is not None else lm
    module = TrainModule(net, activation_checkpointing=cfg.runtime.activation_checkpointing,
                         method=cfg.method, beta=cfg.dpo.beta)
    runner = (DeepSpeedRunner if distributed else PlainRunner)(module, cfg, prepared.total_steps,
                                                               resume)
    start = 0
    if resume is not None:
        start = runner.load(resume.folder)
        emit.emit("resumed", step=start, checkpoint=str(resume.folder),
                  saved_world_size=resume.saved_world_size, world_size=world,
                  universal=resume.universal, grad_accum=cfg.schedule.grad_accum)
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    emit.emit("start", method=cfg.method, world_size=world, total_steps=prepared.total_steps,
              samples=len(prepared.units), rows=len(prepared.plan.rows),
              truncated=encoded.truncated, skipped=encoded.skipped,
              trainable_params=trainable, zero_stage=cfg.zero.stage if distributed else None)
    all_params = sum(p.numel() for p in lm.parameters())
    peak = peak_tflops(cfg.runtime.peak_tflops)
    flops = flops_per_token(all_params, lm.config.num_layers, lm.config.hidden_size,
                            cfg.data.seq_len)
    for step in range(start, prepared.total_steps):
        _train_step(cfg, prepared, runner, module, step, rank, emit, flops, peak, world)
        done = step + 1
        every = cfg.checkpoint.every
        if (every and done % every == 0) or (done == prepared.total_steps
                                             and cfg.checkpoint.save_final):
            _checkpoint(cfg, runner, module, root, done, base_path, tokenizer, emit, rank)
    _export(cfg, runner, module, out, prepared.total_steps, base_path, tokenizer, emit, rank)
    emit.emit("done", step=prepared.total_steps, output_dir=str(out))
    if distributed:
        # Leave together and tear the group down: a rank that exits with gloo's threads still
        # up aborts ("terminate called without an active exception"), failing the launch.
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()


def _train_step(cfg, prepared: Prepared, runner, module: TrainModule, step: int, rank: int,
                emit: Emitter, flops: float, peak: float | None, world: int) -> None:
    started = time.perf_counter()
    rows = prepared.plan.step_rows(step)
    units = prepared.units
    if cfg.method == "sft":
        count = sum(units[u][0].num_targets for row in rows for u in row)
    else:
        count = sum(len(row) for row in rows)  # pairs
    scale = 1.0 / max(1, count)  # the step's loss is a mean over all ranks' targets (or pairs)
    totals = torch.zeros(6, dtype=torch.float64)
    module.train()
    lr = runner.lr()  # before the micro-steps: DeepSpeed advances the schedule inside the last
    for micro in range(cfg.schedule.grad_accum):
        batch = collate(units, prepared.plan.micro_rows(step, rank, micro),
                        row_len=prepared.row_len, pad_rows=cfg.data.pack)
        stats = runner.micro(batch, scale)
        totals += torch.tensor([
            stats.loss.item(), stats.correct.item(), stats.targets.item(), batch.num_tokens,
            0.0 if stats.chosen_rewards is None else stats.chosen_rewards.item(),
            0.0 if stats.rejected_rewards is None else stats.rejected_rewards.item()],
            dtype=torch.float64)
    grad_norm = runner.step()
    totals = runner.all_reduce(totals)
    elapsed = time.perf_counter() - started
    loss, correct, targets, tokens, chosen, rejected = totals.tolist()
    tokens_per_s = tokens / elapsed
    fields = dict(step=step + 1, loss=loss / max(1, count),
                  token_accuracy=correct / max(1.0, targets), grad_norm=grad_norm, lr=lr,
                  tokens=int(tokens), tokens_per_s=tokens_per_s, step_time_s=elapsed,
                  mfu=(flops * tokens_per_s / world / (peak * 1e12)) if peak else None)
    if cfg.method == "dpo":
        fields |= dict(reward_chosen=chosen / max(1, count),
                       reward_rejected=rejected / max(1, count))
    emit.emit("step", **fields)


def _adapter_extra(cfg: TrainConfig, step: int) -> dict:
    return {"step": step, "method": cfg.method, "qlora": bool(cfg.lora and cfg.lora.qlora),
            "dropout": cfg.lora.dropout if cfg.lora else None}


def _checkpoint(cfg, runner, module: TrainModule, root: Path, step: int, base_path: Path,
                tokenizer, emit: Emitter, rank: int) -> None:
    """Save the training state; with it what serves the step: the adapter (LoRA), or merged
    weights when the run exports them (a full fine-tune), so each checkpoint is a model."""
    folder = runner.save(root, TAG.format(step), step)
    adapter = merged = None
    if module.is_lora:
        state = runner.trainable_state()  # a collective under ZeRO-3: every rank calls it
        if rank == 0:
            adapter = write_adapter(folder / "adapter", state, module.net, base_path,
                                    _adapter_extra(cfg, step))
    elif cfg.export.merged:
        net = _trained_net(cfg, runner, module, rank)
        if rank == 0:
            merged = write_merged(folder / "merged", net, net.config, base_path, tokenizer)
    emit.emit("checkpoint", step=step, path=str(folder),
              adapter=str(adapter) if adapter else None, merged=str(merged) if merged else None)


def _trained_net(cfg, runner, module: TrainModule, rank: int,
                 state: dict | None = None) -> nn.Module | None:
    """The trained model to export from on rank 0, None on the others; every rank calls it.
    The plain runner's live model is it. DeepSpeed owns (and under ZeRO-3 shards) the live
    weights: every rank gathers them (a collective, unless `state` already holds them) and rank
    0 puts them into a fresh copy of the base."""
    if not isinstance(runner, DeepSpeedRunner):
        return module.net
    state = runner.trainable_state() if state is None else state
    if rank != 0:
        return None
    _, lm, _ = load_base(cfg.model)
    net = apply_lora(lm, cfg.lora, cfg.seed) if cfg.lora is not None else lm
    params = {n: p for n, p in net.named_parameters() if p.requires_grad}
    with torch.no_grad():
        for name, value in state.items():
            params[name].copy_(value)
    return net


def _export(cfg, runner, module: TrainModule, out: Path, step: int, base_path: Path, tokenizer,
            emit: Emitter, rank: int) -> None:
    if not (cfg.export.adapter and module.is_lora) and not cfg.export.merged:
        return
    # Collectives under ZeRO-3: every rank calls both. The adapter needs the LoRA weights.
    state = runner.trainable_state() if module.is_lora else None
    net = _trained_net(cfg, runner, module, rank, state)
    if rank != 0:
        return
    if cfg.export.adapter and module.is_lora:
        path = write_adapter(out / "adapter", state, net, base_path, _adapter_extra(cfg, step))
        emit.emit("export", kind="adapter", path=str(path))
    if cfg.export.merged:
        lm = net.base_model.model if module.is_lora else net
        path = write_merged(out / "merged", net, lm.config, base_path, tokenizer)
        emit.emit("export", kind="merged", path=str(path))
