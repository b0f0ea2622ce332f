"""The fine-tuning store on SQLite and PostgreSQL (no HTTP): compare-and-set status moves, event
and checkpoint pages newest first; and the request -> trainer config plan, with its refusals."""

from __future__ import annotations

import msgspec
import pytest

from server.jobs.finetune_plan import (
    PlanError,
    check_trainer_config,
    resolve_method,
    trainer_config,
)
from server.protocol_finetune import CreateJobRequest, HanlinOptions
from server.state.db import Database
from server.state.finetune import ACTIVE, FineTuneStore, event_id
from tests.server.test_state import database_url, postgres_url  # noqa: F401 (fixtures)


@pytest.fixture
async def store(database_url: str):  # noqa: F811
    db = await Database.open(database_url)
    yield FineTuneStore(db)
    await db.close()


async def _job(store: FineTuneStore):  # noqa: ANN202
    return await store.create(model="m", training_file="file-1", validation_file=None,
                              suffix=None, seed=1, method={"type": "supervised"}, extensions={})


async def test_a_cancelled_job_is_never_moved_on_by_a_worker(store: FineTuneStore) -> None:
    job = await _job(store)
    assert job.status == "validating_files"
    assert await store.move(job.id, ("validating_files",), "queued", status="queued")
    assert await store.move(job.id, ACTIVE, "Fine-tuning job cancelled.", status="cancelled")
    # The worker's own move (queued -> running) and a failure both lose against the cancel.
    assert not await store.move(job.id, ("queued",), "started", status="running")
    assert not await store.fail(job.id, "training_failed", "boom")
    assert (await store.get(job.id)).status == "cancelled"
    assert await store.with_status("queued") == []


async def test_events_page_newest_first(store: FineTuneStore) -> None:
    job, other = await _job(store), await _job(store)
    for i in range(5):
        await store.add_event(job.id, f"step {i}", type="metrics", data={"step": i})
    await store.add_event(other.id, "not this job")
    first, more = await store.events(job.id, after=None, limit=3)
    assert more and [e.message for e in first] == ["step 4", "step 3", "step 2"]
    rest, more = await store.events(job.id, after=event_id(first[-1]), limit=10)
    assert not more
    assert [e.message for e in rest] == ["step 1", "step 0", f"Created fine-tuning job: {job.id}"]
    with pytest.raises(ValueError):
        await store.events(job.id, after="ftevent-x", limit=3)


async def test_checkpoints_page_by_step(store: FineTuneStore) -> None:
    job = await _job(store)
    for step in (1, 3, 2):
        await store.add_checkpoint(job.id, step=step, metrics={"step": step}, path=f"/c/{step}",
                                   adapter_path=None)
    page, more = await store.checkpoints(job.id, after=None, limit=2)
    assert more and [c.step for c in page] == [3, 2]
    page, more = await store.checkpoints(job.id, after=page[-1].id, limit=2)
    assert not more and [c.step for c in page] == [1]


def _request(**body) -> CreateJobRequest:  # noqa: ANN003
    return msgspec.convert({"model": "m", "training_file": "f"} | body, CreateJobRequest)


def test_auto_hyperparameters_resolve_and_reach_the_trainer_config() -> None:
    method = resolve_method(_request())
    assert method == {"type": "supervised", "supervised": {"hyperparameters": {
        "n_epochs": 1, "batch_size": 1, "learning_rate_multiplier": 1.0}}}
    dpo = resolve_method(_request(method={"type": "dpo", "dpo": {"hyperparameters": {
        "batch_size": 4, "learning_rate_multiplier": 0.5, "beta": 0.2}}}))
    raw = trainer_config(model="m", method=dpo, options=HanlinOptions(lora_rank=0, zero_stage=2),
                         seed=3, train_file="t", output_dir="o")
    assert raw["method"] == "dpo" and raw["dpo"] == {"beta": 0.2}
    assert raw["schedule"]["grad_accum"] == 4 and raw["optim"]["lr"] == pytest.approx(1e-4)
    assert raw["lora"] is None and raw["export"] == {"adapter": False, "merged": True}
    assert raw["runtime"]["backend"] == "deepspeed" and raw["zero"]["stage"] == 2
    assert raw["checkpoint"]["resume"] == "latest"
    check_trainer_config(raw)


def test_qlora_with_zero3_is_refused_with_its_param() -> None:
    raw = trainer_config(model="m", method=resolve_method(_request()),
                         options=HanlinOptions(qlora=True, zero_stage=3), seed=0,
                         train_file="t", output_dir="o")
    with pytest.raises(PlanError) as err:
        check_trainer_config(raw)
    assert err.value.param == "hanlin.qlora" and "ZeRO stage 3" in str(err.value)
