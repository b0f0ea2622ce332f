"""Blocks that slide out of the attention window go back to the pool (every layer sliding, as in
Mistral): the scheduler and KV manager with synthetic requests and no model, then a tiny random
Mistral checkpoint whose long greedy generation in a cache too small to hold it matches
transformers'."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from engine.block_pool import NULL_BLOCK
from engine.config import CacheConfig, EngineConfig, SchedulerConfig
from engine.kv_cache_manager import KVCacheManager, block_hash, freeable_window
from engine.protocol import GenerateRequest, SamplingParams
from engine.scheduler import Scheduler
from engine.sequence import Sequence

WINDOW, BS = 6, 4  # the tiny Mistral's window; a query at p sees keys p - 5 .. p


def make(num_blocks=5, budget=32, window: int | None = WINDOW, prefix=True) -> Scheduler:
    kv = KVCacheManager(num_blocks, BS, prefix, window)
    return Scheduler(SchedulerConfig(max_num_batched_tokens=budget, max_num_seqs=4), kv)


def run_step(s: Scheduler, next_token=7):
    """What the engine does after a forward pass; checks first that every key this step's
    queries can see sits in a real block, and that every null slot lies behind the window."""
    batch = s.schedule()
    for q, n in batch.items if s.kv.sliding_window else ():
        c = q.num_computed_tokens
        first_seen = max(0, c - WINDOW + 1)  # the earliest key the step's first query sees
        assert len(q.block_ids) * BS >= c + n
        for i, b in enumerate(q.block_ids):
            if b == NULL_BLOCK:
                assert (i + 1) * BS <= first_seen, (i, c)
            else:
                assert s.kv.pool.ref_counts[b] > 0
    for q, n in batch.items:
        q.num_computed_tokens += n
        s.kv.cache_full_blocks(q)
        if q.num_computed_tokens == q.num_tokens:
            q.token_ids.append(next_token + q.num_tokens)
    return batch


def test_only_a_model_whose_every_layer_slides_frees_blocks():
    assert freeable_window([6, 6, 6]) == 6  # Mistral
    assert freeable_window([6, None, 6, None]) is None  # Gemma 2/3: one table, global layers
    assert freeable_window([None, None]) is None
    assert freeable_window([]) is None


def test_a_block_is_freed_once_the_next_query_no_longer_sees_it():
    """Window 6, blocks of 4: the query at 8 sees keys 3..8 (block 0 still), the one at 9 sees
    4..9 — block 0 goes then, not a step earlier."""
    kv = KVCacheManager(8, BS, sliding_window=WINDOW)
    a = Sequence("a", list(range(8)))
    assert kv.allocate(a, 8)
    a.num_computed_tokens = 8
    kv.cache_full_blocks(a)
    a.token_ids.append(8)
    assert kv.allocate(a, 1) and NULL_BLOCK not in a.block_ids
    a.num_computed_tokens = 9
    a.token_ids.append(9)
    first = a.block_ids[0]
    assert kv.allocate(a, 1)
    assert a.block_ids[0] == NULL_BLOCK and kv.pool.ref_counts[first] == 0
    assert kv.pool.lookup(a.block_hashes[0]) == first  # its KV is still that prefix's
    kv.free(a)
    assert kv.num_free_blocks == kv.pool.capacity == 7


def test_a_long_generation_holds_a_window_of_blocks_in_a_pool_smaller_than_it():
    """100 tokens (25 blocks) in a pool of 4: never more than (window - 1) // 4 + 2 blocks while
    decoding, no preemption; without the window the same request cannot run."""
    s = make(num_blocks=5)  # 4 to hand out, the null block besides
    a = Sequence("a", list(range(3)))
    s.add(a)
    held = []
    while a.num_tokens < 100:
        batch = run_step(s)
        assert not batch.preempted
        held.append(len(s.kv.held_blocks(a)))
    assert max(held) <= (WINDOW - 1) // BS + 2 == 3
    assert len(a.block_ids) == 25 and s.kv.num_free_blocks == 4 - held[-1]
    s.finish(a, "length")
    assert s.kv.num_free_blocks == s.kv.pool.capacity

    full = make(num_blocks=5, window=None)
    b = Sequence("b", list(range(3)))
    full.add(b)
    for _ in range(30):
        run_step(full)
    assert b.num_tokens == 21 and b.block_ids == []  # 5 blocks full: preempted, cannot restart


def test_chunked_prefill_keeps_each_chunks_window():
    """A 30-token prompt in chunks of 8 and of 3: every chunk's first query still sees its whole
    window (checked in run_step), and only then do the blocks behind it go."""
    for budget in (8, 3):
        s = make(num_blocks=6, budget=budget)
        a = Sequence("a", list(range(100, 130)))
        s.add(a)
        while a.num_output_tokens < 10:
            assert not run_step(s).preempted
            assert len(s.kv.held_blocks(a)) <= (budget + WINDOW - 2) // BS + 2
        assert a.block_ids.count(NULL_BLOCK) == 8


def test_many_windowed_requests_share_a_small_pool():
    s = make(num_blocks=13, budget=16)
    seqs = [Sequence(str(i), list(range(10 * i, 10 * i + 9))) for i in range(4)]
    for q in seqs:
        s.add(q)
    for _ in range(60):
        assert not run_step(s).preempted
    assert all(q.num_output_tokens > 40 for q in seqs)
    for q in seqs:
        s.finish(q, "stop")
    assert s.kv.num_free_blocks == 12 and all(r == 0 for r in s.kv.pool.ref_counts)


def _prefill(kv: KVCacheManager, seq: Sequence) -> None:
    assert kv.allocate(seq, seq.num_tokens)
    seq.num_computed_tokens = seq.num_tokens
    kv.cache_full_blocks(seq)


def _evict_all_but(kv: KVCacheManager, keep: list[int]) -> None:
    """Every free block but `keep` handed out and back: their cached prefixes are gone."""
    kv.pool.touch(keep)
    kv.pool.free(kv.pool.allocate(kv.num_free_blocks) or [])
    kv.pool.free(keep)


def test_prefix_hit_needs_only_the_blocks_in_the_window():
    """Blocks a finished request leaves cached are reused; of a hit, only the blocks that the
    next query's window reaches must still be cached, and only those are taken."""
    kv = KVCacheManager(16, BS, sliding_window=WINDOW)
    a = Sequence("a", list(range(25)))
    _prefill(kv, a)
    blocks, hashes = list(a.block_ids), list(a.block_hashes)
    kv.free(a)
    _evict_all_but(kv, blocks[4:])  # the oldest blocks' ids handed out again: the hit stands
    assert kv.pool.lookup(hashes[0]) is None
    b = Sequence("b", list(range(25)) + [99])
    hits = kv.computed_blocks(b)
    # 6 full blocks; the query at 24 sees 19..24: blocks 4 and 5 (ceil(5 / 4) = 2 of them).
    assert hits == [NULL_BLOCK] * 4 + blocks[4:6]
    assert kv.allocate(b, 2, hits)
    assert b.block_ids[:6] == hits and kv.pool.ref_counts[blocks[4]] == 1
    assert b.block_hashes == hashes[:6]


