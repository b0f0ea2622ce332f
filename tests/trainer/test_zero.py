"""DeepSpeed ZeRO with 2 ranks on CPU (gloo), launched by `python -m trainer train` through
torchrun: per-step losses match a single-process plain-torch run (fp32, 1e-4), and a new launch
resumed from step k reproduces the steps after k."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.trainer.conftest import base_config, launch_trainer, read_events
from trainer.config import load_config
from trainer.loop import run

pytestmark = pytest.mark.train

# 6 packed rows; a step is 4 rows (2 ranks x 2 micro-steps, or 1 process x 4): 2 steps an epoch.
RANKS = {"runtime": {"backend": "deepspeed", "nproc": 2, "threads": 1},
         "schedule": {"grad_accum": 2}}
SINGLE = {"schedule": {"grad_accum": 4}}


def _reference(model: Path, data: Path, out: Path, **sections) -> list[dict]:
    run(load_config(base_config(model, data, out, **SINGLE, **sections)), distributed=False)
    return read_events(out)


def _assert_same_steps(got: list[dict], want: list[dict], tol: float) -> None:
    assert [s["step"] for s in got] == [s["step"] for s in want]
    for g, w in zip(got, want, strict=True):
        assert g["loss"] == pytest.approx(w["loss"], abs=tol), (g, w)
        assert g["grad_norm"] == pytest.approx(w["grad_norm"], rel=tol), (g, w)
        assert g["lr"] == pytest.approx(w["lr"], rel=1e-12)
        assert g["tokens"] == w["tokens"]


def test_zero2_matches_single_process_and_resumes_exactly(tiny_chat_model: Path, chat_file: Path,
                                                          tmp_path: Path) -> None:
    full_ft = {"lora": None}
    want = _reference(tiny_chat_model, chat_file, tmp_path / "ref", **full_ft)
    cfg = base_config(tiny_chat_model, chat_file, tmp_path / "z2", **RANKS, **full_ft,
                      zero={"stage": 2}, checkpoint={"every": 2})
    events = launch_trainer(cfg, tmp_path, "z2")
    steps = [e for e in events if e["event"] == "step"]
    assert events[0]["world_size"] == 2 and events[0]["zero_stage"] == 2
    assert len(steps) == 4 and steps[-1]["loss"] < steps[0]["loss"]
    _assert_same_steps(steps, want, 1e-4)

    # A new launch, in a new folder, resumed from the step-2 checkpoint.
    resumed = base_config(tiny_chat_model, chat_file, tmp_path / "z2-resumed", **RANKS, **full_ft,
                          zero={"stage": 2},
                          checkpoint={"resume": str(tmp_path / "z2/checkpoints/step-000002")})
    events = launch_trainer(resumed, tmp_path, "z2-resumed")
    assert events[0] == {**events[0], "event": "resumed", "step": 2}
    again = [e for e in events if e["event"] == "step"]
    assert [(s["loss"], s["grad_norm"]) for s in again] == \
        [(s["loss"], s["grad_norm"]) for s in steps[2:]]  # bit for bit


@pytest.mark.parametrize("lora", [None, {"dropout": 0.0}], ids=["full", "lora"])
def test_zero3_matches_single_process(tiny_chat_model: Path, chat_file: Path, tmp_path: Path,
                                      lora: dict | None) -> None:
    # Activation checkpointing on: ZeRO-3 must re-gather each layer in the recomputation.
    sections = {"lora": lora, "runtime": {"activation_checkpointing": True}}
    if lora is None:
        want = _reference(tiny_chat_model, chat_file, tmp_path / "ref", lora=None)
    else:
        cfg = base_config(tiny_chat_model, chat_file, tmp_path / "ref", **SINGLE, lora=lora)
        run(load_config(cfg), distributed=False)
        want = read_events(tmp_path / "ref")
    cfg = base_config(tiny_chat_model, chat_file, tmp_path / "z3", **RANKS, zero={"stage": 3},
                      export={"adapter": lora is not None})
    cfg["lora"] = None if lora is None else {**cfg["lora"], **lora}
    cfg["runtime"] = {**cfg["runtime"], **sections["runtime"]}
    events = launch_trainer(cfg, tmp_path, "z3")
    _assert_same_steps([e for e in events if e["event"] == "step"], want, 1e-4)
    if lora is not None:  # the adapter gathered from the shards is complete
        manifest = json.loads((tmp_path / "z3/adapter/manifest.json").read_text())
        assert manifest["rank"] == 4 and manifest["targets"] == ["q_proj", "v_proj"]
