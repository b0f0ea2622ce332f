"""The scheduler with synthetic requests and no model: budgets, chunked prefill, FCFS, preemption,
and the fair share between tenants (API keys)."""

from engine.config import EngineConfig, SchedulerConfig
from engine.kv_cache_manager import KVCacheManager
from engine.protocol import SamplingParams
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


# -- fair share between tenants (issue 19, W13) -------------------------------------------------


def fair(fairness=True, num_blocks=256, block_size=4, budget=32, max_seqs=8, window=None):
    kv = KVCacheManager(num_blocks, block_size, True, window)
    config = SchedulerConfig(max_num_batched_tokens=budget, max_num_seqs=max_seqs,
                             fairness=fairness)
    return Scheduler(config, kv)


def ask(rid, n, tenant, new=4, start=0):
    """A request of `tenant`: an n-token prompt that generates `new` tokens."""
    return Sequence(rid, list(range(start, start + n)), SamplingParams(max_tokens=new), None,
                    tenant)


def drive(s: Scheduler, arrivals: dict[int, list[Sequence]], steps=400):
    """Step the scheduler as the engine would, adding each step's arrivals first and finishing
    requests at max_tokens; the step each request finished at."""
    done: dict[str, int] = {}
    for step in range(steps):
        for q in arrivals.get(step, []):
            s.add(q)
        for q, _ in run_step(s).items:
            if q.num_computed_tokens + 1 == q.num_tokens and \
                    q.num_output_tokens >= q.sampling.max_tokens:
                s.finish(q, "length")
                done[q.request_id] = step
        if not s.has_work() and step > max(arrivals):
            break
    return done


def giant_and_small(fairness):
    """Key A: n=16 choices of a prompt near the context; key B's 3-token request arrives while
    A's prompt is being prefilled."""
    s = fair(fairness, num_blocks=1024, budget=32, max_seqs=32)
    prompt = 800
    a = [ask(f"a{i}", prompt, "A", new=50) for i in range(16)]
    b = ask("b", 3, "B", new=4, start=5000)
    return s, drive(s, {0: a[:1], 2: [b], 26: a[1:]})


def test_a_giant_request_does_not_starve_another_keys_small_one():
    _, fcfs = giant_and_small(False)
    s, shared = giant_and_small(True)
    # Fair: B starts the step it arrives in and needs one step per token after its prompt.
    assert shared["b"] <= 2 + 4
    # FCFS: B waited for A's whole 800-token prefill (32 tokens a step) first.
    assert fcfs["b"] >= 800 // 32
    assert shared["a0"] >= fcfs["a0"]  # A pays for it, a little
    assert len(shared) == len(fcfs) == 17 and not s.has_work()


def test_a_giant_prefill_gets_its_share_of_the_step_while_others_have_work():
    s = fair(budget=32)
    a, b = ask("a", 200, "A"), ask("b", 40, "B", start=1000)
    s.add(a)
    s.add(b)
    batch = run_step(s)
    assert [(q.request_id, n) for q, n in batch.items] == [("a", 16), ("b", 16)]
    s.finish(b, "abort")
    batch = run_step(s)  # alone again: the whole budget
    assert [(q.request_id, n) for q, n in batch.items] == [("a", 32)]


def test_a_tenant_with_only_waiting_requests_has_a_share_until_they_go():
    s = fair(budget=32, max_seqs=2)
    a, c = ask("a", 200, "A"), ask("c", 200, "C", start=500)
    s.add(a)
    s.add(c)
    run_step(s)
    b = ask("b", 40, "B", start=1000)
    s.add(b)  # no slot for B (nor a share of slots to take back): it waits, a third tenant
    batch = run_step(s)  # shares of 10; what B cannot take goes to the first prefill
    assert [(q.request_id, n) for q, n in batch.items] == [("a", 22), ("c", 10)]
    s.finish(b, "abort")  # aborted while waiting: two tenants again
    batch = run_step(s)
    assert [(q.request_id, n) for q, n in batch.items] == [("a", 16), ("c", 16)]


def test_what_a_small_request_leaves_of_its_share_goes_to_the_giant_prefill():
    s = fair(budget=32)
    a, b = ask("a", 300, "A"), ask("b", 5, "B", start=1000)
    s.add(a)
    s.add(b)
    batch = run_step(s)  # B's prompt takes 5 of its 16: A's prefill gets the other 27
    assert sorted((q.request_id, n) for q, n in batch.items) == [("a", 27), ("b", 5)]
    for _ in range(3):  # B decodes a token a step; A takes the rest of the budget
        batch = run_step(s)
        assert sorted((q.request_id, n) for q, n in batch.items) == [("a", 31), ("b", 1)]
        assert batch.num_tokens == 32
    c = ask("c", 100, "C", start=2000)  # a third tenant's prefill: the shares are cut to 10
    s.add(c)
    batch = run_step(s)
    assert dict((q.request_id, n) for q, n in batch.items) == {"a": 21, "b": 1, "c": 10}


def test_many_requests_of_one_key_do_not_hold_the_slots_against_another():
    s = fair(max_seqs=4, budget=64)
    many = [ask(f"a{i}", 4, "A", new=1000, start=10 * i) for i in range(10)]
    for q in many:
        s.add(q)
    run_step(s)
    assert [q.request_id for q in s.running] == ["a0", "a1", "a2", "a3"]
    late = ask("b", 4, "B", start=900)
    s.add(late)
    batch = run_step(s)
    # A holds all four slots, past its fair share of two: its latest gives one back.
    assert late in s.running and [q.request_id for q in batch.preempted] == ["a3"]
    assert s.waiting[0].request_id == "a3"  # first in line again among A's
    for _ in range(5):  # and no ping-pong afterwards: A is at or above its share
        assert not run_step(s).preempted
    assert late in s.running


