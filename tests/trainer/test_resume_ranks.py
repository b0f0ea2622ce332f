"""Resume on another rank count: a DeepSpeed run saved at step 2 by 2 ranks continues on 1 (ZeRO-3,
full fine-tuning: two param groups), or saved by 1 continues on 2 (ZeRO-2, LoRA), the way the
server resumes a job (`resume: "latest"` in its output folder). DeepSpeed's universal checkpoint
carries the Adam moments and schedule, so the steps after the resume match the uninterrupted run
(fp32, 1e-5; zeroing the moments moves step 4's loss by ~3e-2). Without a launch: the resume
plans and refusals, and the server's rank cap (HANLIN_FINETUNE_MAX_RANKS) that changes a job's
ranks between restarts.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.trainer.conftest import base_config, launch_trainer
from trainer.checkpoints import Manifest, ResumeError, plan_resume, write_manifest
from trainer.config import load_config
from trainer.loop import run

pytestmark = pytest.mark.train

# 6 packed rows, a step takes 4 (2 ranks x 2 micro-steps, or 1 rank x 4): 2 steps an epoch.
TWO = {"backend": "deepspeed", "nproc": 2, "threads": 1}
ONE = {"backend": "deepspeed", "nproc": 1, "threads": 1}
LORA = {"r": 4, "alpha": 8, "targets": ["q_proj", "v_proj"], "dropout": 0.0}
TOL = 1e-5


def _steps(events: list[dict]) -> dict[int, dict]:
    return {e["step"]: e for e in events if e["event"] == "step"}


@pytest.mark.parametrize(("stage", "lora", "before", "after"),
                         [(3, None, TWO, ONE), (2, LORA, ONE, TWO)],
                         ids=["zero3-full-2to1", "zero2-lora-1to2"])
def test_resume_on_another_rank_count_continues_the_run(
        tiny_chat_model: Path, chat_file: Path, tmp_path: Path, stage: int, lora: dict | None,
        before: dict, after: dict) -> None:
    def config(name: str, runtime: dict, grad_accum: int, **checkpoint) -> dict:
        cfg = base_config(tiny_chat_model, chat_file, tmp_path / name, runtime=runtime,
                          zero={"stage": stage}, schedule={"epochs": 3, "grad_accum": grad_accum},
                          checkpoint={"every": 2, **checkpoint})
        cfg["lora"] = lora
        return cfg

    want = _steps(launch_trainer(config("first", before, 4 // before["nproc"]), tmp_path, "first"))
    assert sorted(want) == [1, 2, 3, 4, 5, 6]
    saved = tmp_path / "first/checkpoints/step-000002"
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest | {"world_size": before["nproc"], "rows_per_step": 4, "step": 2} == manifest

    # The job's folder after a restart with another rank count: its checkpoints and `latest`.
    shutil.copytree(saved, tmp_path / "again/checkpoints/step-000002")
    (tmp_path / "again/checkpoints/latest").write_text("step-000002")
    # grad_accum 2 whatever the ranks: the trainer keeps the checkpoint's global batch itself.
    events = launch_trainer(config("again", after, 2, resume="latest"), tmp_path, "again")
    resumed = events[0]
    assert resumed["event"] == "resumed" and resumed["step"] == 2 and resumed["universal"]
    assert (resumed["saved_world_size"], resumed["world_size"]) == (before["nproc"],
                                                                   after["nproc"])
    assert resumed["grad_accum"] == 4 // after["nproc"]
    assert (tmp_path / "again/checkpoints/step-000002/universal/zero").is_dir()
    got = _steps(events)
    assert sorted(got) == [3, 4, 5, 6]
    for step, g in got.items():
        w = want[step]
        assert g["loss"] == pytest.approx(w["loss"], abs=TOL), (g, w)
        assert g["grad_norm"] == pytest.approx(w["grad_norm"], rel=TOL), (g, w)
        assert g["lr"] == pytest.approx(w["lr"], rel=1e-12)
        assert g["tokens"] == w["tokens"]
    manifest = json.loads((tmp_path / "again/checkpoints/step-000004/manifest.json").read_text())
    assert (manifest["world_size"], manifest["rows_per_step"]) == (after["nproc"], 4)


def _saved(folder: Path, **fields) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    base = dict(step=2, backend="deepspeed", world_size=2, zero_stage=2, micro_batch_size=1,
                grad_accum=2, rows_per_step=4, lora=True)
    write_manifest(folder, Manifest(**(base | fields)))
    return folder


def _cfg(tiny_chat_model: Path, chat_file: Path, tmp_path: Path, **sections):
    sections.setdefault("runtime", TWO)
    sections.setdefault("zero", {"stage": 2})
    return load_config(base_config(tiny_chat_model, chat_file, tmp_path / "run", **sections))


def test_resume_plans(tiny_chat_model: Path, chat_file: Path, tmp_path: Path) -> None:
    folder = _saved(tmp_path / "ck" / "step-000002")
    cfg = _cfg(tiny_chat_model, chat_file, tmp_path)
    same, resume = plan_resume(cfg, folder, 2)
    assert same is cfg and not resume.universal
    # 4 ranks take the same 4 rows a step with 1 micro-step each; 1 rank with 4.
    four, resume = plan_resume(cfg, folder, 4)
    assert four.schedule.grad_accum == 1 and resume.universal and resume.saved_world_size == 2
    one, _ = plan_resume(cfg, folder, 1)
    assert one.schedule.grad_accum == 4
    # The same ranks with another grad_accum: still the checkpoint's batch (the same data order).
    assert plan_resume(_cfg(tiny_chat_model, chat_file, tmp_path, schedule={"grad_accum": 8}),
                       folder, 2)[0].schedule.grad_accum == 2
    # ZeRO stage 0 replicates the optimizer state: new ranks (and RNG streams), no conversion.
    stage0 = _saved(tmp_path / "ck0" / "step-000002", zero_stage=0)
    _, resume = plan_resume(_cfg(tiny_chat_model, chat_file, tmp_path, zero={"stage": 0}),
                            stage0, 1)
    assert resume.new_ranks and not resume.universal


@pytest.mark.parametrize(("problem", "message"), [
    ("ranks", "global batch of 4 rows"),
    ("stage", "ZeRO stage 2"),
    ("backend", "backend 'deepspeed'"),
    ("no_manifest", "resume it with 2 ranks"),
])
def test_resumes_that_cannot_continue_the_run_are_refused(
        tiny_chat_model: Path, chat_file: Path, tmp_path: Path, problem: str,
        message: str) -> None:
    folder = _saved(tmp_path / "ck" / "step-000002")
    cfg, world = _cfg(tiny_chat_model, chat_file, tmp_path), 2
    if problem == "ranks":
        world = 3  # 3 ranks x 1 row cannot make a 4-row step
    elif problem == "stage":
        cfg = _cfg(tiny_chat_model, chat_file, tmp_path, zero={"stage": 3})
    elif problem == "backend":  # through run(): refused before the model is even loaded
        cfg = _cfg(tiny_chat_model, chat_file, tmp_path, runtime={"backend": "plain",
                                                                   "nproc": 1},
                   checkpoint={"resume": str(folder)})
        with pytest.raises(ResumeError, match=message):
            run(cfg, distributed=False)
        return
    else:  # written before manifests: the ranks are read from the optimizer shards
        (folder / "manifest.json").unlink()
        for rank in range(2):
            (folder / f"zero_pp_rank_{rank}_mp_rank_00_optim_states.pt").touch()
        assert plan_resume(cfg, folder, 2)[1].saved_world_size == 2
        world = 1
    with pytest.raises(ResumeError, match=message):
        plan_resume(cfg, folder, world)


def test_the_servers_rank_cap_keeps_a_jobs_global_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """HANLIN_FINETUNE_MAX_RANKS, read at each (re)start of a job: under a lower cap the job runs
    (and resumes, converted) on fewer ranks with the same rows a step."""
    from server.jobs.finetune_plan import ranks_and_accum, trainer_config
    from server.protocol_finetune import HanlinOptions

    assert ranks_and_accum(2, 1, None) == (2, 1)
    assert ranks_and_accum(2, 1, 1) == (1, 2)
    assert ranks_and_accum(4, 1, 3) == (2, 2)  # 3 ranks cannot split 4 rows evenly
    method = {"type": "supervised", "supervised": {"hyperparameters": {
        "n_epochs": 1, "batch_size": 2, "learning_rate_multiplier": 1.0}}}

    def plan(**options) -> dict:
        return trainer_config(model="m", method=method, options=HanlinOptions(**options), seed=0,
                              train_file="t", output_dir="o")

    raw = plan(zero_stage=2, nproc=2)
    assert (raw["runtime"]["nproc"], raw["schedule"]["grad_accum"]) == (2, 2)
    monkeypatch.setenv("HANLIN_FINETUNE_MAX_RANKS", "1")
    raw = plan(zero_stage=2, nproc=2)
    assert (raw["runtime"]["nproc"], raw["schedule"]["grad_accum"]) == (1, 4)
    assert plan()["runtime"] == {"backend": "plain", "nproc": 1, "threads": None}
    monkeypatch.setenv("HANLIN_FINETUNE_MAX_RANKS", "0")
    with pytest.raises(ValueError, match="HANLIN_FINETUNE_MAX_RANKS"):
        plan(zero_stage=2, nproc=2)
