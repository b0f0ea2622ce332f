"""The model pool on its own, with real engines of a tiny random Llama folder (what a full
fine-tune exports): a folder that fails to load is a 500 that leaves no slot taken; a caller
that gives up does not stop the load others wait on; a deleted model's engine stays up for the
request that holds it; nothing is loaded after the pool closed."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from engine.async_engine import EngineError
from engine.config import EngineConfig
from engine.protocol import GenerateRequest, SamplingParams
from server.errors import APIError
from server.model_pool import ModelPool, PoolSettings
from tests.trainer.conftest import chat_model_folder


@pytest.fixture(scope="module")
def folder(tiny_llama_factory: Callable[..., Path]) -> Path:
    return chat_model_folder(tiny_llama_factory, "pool", vocab_size=259)


@pytest.fixture
async def pool() -> AsyncIterator[ModelPool]:
    """One slot, a 1 MB KV budget each; closed after the test (closing twice is harmless)."""
    pool = ModelPool(EngineConfig(num_threads=1), PoolSettings(max_loaded=1, kv_cache_bytes=1 << 20))
    yield pool
    await pool.close()


async def test_a_folder_that_fails_to_load_is_a_500_and_frees_its_slot(
        pool: ModelPool, folder: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    (broken / "model.safetensors").write_bytes(b"not safetensors")
    await pool.sync({"broken": broken, "good": folder})
    for _ in range(2):  # the failure is not remembered: the next request tries again
        with pytest.raises(APIError) as failed:
            await pool.acquire("broken")
        assert (failed.value.status_code, failed.value.code) == (500, "model_load_failed")
        assert pool.loaded() == []
    lease = await pool.acquire("good")  # the one slot is free
    assert pool.loaded() == ["good"]
    lease.release()


async def test_a_caller_that_gives_up_does_not_stop_the_load(pool: ModelPool,
                                                             folder: Path) -> None:
    await pool.sync({"m": folder})
    gone = asyncio.ensure_future(pool.acquire("m"))
    await asyncio.sleep(0)  # its load has started
    waiting = asyncio.ensure_future(pool.acquire("m"))
    gone.cancel()
    lease = await waiting
    assert gone.cancelled() and pool.loaded() == ["m"]
    assert lease.entry.users == 1  # the cancelled caller let go
    lease.release()


async def test_a_deleted_model_stays_up_for_the_request_holding_it(pool: ModelPool,
                                                                   folder: Path) -> None:
    await pool.sync({"m": folder})
    lease = await pool.acquire("m")
    await pool.sync({})  # its job's model was deleted
    assert not pool.knows("m") and pool.loaded() == []
    assert [o.finished async for o in lease.engine.generate(_request())][-1]  # still up
    lease.release()  # the last holder: its engine is shut down
    await pool.close()  # (waits for that shutdown)
    with pytest.raises(EngineError):
        [o async for o in lease.engine.generate(_request())]
    await pool.sync({"m": folder})
    with pytest.raises(APIError) as closed:  # a closed pool loads nothing more
        await pool.acquire("m")
    assert (closed.value.status_code, closed.value.code) == (503, "shutting_down")


def _request() -> GenerateRequest:
    return GenerateRequest(request_id=uuid.uuid4().hex, prompt_ids=(104, 105),
                           sampling=SamplingParams(max_tokens=2, temperature=0.0))


async def test_the_memory_budget_unloads_the_least_recently_used(folder: Path,
                                                                 tmp_path: Path) -> None:
    """Room for two engines by count but one by bytes: the second load unloads the first; a
    model alone over the budget is a 503 that names the variable, and loads nothing."""
    config = EngineConfig(num_threads=1)
    probe = ModelPool(config, PoolSettings(kv_cache_bytes=1 << 20))
    await probe.sync({"m": folder})
    one = probe._plan(folder)[1]
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    pool = ModelPool(config, PoolSettings(max_loaded=2, memory_bytes=one + one // 2,
                                          kv_cache_bytes=1 << 20))
    try:
        await pool.sync({"a": folder, "b": other})
        (await pool.acquire("a")).release()
        assert pool.loaded() == ["a"]
        (await pool.acquire("b")).release()
        assert pool.loaded() == ["b"] and pool.engine("a") is None
        held = await pool.acquire("b")  # in use: nothing can make room for a
        with pytest.raises(APIError) as busy:
            await pool.acquire("a")
        assert (busy.value.status_code, busy.value.code) == (503, "model_slots_busy")
        held.release()
    finally:
        await pool.close()
    small = ModelPool(config, PoolSettings(memory_bytes=one - 1, kv_cache_bytes=1 << 20))
    await small.sync({"m": folder})
    with pytest.raises(APIError) as too_large:
        await small.acquire("m")
    assert (too_large.value.status_code, too_large.value.code) == (503, "model_too_large")
    assert "HANLIN_MODEL_MEMORY_GB" in too_large.value.detail and small.loaded() == []
    await small.close()
