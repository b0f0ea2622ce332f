"""Aborts free KV blocks: at once in the engine core, whatever state the request is in, and within
one step in the async engine (the step in flight when the abort arrives is the only one it waits
for), without touching the blocks a neighbour shares. Real default model, fp32."""

from __future__ import annotations

import asyncio
import logging
from contextlib import aclosing

import pytest

from engine.async_engine import AsyncEngine
from engine.config import CacheConfig, EngineConfig, SchedulerConfig
from engine.llm_engine import EngineStats, LLMEngine
from engine.load import load
from engine.protocol import GenerateRequest, SamplingParams

pytestmark = pytest.mark.slow

NUM_BLOCKS = 256
PROMPT = "Count from one to one thousand, one number per line: 1, 2, 3, 4, 5, 6, 7, 8,"


@pytest.fixture(scope="module")
def loaded():
    return load(EngineConfig(dtype="float32", cache=CacheConfig(num_blocks=NUM_BLOCKS)))


def config(budget: int = 512) -> EngineConfig:
    return EngineConfig(dtype="float32", cache=CacheConfig(num_blocks=NUM_BLOCKS),
                        scheduler=SchedulerConfig(max_num_batched_tokens=budget))


def request(loaded, request_id: str, max_tokens: int = 2000, prompt: str = PROMPT
            ) -> GenerateRequest:
    # Greedy with EOS ignored: nothing but the abort (or max_tokens) ends it.
    return GenerateRequest(request_id=request_id,
                           prompt_ids=tuple(loaded.tokenizer.encode(prompt)),
                           sampling=SamplingParams(temperature=0.0, max_tokens=max_tokens,
                                                   ignore_eos=True))


def used(stats: EngineStats) -> int:
    return stats.kv_blocks_total - stats.kv_blocks_free


# -- the core: abort frees at once, in every state --------------------------------------------


@pytest.mark.parametrize("state", ["waiting", "prefilling", "decoding"])
def test_core_abort_frees_every_block_without_a_step(loaded, state: str) -> None:
    # A 16-token budget: the prompt's prefill spans several steps, so "prefilling" is a state
    # the request really is in after one step.
    engine = LLMEngine(loaded.model, loaded.tokenizer, config(budget=16), NUM_BLOCKS,
                       loaded.max_model_len)
    engine.add_request(request(loaded, "r"))
    steps = {"waiting": 0, "prefilling": 1, "decoding": 8}[state]
    for _ in range(steps):
        outs = engine.step()
    prompt_len = len(loaded.tokenizer.encode(PROMPT))
    assert prompt_len > 16 * 2
    if state == "prefilling":
        assert outs == [] and 0 < used(engine.stats())
    if state == "decoding":
        assert outs and outs[0].completion_tokens >= 1
        assert used(engine.stats()) >= prompt_len // 16
    before = engine.steps
    final = engine.abort("r")
    assert final is not None and final.finished and final.finish_reason == "abort"
    stats = engine.stats()
    assert (stats.running, stats.waiting, used(stats)) == (0, 0, 0)
    assert engine.steps == before == stats.steps  # freed by the abort itself, not by a step
    assert not engine.has_work()
    assert engine.abort("r") is None  # a second abort finds nothing, frees nothing twice


def test_core_abort_keeps_the_blocks_a_neighbour_shares(loaded) -> None:
    engine = LLMEngine(loaded.model, loaded.tokenizer, config(), NUM_BLOCKS, loaded.max_model_len)
    engine.add_request(request(loaded, "a"))
    engine.step()  # a's prompt is computed and its full blocks cached
    engine.add_request(request(loaded, "b"))
    for _ in range(4):
        engine.step()
    b = engine.requests["b"].seq
    assert b.num_cached_tokens > 0  # b took a's prompt blocks from the prefix cache
    shared = set(engine.requests["a"].seq.block_ids) & set(b.block_ids)
    assert shared
    engine.abort("a")
    stats = engine.stats()
    assert stats.running == 1 and used(stats) == len(b.block_ids)
    assert all(engine.kv.pool.ref_counts[block] == 1 for block in shared)
    engine.abort("b")
    assert used(engine.stats()) == 0


