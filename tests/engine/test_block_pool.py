"""Block pool and KV manager on CPU with no model: free list, ref counts, prefix reuse, eviction."""

import pytest

from engine.block_pool import BlockPool
from engine.kv_cache_manager import KVCacheManager, block_hash
from engine.sequence import Sequence


def test_allocate_and_free_return_every_block():
    pool = BlockPool(4)
    a = pool.allocate(3)
    assert a is not None and len(set(a)) == 3 and pool.num_free == 1
    assert pool.allocate(2) is None and pool.num_free == 1  # all or nothing
    pool.free(a)
    assert pool.num_free == 4


def test_double_free_is_an_error():
    pool = BlockPool(2)
    ids = pool.allocate(1)
    pool.free(ids)
    with pytest.raises(RuntimeError):
        pool.free(ids)


def test_cached_block_survives_free_until_reallocated():
    pool = BlockPool(2)
    (b,) = pool.allocate(1)
    pool.cache(b, b"h")
    pool.free([b])
    assert pool.lookup(b"h") == b and pool.num_cached_free == 1
    pool.touch([b])  # a prefix hit takes it back off the free list
    assert pool.num_free == 1 and pool.ref_counts[b] == 1 and pool.num_cached_free == 0
    pool.free([b])
    assert pool.num_cached_free == 1
    pool.allocate(2)  # everything handed out again: the cached content is gone
    assert pool.lookup(b"h") is None and pool.num_cached_free == 0


def test_eviction_is_lru_and_tail_first():
    pool = BlockPool(3)
    ids = pool.allocate(3)
    for i, b in enumerate(ids):
        pool.cache(b, bytes([i]))
    pool.free(ids)  # freed tail first, so the last block is evicted first
    (evicted,) = pool.allocate(1)
    assert evicted == ids[-1]
    assert pool.lookup(bytes([0])) == ids[0]


def test_block_hash_depends_on_parent_tokens_and_adapter():
    h = block_hash(None, [1, 2], None)
    assert h == block_hash(None, [1, 2], None)
    assert h != block_hash(None, [1, 3], None)
    assert h != block_hash(None, [1, 2], "lora-a")
    assert block_hash(h, [5], None) != block_hash(None, [5], None)
    assert block_hash(None, [1, 23], None) != block_hash(None, [12, 3], None)


def _seq(rid: str, n: int, start: int = 0, adapter: str | None = None) -> Sequence:
    return Sequence(rid, list(range(start, start + n)), adapter_id=adapter)


def test_prefix_reuse_across_requests():
    kv = KVCacheManager(num_blocks=16, block_size=4)
    a = _seq("a", 10)
    assert kv.allocate(a, 10)
    a.num_computed_tokens = 10
    kv.cache_full_blocks(a)
    assert len(a.block_hashes) == 2  # 10 tokens: two full blocks of 4
    b = _seq("b", 13)  # same first 10 tokens, then more
    hits = kv.computed_blocks(b)
    assert hits == a.block_ids[:2]
    assert kv.allocate(b, 13 - 8, hits)
    assert b.block_ids[:2] == a.block_ids[:2]
    assert kv.pool.ref_counts[a.block_ids[0]] == 2
    kv.free(a)
    kv.free(b)
    assert kv.num_free_blocks == 16


def test_prefix_match_always_leaves_the_last_token_to_compute():
    kv = KVCacheManager(num_blocks=8, block_size=4)
    a = _seq("a", 8)
    kv.allocate(a, 8)
    a.num_computed_tokens = 8
    kv.cache_full_blocks(a)
    same = _seq("b", 8)
    assert len(kv.computed_blocks(same)) == 1  # not 2: the 8th token must be recomputed


def test_adapters_do_not_share_prefix_blocks():
    kv = KVCacheManager(num_blocks=8, block_size=4)
    a = _seq("a", 9, adapter="x")
    kv.allocate(a, 9)
    a.num_computed_tokens = 9
    kv.cache_full_blocks(a)
    assert kv.computed_blocks(_seq("b", 9, adapter="y")) == []
    assert len(kv.computed_blocks(_seq("c", 9, adapter="x"))) == 2


def test_allocate_refuses_when_short_and_changes_nothing():
    kv = KVCacheManager(num_blocks=2, block_size=4)
    s = _seq("a", 12)
    assert not kv.allocate(s, 12)
    assert s.block_ids == [] and kv.num_free_blocks == 2


def test_prefix_caching_off():
    kv = KVCacheManager(num_blocks=8, block_size=4, enable_prefix_caching=False)
    a = _seq("a", 9)
    kv.allocate(a, 9)
    a.num_computed_tokens = 9
    kv.cache_full_blocks(a)
    assert kv.computed_blocks(_seq("b", 9)) == []


def test_the_null_block_is_never_handed_out_freed_or_cached():
    """With sliding windows the pool keeps block 0 as the placeholder of freed table slots."""
    pool = BlockPool(3, reserve_null=True)
    assert pool.null_block == 0 and pool.capacity == pool.num_free == 2
    ids = pool.allocate(2)
    assert ids is not None and 0 not in ids and pool.allocate(1) is None
    pool.free([0, *ids, 0])  # placeholders in a block table are skipped, not counted
    assert pool.num_free == 2 and pool.ref_counts[0] == 0
    with pytest.raises(RuntimeError):
        pool.cache(0, b"h")
    with pytest.raises(ValueError):
        BlockPool(1, reserve_null=True)
    assert BlockPool(3).null_block is None and BlockPool(3).capacity == 3