def test_a_hole_in_the_window_shortens_the_hit():
    """A block evicted inside the window the hit would need: the hit ends before it, where
    the window's blocks are whole again, or at a run of cached blocks from the start."""
    kv = KVCacheManager(16, BS, sliding_window=WINDOW)
    a = Sequence("a", list(range(25)))
    _prefill(kv, a)
    blocks = list(a.block_ids)
    kv.free(a)
    b = Sequence("b", list(range(25)))
    _evict_all_but(kv, blocks[:4] + blocks[5:])  # block 4 gone; the query at 24 needed it
    assert kv.computed_blocks(b) == [NULL_BLOCK] * 2 + blocks[2:4]  # 16 tokens: sees 11..16
    _evict_all_but(kv, blocks[:2] + blocks[3:4] + blocks[5:])
    assert kv.computed_blocks(b) == blocks[:2]  # fewer than a window from the start: a hit
    _evict_all_but(kv, blocks[1:2] + blocks[3:4] + blocks[5:])
    assert kv.computed_blocks(b) == []  # blocks 1, 3, 5 alone: each lacks its window


def test_a_preempted_windowed_request_gives_back_what_it_holds():
    s = make(num_blocks=5, budget=64)
    a, b = Sequence("a", list(range(7))), Sequence("b", list(range(50, 57)))
    s.add(a)
    s.add(b)
    run_step(s)
    run_step(s)
    assert s.kv.num_free_blocks == 0
    batch = run_step(s)  # a's 9th token needs a third block; b's window frees none yet
    assert [q.request_id for q in batch.preempted] == ["b"]
    assert b.block_ids == [] and all(s.kv.pool.ref_counts[x] == 1 for x in s.kv.held_blocks(a))
    for _ in range(20):
        run_step(s)
    assert a.block_ids.count(NULL_BLOCK) > 0 and s.kv.pool.ref_counts[NULL_BLOCK] == 0