def test_fcfs_when_fairness_is_off_keeps_the_late_key_waiting():
    s = fair(fairness=False, max_seqs=4, budget=64)
    for i in range(10):
        s.add(ask(f"a{i}", 4, "A", new=1000, start=10 * i))
    run_step(s)
    late = ask("b", 4, "B", start=900)
    s.add(late)
    for _ in range(5):
        assert not run_step(s).preempted
    assert late.status is Status.WAITING


def test_a_key_arriving_later_is_served_before_the_first_keys_queue():
    s = fair(max_seqs=3, budget=64)
    for i in range(6):
        s.add(ask(f"a{i}", 4, "A", new=2, start=10 * i))
    s.add(ask("c", 4, "C", new=2, start=500))  # queued behind five of A's
    order = []
    for _ in range(30):
        for q, _ in run_step(s).items:
            if q.request_id not in order:
                order.append(q.request_id)
            if q.num_output_tokens >= q.sampling.max_tokens:
                s.finish(q, "length")
    # Round robin by least running: C is the second request to start, not the seventh.
    assert order.index("c") <= 2 and sorted(order) == sorted([f"a{i}" for i in range(6)] + ["c"])
    assert [r for r in order if r.startswith("a")] == [f"a{i}" for i in range(6)]  # FCFS in A


def test_blocks_taken_back_from_the_tenant_holding_the_most():
    s = fair(num_blocks=16, block_size=4, budget=64, max_seqs=8)
    hog = [ask(f"a{i}", 15, "A", new=100, start=100 * i) for i in range(4)]  # 4 blocks each
    for q in hog:
        s.add(q)
    run_step(s)
    assert s.kv.num_free_blocks == 0
    small = ask("b", 3, "B", start=5000)
    s.add(small)
    batch = run_step(s)
    assert small in s.running  # A held every block, past its half: its latest gave way
    assert [q.tenant for q in batch.preempted] == ["A"] and batch.preempted[0].request_id == "a3"


def test_a_windowed_tenant_is_charged_the_blocks_it_holds_not_its_null_slots():
    """Sliding windows on every layer: the blocks behind a request's window went back to the
    pool, their table slots hold the null block, and neither counts against its tenant."""
    s = fair(num_blocks=9, block_size=4, budget=64, window=6)  # 8 to hand out and the null
    hogs = [ask(f"a{i}", 3, "A", new=100, start=100 * i) for i in range(2)]
    for q in hogs:
        s.add(q)
    for _ in range(30):
        run_step(s)
    assert all(len(q.block_ids) == 8 and q.block_ids[0] == 0 for q in hogs)
    held = sum(len(s.kv.held_blocks(q)) for q in hogs)
    assert s._held_blocks()["A"] == held <= 6 and s.kv.num_free_blocks == 8 - held
    small = ask("b", 3, "B", start=5000)
    s.add(small)
    batch = run_step(s)
    assert small in s.running and not batch.preempted


def test_preemption_picks_the_tenant_holding_the_most_not_the_latest_arrival():
    s = fair(num_blocks=10, block_size=4, budget=64)
    a1, a2 = ask("a1", 12, "A", new=100), ask("a2", 12, "A", new=100, start=100)
    s.add(a1)
    s.add(a2)
    run_step(s)  # 3 blocks each, 13 tokens after the first sample
    b = ask("b", 7, "B", new=100, start=500)
    s.add(b)
    run_step(s)  # b: 2 blocks; 2 left, which a1 and a2 take for their 14th token
    assert any(run_step(s).preempted for _ in range(20))
    # FCFS would preempt b (the latest); fairly, A (8 blocks held against B's 2) gives way.
    assert b in s.running and b.num_preemptions == 0
    assert a2.num_preemptions == 1 and a2.status is Status.WAITING


def test_one_tenant_is_scheduled_exactly_as_fcfs():
    def trace(fairness, tenant):
        s = fair(fairness, num_blocks=10, block_size=4, budget=16, max_seqs=3)
        arrivals = {i: [ask(f"r{i}", 3 + (7 * i) % 13, tenant, new=4 + 3 * (i % 4), start=50 * i)]
                    for i in range(10)}
        log = []
        for step in range(200):
            for q in arrivals.get(step, []):
                s.add(q)
            batch = run_step(s)
            log.append(([(q.request_id, n) for q, n in batch.items],
                        [q.request_id for q in batch.preempted]))
            for q, _ in batch.items:
                if q.num_computed_tokens + 1 == q.num_tokens and \
                        q.num_output_tokens >= q.sampling.max_tokens:
                    s.finish(q, "length")
        return log

    fcfs = trace(False, None)
    assert any(pre for _, pre in fcfs)  # the pool is tight enough to preempt
    assert trace(True, None) == fcfs == trace(True, "key-1")


def test_fairness_and_the_request_budget_are_settings(monkeypatch):
    assert EngineConfig().scheduler.fairness is True
    assert EngineConfig().scheduler.token_budget(8192) == 4 * 8192  # n=4 of a full context
    monkeypatch.setenv("HANLIN_SCHEDULER_FAIRNESS", "0")
    monkeypatch.setenv("HANLIN_REQUEST_TOKEN_BUDGET", "1024")
    sched = EngineConfig.from_env().scheduler
    assert sched.fairness is False and sched.token_budget(8192) == 1024
