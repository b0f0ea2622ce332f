"""The runnable trainer, single process: JSON-lines metrics from `python -m trainer train`, clear
failures on bad input, bit-exact resume, DPO, and the lr schedule."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.trainer.conftest import base_config, read_events
from trainer.cli import main
from trainer.config import OptimConfig, load_config
from trainer.loop import run
from trainer.optim import lr_factor

STEP_FIELDS = {"step", "loss", "token_accuracy", "grad_norm", "lr", "tokens", "tokens_per_s", "mfu"}


def test_cli_writes_metrics_checkpoints_and_adapter(tiny_chat_model: Path, chat_file: Path,
                                                    tmp_path: Path) -> None:
    out = tmp_path / "run"
    cfg = base_config(tiny_chat_model, chat_file, out, export={"adapter": True, "merged": True},
                      checkpoint={"every": 3}, schedule={"epochs": 3})
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps(cfg))
    proc = subprocess.run([sys.executable, "-m", "trainer", "train", "--config", str(config)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    events = [json.loads(line) for line in proc.stdout.splitlines()]  # stdout: JSON lines only
    steps = [e for e in events if e["event"] == "step"]
    assert len(steps) == 9 and STEP_FIELDS <= steps[0].keys()
    assert steps[-1]["loss"] < steps[0]["loss"] - 0.5
    assert all(0 <= s["token_accuracy"] <= 1 and s["grad_norm"] > 0 for s in steps)
    assert steps[0]["mfu"] is None  # CPU: no MFU
    assert [e["step"] for e in events if e["event"] == "checkpoint"] == [3, 6, 9]
    assert (out / "checkpoints" / "step-000003" / "adapter" / "manifest.json").exists()
    assert {e["kind"] for e in events if e["event"] == "export"} == {"adapter", "merged"}
    assert events[-1]["event"] == "done"
    assert read_events(out) == steps  # the same lines in OUTPUT_DIR/metrics.jsonl


@pytest.mark.parametrize("problem, message", [
    ("missing_file", "does not exist"),
    ("bad_line", "line 2: invalid JSON"),
    ("bad_config", "schedule.grad_accum must be > 0"),
    ("unknown_key", "unknown field"),
])
def test_bad_input_exits_nonzero_with_a_message(tiny_chat_model: Path, chat_file: Path,
                                                tmp_path: Path, capsys, problem: str,
                                                message: str) -> None:
    train_file = chat_file
    cfg = base_config(tiny_chat_model, train_file, tmp_path / "run")
    if problem == "missing_file":
        cfg["train_file"] = str(tmp_path / "nope.jsonl")
    elif problem == "bad_line":
        train_file.write_text(chat_file.read_text().splitlines()[0] + "\n{oops\n")
    elif problem == "bad_config":
        cfg["schedule"]["grad_accum"] = 0
    else:
        cfg["optim"]["learning_rate"] = 1.0
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps(cfg))
    assert main(["train", "--config", str(config)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert json.loads(captured.out.splitlines()[-1])["event"] == "error"


def _losses(out: Path) -> list[tuple[float, float]]:
    return [(e["loss"], e["grad_norm"]) for e in read_events(out)]


def test_resume_is_bit_exact(tiny_chat_model: Path, chat_file: Path, tmp_path: Path) -> None:
    # LoRA dropout on: the RNG state is part of what a resume must restore.
    common = dict(schedule={"epochs": 3}, lora={"dropout": 0.2})
    full = tmp_path / "full"
    run(load_config(base_config(tiny_chat_model, chat_file, full, **common,
                                checkpoint={"every": 4})), distributed=False)
    # A new run (another output folder) continues from the step-4 checkpoint.
    resumed = tmp_path / "resumed"
    cfg = base_config(tiny_chat_model, chat_file, resumed, **common,
                      checkpoint={"resume": str(full / "checkpoints" / "step-000004")})
    run(load_config(cfg), distributed=False)
    assert _losses(resumed) == _losses(full)[4:]  # bit for bit
    assert len(_losses(resumed)) == 5


def test_dpo_starts_at_log2_and_learns(tiny_chat_model: Path, pair_file: Path,
                                       tmp_path: Path) -> None:
    for lora in (None, {"r": 4}):
        out = tmp_path / f"dpo-{lora is None}"
        cfg = base_config(tiny_chat_model, pair_file, out, method="dpo",
                          schedule={"epochs": 4}, dpo={"beta": 0.5}, optim={"lr": 5e-3})
        cfg["lora"] = lora if lora is None else {**cfg["lora"], **lora, "dropout": 0.0}
        run(load_config(cfg), distributed=False)
        steps = read_events(out)
        # The policy starts equal to the frozen reference: every margin is 0, loss = log 2.
        assert steps[0]["loss"] == pytest.approx(math.log(2), abs=1e-5)
        assert steps[-1]["loss"] < steps[0]["loss"] - 0.05
        assert steps[-1]["reward_chosen"] > steps[-1]["reward_rejected"]


def test_lr_warmup_then_cosine() -> None:
    f = lr_factor(OptimConfig(lr=1.0, warmup_steps=2, min_lr_ratio=0.1), total_steps=6)
    values = [f(s) for s in range(6)]
    assert values[:3] == [0.5, 1.0, 1.0]
    assert values[-1] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(values[1:], values[2:], strict=False))


def test_launch_commands_and_deepspeed_config(tiny_chat_model: Path, chat_file: Path,
                                              tmp_path: Path) -> None:
    from trainer.launch import launch_command
    from trainer.zero import deepspeed_config, launch_env

    raw = base_config(tiny_chat_model, chat_file, tmp_path, runtime={
        "backend": "deepspeed", "nproc": 2, "launcher": "deepspeed", "cache_dir": str(tmp_path)},
        zero={"stage": 3, "stage3_prefetch_bucket_size": 1234, "overlap_comm": True})
    cfg = load_config(raw)
    command = launch_command(cfg, tmp_path / "c.json")
    # The DeepSpeed launcher would otherwise insert --local_rank before our subcommand.
    assert "--no_local_rank" in command
    assert command[-3:] == ["worker", "--config", str(tmp_path / "c.json")]
    torchrun = load_config({**raw, "runtime": {**raw["runtime"], "launcher": "torchrun"}})
    assert launch_command(torchrun, tmp_path / "c.json")[1:6] == [
        "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    ds = deepspeed_config(cfg)
    zero = ds["zero_optimization"]
    assert zero["stage"] == 3 and zero["overlap_comm"] and zero["contiguous_gradients"]
    assert zero["stage3_prefetch_bucket_size"] == 1234
    assert ds["gradient_accumulation_steps"] == 2 and ds["gradient_clipping"] == 1.0
    assert ds["zero_allow_untested_optimizer"] and not ds["bf16"]["enabled"]
    assert launch_env(cfg)["TORCH_EXTENSIONS_DIR"] == str(tmp_path / "torch_extensions")