# -- a tiny random Mistral, end to end ----------------------------------------------------------


@pytest.fixture(scope="module")
def mistral(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.families import build_family

    return build_family("mistral", tmp_path_factory.mktemp("mistral"))


@pytest.fixture(scope="module")
def tokenizer(model_default_gguf: Path):
    """Any tokenizer holding the tiny vocabulary's 320 ids: the engine detokenizes as it goes."""
    from engine.tokenizer import Tokenizer

    return Tokenizer.from_gguf(model_default_gguf)


def _engine(folder: Path, tokenizer, num_blocks: int, kv: str = "float32", free: bool = True):
    from engine.llm_engine import LLMEngine
    from engine.loaders import load_checkpoint

    config, model = load_checkpoint(folder, torch.float32)
    assert all(config.window(i) == WINDOW for i in range(config.num_layers))
    engine_config = EngineConfig(
        dtype="float32", cache=CacheConfig(num_blocks=num_blocks, block_size=BS, dtype=kv),
        scheduler=SchedulerConfig(max_num_batched_tokens=8, max_num_seqs=4))
    engine = LLMEngine(model, tokenizer, engine_config, num_blocks, 64)
    if not free:  # the reference: the same engine keeping every block of every sequence
        engine.kv = engine.scheduler.kv = KVCacheManager(num_blocks, BS)
    return engine


def _run(engine, prompt: list[int], n: int, rid: str = "a") -> tuple[list[int], int, int]:
    """Greedy tokens, cached prompt tokens, and the most blocks in use at any step."""
    engine.add_request(GenerateRequest(request_id=rid, prompt_ids=tuple(prompt), sampling=(
        SamplingParams(max_tokens=n, temperature=0.0, ignore_eos=True))))
    tokens, cached, peak = [], 0, 0
    for _ in range(200):  # bounded: a request the cache cannot hold would wait forever
        if not engine.has_work():
            break
        for o in engine.step():
            tokens.extend(o.token_ids)
            cached = o.cached_tokens
        stats = engine.stats()
        peak = max(peak, stats.kv_blocks_total - stats.kv_blocks_free)
    return tokens, cached, peak


def test_mistral_generation_past_the_window_in_a_small_cache_matches_transformers(
        mistral, tokenizer) -> None:
    """20 prompt tokens (prefilled in chunks of 8) and 40 greedy ones: 15 blocks of 4 without
    freeing, in a cache of 4 (and the null block). The same tokens as transformers', with no
    preemption; with an int8 cache, the same tokens as that engine keeping every block."""
    from transformers import AutoModelForCausalLM

    from tests.families import transformers_greedy

    hf = AutoModelForCausalLM.from_pretrained(mistral, dtype=torch.float32,
                                              attn_implementation="eager").eval()
    prompt, n = [(i * 37) % 256 for i in range(20)], 40
    want = transformers_greedy(hf, prompt, n)
    engine = _engine(mistral, tokenizer, num_blocks=5)
    got, _, peak = _run(engine, prompt, n)
    assert got == want
    stats = engine.stats()
    assert stats.kv_blocks_total == 4 and stats.kv_capacity_tokens == 16 < len(prompt) + n
    assert peak <= 4 and stats.num_preemptions == 0
    assert stats.kv_blocks_free == stats.kv_blocks_total  # every block back after finishing

    got8, _, peak8 = _run(_engine(mistral, tokenizer, num_blocks=5, kv="int8"), prompt, n)
    kept8, _, peak_kept = _run(_engine(mistral, tokenizer, 64, kv="int8", free=False), prompt, n)
    assert got8 == kept8 and peak8 <= 4 and peak_kept == 15


def test_mistral_prefix_hit_after_the_window_moved_on(mistral, tokenizer) -> None:
    """A second request with the first's long prompt reuses the cached blocks in its window
    (the earliest ones were evicted while the first ran) and answers the same."""
    prompt = [(i * 11) % 256 for i in range(30)]
    engine = _engine(mistral, tokenizer, num_blocks=8)
    first, cached_first, _ = _run(engine, prompt, 12, "a")
    # 42 tokens through 7 blocks: the first blocks it gave back were handed out again.
    assert engine.kv.pool.lookup(block_hash(None, prompt[:BS], None)) is None
    second, cached_second, _ = _run(engine, prompt, 12, "b")
    assert cached_first == 0 and cached_second == 28 and second == first
    assert _run(_engine(mistral, tokenizer, 64, free=False), prompt, 12)[0] == first
