"""The scheduler with synthetic requests and no model: budgets, chunked prefill, FCFS, preemption."""

from engine.config import SchedulerConfig
from engine.kv_cache_manager import KVCacheManager
from engine.scheduler import Scheduler
from engine.sequence import Sequence, Status


def make(num_blocks=64, block_size=4, budget=32, max_seqs=8, prefix=True):
    kv = KVCacheManager(num_blocks, block_size, prefix)
    return Scheduler(SchedulerConfig(max_num_batched_tokens=budget, max_num_seqs=max_seqs), kv)


def seq(rid, n, start=0):
    return Sequence(rid, list(range(start, start + n)))


def run_step(s: Scheduler, next_token=7):
    """What the engine does after a forward pass: advance, sample for completed sequences."""
    batch = s.schedule()
    for q, n in batch.items:
        q.num_computed_tokens += n
        s.kv.cache_full_blocks(q)
        if q.num_computed_tokens == q.num_tokens:
            q.token_ids.append(next_token)
    return batch


def test_prefill_then_decode_one_token_per_step():
    s = make()
    a = seq("a", 10)
    s.add(a)
    assert [(q.request_id, n) for q, n in run_step(s).items] == [("a", 10)]
    assert [(q.request_id, n) for q, n in run_step(s).items] == [("a", 1)]
    assert a.num_tokens == 12 and a.num_computed_tokens == 11


def test_chunked_prefill_respects_the_budget_and_mixes_with_decode():
    s = make(budget=8)
    a, b = seq("a", 3), seq("b", 20, start=100)
    s.add(a)
    s.add(b)
    assert [(q.request_id, n) for q, n in run_step(s).items] == [("a", 3), ("b", 5)]
    assert [(q.request_id, n) for q, n in run_step(s).items] == [("a", 1), ("b", 7)]
    batch = run_step(s)
    assert [(q.request_id, n) for q, n in batch.items] == [("a", 1), ("b", 7)]
    assert b.num_computed_tokens == 19
    assert [(q.request_id, n) for q, n in run_step(s).items] == [("a", 1), ("b", 1)]


def test_fcfs_and_max_num_seqs():
    s = make(max_seqs=2, budget=100)
    seqs = [seq(str(i), 4, start=10 * i) for i in range(3)]
    for q in seqs:
        s.add(q)
    batch = run_step(s)
    assert [q.request_id for q, _ in batch.items] == ["0", "1"]
    assert seqs[2].status is Status.WAITING
    s.finish(seqs[0], "stop")
    assert [q.request_id for q, _ in run_step(s).items] == ["1", "2"]


def test_preemption_by_recompute_when_blocks_run_out():
    s = make(num_blocks=4, block_size=4, budget=64)
    a, b = seq("a", 7), seq("b", 7, start=50)
    s.add(a)
    s.add(b)
    run_step(s)  # each takes 2 blocks: the pool is full
    assert s.kv.num_free_blocks == 0
    run_step(s)  # both now hold 8 tokens' worth: still 2 blocks each
    batch = s.schedule()  # the 9th token needs a third block for a: b (latest) gives way
    assert [q.request_id for q in batch.preempted] == ["b"]
    assert b.status is Status.WAITING and b.num_computed_tokens == 0 and b.block_ids == []
    assert [q.request_id for q, _ in batch.items] == ["a"]
    for q, n in batch.items:
        q.num_computed_tokens += n
        q.token_ids.append(7)
    s.finish(a, "stop")
    batch = run_step(s)  # b comes back and recomputes prompt + its generated tokens ...
    # ... except its first block, still cached (a's new block evicted b's tail block only).
    assert [(q.request_id, n) for q, n in batch.items] == [("b", 9 - 4)]
    assert b.num_computed_tokens == 9
    assert b.num_preemptions == 1


def test_prefix_hits_skip_computation_and_are_reported():
    s = make(budget=64, block_size=4)
    a = seq("a", 10)
    s.add(a)
    run_step(s)
    s.finish(a, "stop")
    b = seq("b", 12)  # shares a's first 10 tokens: two full blocks cached
    s.add(b)
    batch = run_step(s)
    assert [(q.request_id, n) for q, n in batch.items] == [("b", 4)]
    assert b.num_cached_tokens == 8 and s.prefix_hit_tokens == 8


def test_finish_frees_blocks_from_waiting_and_running():
    s = make(num_blocks=8, block_size=4)
    a, b = seq("a", 5), seq("b", 5, start=20)
    s.add(a)
    run_step(s)
    s.add(b)
    s.finish(b, "abort")  # still waiting
    s.finish(a, "abort")  # running
    assert not s.has_work() and s.kv.num_free_blocks == 8