# -- the async engine: freed within one step of the ask ---------------------------------------


class _Aborts(logging.Handler):
    """The engine's abort records: (request id, step asked after, step freed after)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, int, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("request ") and " aborted: " in record.getMessage():
            self.seen.append(record.args)  # type: ignore[arg-type]


@pytest.fixture
def aborts():
    handler, logger = _Aborts(), logging.getLogger("hanlin.engine")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


async def until(engine: AsyncEngine, done, since: int) -> EngineStats:  # noqa: ANN001
    """The engine's stats once `done(stats)`; fails if the engine runs 100 steps past `since`
    without getting there (a lost abort keeps stepping its request)."""
    while not done(stats := engine.stats()):
        assert stats.steps <= since + 100, f"not done after {stats.steps - since} steps"
        await asyncio.sleep(0.002)
    return stats


def test_async_abort_frees_the_blocks_within_one_step(loaded, aborts: _Aborts) -> None:
    async def main() -> None:
        engine = AsyncEngine(config(), loaded)
        try:
            async with aclosing(engine.generate(request(loaded, "gone"))) as outputs:
                got = 0
                async for out in outputs:
                    got += len(out.token_ids)
                    if got == 5:
                        held = engine.stats()
                        break
            # Leaving the `async with` closed the stream, which asked for the abort.
            asked_by_us = engine.stats().steps
            assert held.running == 1 and used(held) > 0
            stats = await until(engine, lambda s: s.running == 0 and used(s) == 0, asked_by_us)
            [(request_id, asked, freed)] = aborts.seen
            assert request_id == "gone"
            assert asked <= asked_by_us  # recorded when the stream closed, before we looked
            assert freed - asked <= 1, f"asked after step {asked}, freed after step {freed}"
            # Idle since: the published count is the step after which the blocks came back;
            # checked against our own look at the clock too, not only the engine's record.
            assert stats.steps == freed and stats.steps - asked_by_us <= 1
        finally:
            engine.shutdown()

    asyncio.run(main())


def test_async_abort_in_a_busy_engine_spares_the_neighbour(loaded, aborts: _Aborts) -> None:
    """The engine keeps stepping for the neighbour: the abort is applied at the first step
    boundary all the same, and the neighbour, which shares the aborted request's prompt blocks,
    generates exactly what it generates alone."""
    solo = LLMEngine(loaded.model, loaded.tokenizer, config(), NUM_BLOCKS, loaded.max_model_len)
    solo.add_request(request(loaded, "alone", max_tokens=40))
    expected: list[int] = []
    while solo.has_work():
        expected += [t for out in solo.step() for t in out.token_ids]

    async def main() -> None:
        engine = AsyncEngine(config(), loaded)
        try:
            stays: list[int] = []

            async def neighbour() -> None:
                async for out in engine.generate(request(loaded, "stays", max_tokens=40)):
                    stays.extend(out.token_ids)

            async with aclosing(engine.generate(request(loaded, "gone"))) as outputs:
                async for out in outputs:
                    if out.token_ids:
                        break  # its prompt blocks are cached: the neighbour will share them
                task = asyncio.ensure_future(neighbour())
                await until(engine, lambda s: s.running == 2, engine.stats().steps)
                for _ in range(3):
                    await anext(outputs)
            await until(engine, lambda s: s.running == 1, engine.stats().steps)
            [(request_id, asked, freed)] = aborts.seen
            assert request_id == "gone" and freed - asked <= 1, (asked, freed)
            await task
            assert stays == expected
            stats = engine.stats()
            assert (stats.running, used(stats)) == (0, 0)
        finally:
            engine.shutdown()

    asyncio.run(main())
