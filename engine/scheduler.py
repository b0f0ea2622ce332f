"""Continuous batching: each step spends a token budget over running, then waiting requests.

One rule covers prefill and decode: a scheduled sequence computes up to
`num_tokens - num_computed_tokens` tokens (chunked when the budget is short). Within a tenant (an
API key) requests are served first come, first served; between tenants the engine is shared
fairly (`SchedulerConfig.fairness`, see `Shares`). When blocks run out a running request is
preempted and recomputed later. The scheduler sees Sequences and block ids, never tensors.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

from engine.config import SchedulerConfig
from engine.kv_cache_manager import KVCacheManager
from engine.sequence import Sequence, Status

Tenant = str | None


@dataclass
class ScheduledBatch:
    """What one step computes: (sequence, number of new tokens) pairs, in batch order."""

    items: list[tuple[Sequence, int]] = field(default_factory=list)
    preempted: list[Sequence] = field(default_factory=list)
    num_tokens: int = 0  # the sum of the items' counts, kept as they change

    def add(self, seq: Sequence, n: int) -> None:
        self.items.append((seq, n))
        self.num_tokens += n

    def grow(self, k: int, more: int) -> None:
        seq, n = self.items[k]
        self.items[k] = (seq, n + more)
        self.num_tokens += more

    def drop(self, seq: Sequence) -> int:
        """Take `seq` out of this step (preempted after it was scheduled); its token count."""
        for k, (s, n) in enumerate(self.items):
            if s is seq:
                del self.items[k]
                self.num_tokens -= n
                return n
        return 0

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class Shares:
    """One step's fair shares while k tenants have work (running or waiting): each may take 1/k
    of the step's tokens for prefill (what the others leave unused is shared out after), of the
    running slots and of the KV blocks before another tenant's waiting request may take them
    back (preempting the tenant holding the most).
    Service counts what a tenant runs now, so a key arriving later is served next. With one
    tenant (or fairness off) nothing is limited and the scheduler is plain FCFS."""

    tenants: int
    tokens: int
    seqs: int
    blocks: int
    running: Counter[Tenant]  # running sequences per tenant, admissions of this step included
    used: Counter[Tenant] = field(default_factory=Counter)  # tokens scheduled this step
    paused: set[Tenant] = field(default_factory=set)  # preempted for another: no admission now

    @property
    def fair(self) -> bool:
        return self.tenants > 1


class Scheduler:
    """Continuous batching with chunked prefill, preemption by recompute and per-tenant fair
    share (FCFS within a tenant)."""

    def __init__(self, config: SchedulerConfig, kv: KVCacheManager) -> None:
        self.config = config
        self.kv = kv
        self.waiting: deque[Sequence] = deque()
        self.running: list[Sequence] = []
        self._waiting_tenants: Counter[Tenant] = Counter()  # kept as `waiting` changes
        self.prefix_hit_tokens = 0  # prompt tokens served from the prefix cache, all time

    def add(self, seq: Sequence) -> None:
        seq.status = Status.WAITING
        self.waiting.append(seq)
        self._waiting_tenants[seq.tenant] += 1

    def has_work(self) -> bool:
        return bool(self.waiting or self.running)

    def schedule(self) -> ScheduledBatch:
        batch = ScheduledBatch()
        shares = self._shares()
        order = self._running_order(shares)
        budget, i = self.config.max_num_batched_tokens, 0
        while i < len(order) and batch.num_tokens < budget:
            seq = order[i]
            need = seq.num_tokens - seq.num_computed_tokens
            n = 1 if need == 1 else self._chunk(seq, need, batch, shares)  # decodes: never cut
            if n <= 0:  # a prefill whose tenant's share is spent (`_top_up` may add to it)
                i += 1
                continue
            while not self.kv.allocate(seq, n):
                victim = self._victim(order[i:])
                order.remove(victim)
                self._preempt(victim)
                batch.preempted.append(victim)
                if victim is seq:
                    break
            if seq.status is Status.RUNNING:
                self._take(batch, shares, seq, n)
                i += 1
        if batch.preempted:
            return batch  # no admissions while memory is short
        self._admit(batch, shares)
        if shares.fair:
            self._top_up(batch)
        return batch

    def finish(self, seq: Sequence, reason: str) -> None:
        """Remove a sequence (finished or aborted) from wherever it is and free its blocks."""
        if seq.status is Status.RUNNING:
            self.running.remove(seq)
        elif seq.status is Status.WAITING:
            self._unwait(seq)
        seq.status = Status.FINISHED
        seq.finish_reason = reason
        self.kv.free(seq)

    # -- admission ------------------------------------------------------------------------------

    def _admit(self, batch: ScheduledBatch, shares: Shares) -> None:
        """Waiting requests into the running set, the least-served tenant's oldest first; a tenant
        whose oldest request cannot start this step does not hold back the others."""
        while self._left(batch) > 0:
            seq = self._next_waiting(shares)
            if seq is None:
                return
            if not self._start(batch, shares, seq):
                shares.paused.add(seq.tenant)

    def _start(self, batch: ScheduledBatch, shares: Shares, seq: Sequence) -> bool:
        if len(self.running) >= self.config.max_num_seqs and not self._reclaim(
                batch, shares, seq, shares.running, shares.seqs):
            return False
        while True:
            # Prompt log-probabilities need every prompt row computed: no prefix reuse for those.
            reuse = not seq.block_ids and seq.sampling.prompt_logprobs is None
            computed = self.kv.computed_blocks(seq) if reuse else []
            num_computed = len(computed) * self.kv.block_size
            n = self._chunk(seq, seq.num_tokens - num_computed, batch, shares)
            if n <= 0:
                return False
            if self.kv.allocate(seq, n, computed):
                break
            if not self._reclaim(batch, shares, seq, self._held_blocks(), shares.blocks):
                return False
        self._unwait(seq)
        seq.num_computed_tokens = num_computed
        if seq.num_preemptions == 0:
            seq.num_cached_tokens = num_computed
            self.prefix_hit_tokens += num_computed
        seq.status = Status.RUNNING
        self.running.append(seq)
        shares.running[seq.tenant] += 1
        self._take(batch, shares, seq, n)
        return True

    def _next_waiting(self, shares: Shares) -> Sequence | None:
        """FCFS with one tenant; else the oldest request of the tenant running the fewest."""
        best: Sequence | None = None
        seen: set[Tenant] = set()
        for seq in self.waiting:
            if seq.tenant in seen:
                continue
            seen.add(seq.tenant)
            if seq.tenant in shares.paused:
                if not shares.fair:
                    return None  # FCFS: nobody overtakes the oldest request
                continue
            if not shares.fair:
                return seq
            if best is None or shares.running[seq.tenant] < shares.running[best.tenant]:
                best = seq
        return best

    def _reclaim(self, batch: ScheduledBatch, shares: Shares, seq: Sequence,
                 usage: Counter[Tenant], share: int) -> bool:
        """Make room for `seq`, whose tenant uses less than its share (running slots or blocks,
        `usage`), by preempting the latest request of the tenant using the most past its own.
        That tenant starts nothing more this step; False when fairness allows no preemption."""
        if not shares.fair or usage[seq.tenant] >= share:
            return False
        over = [s for s in self.running if s.tenant != seq.tenant and usage[s.tenant] > share]
        if not over:
            return False
        tenants = dict.fromkeys(s.tenant for s in over)  # in running order: ties go to the oldest
        heaviest = max(tenants, key=lambda t: usage[t])
        victim = [s for s in over if s.tenant == heaviest][-1]
        shares.used[victim.tenant] -= batch.drop(victim)  # scheduled this step: taken back
        self._preempt(victim)
        shares.running[victim.tenant] -= 1
        shares.paused.add(victim.tenant)
        batch.preempted.append(victim)
        return True

    # -- shares ---------------------------------------------------------------------------------

    def _shares(self) -> Shares:
        running = Counter(s.tenant for s in self.running)
        tenants = 1
        if self.config.fairness:
            tenants = len(running.keys() | self._waiting_tenants.keys()) or 1
        return Shares(tenants=tenants, tokens=max(self.config.max_num_batched_tokens // tenants, 1),
                      seqs=max(self.config.max_num_seqs // tenants, 1),
                      blocks=self.kv.pool.capacity // tenants, running=running)

    def _running_order(self, shares: Shares) -> list[Sequence]:
        """The running set in the order it gets this step's tokens: the tenants running the
        fewest first (stable: arrival order within a tenant, and with one tenant)."""
        if not shares.fair:
            return list(self.running)
        return sorted(self.running, key=lambda s: shares.running[s.tenant])

    def _chunk(self, seq: Sequence, need: int, batch: ScheduledBatch, shares: Shares) -> int:
        n = min(need, self._left(batch))
        if self.config.long_prefill_threshold:
            n = min(n, self.config.long_prefill_threshold)
        if shares.fair and n > 1:  # a prefill chunk: within its tenant's share of the step
            n = min(n, shares.tokens - shares.used[seq.tenant])
        return n

    def _left(self, batch: ScheduledBatch) -> int:
        return self.config.max_num_batched_tokens - batch.num_tokens

    @staticmethod
    def _take(batch: ScheduledBatch, shares: Shares, seq: Sequence, n: int) -> None:
        batch.add(seq, n)
        if shares.fair:
            shares.used[seq.tenant] += n

    def _top_up(self, batch: ScheduledBatch) -> None:
        """Work conserving: the tokens no tenant's share used this step go to the prefills that
        the shares cut short (running order), so a tenant decoding one token a step does not
        halve another's prefill. Only free blocks are taken; nobody is preempted for this."""
        scheduled = {id(s): k for k, (s, _) in enumerate(batch.items)}
        for seq in self.running:
            left = self._left(batch)
            if left <= 0:
                return
            k = scheduled.get(id(seq))
            n = 0 if k is None else batch.items[k][1]
            more = min(seq.num_tokens - seq.num_computed_tokens - n, left)
            if self.config.long_prefill_threshold:
                more = min(more, self.config.long_prefill_threshold - n)
            if more <= 0 or not self.kv.allocate(seq, n + more):
                continue
            if k is None:
                scheduled[id(seq)] = len(batch.items)
                batch.add(seq, more)
            else:
                batch.grow(k, more)

    def _held_blocks(self) -> Counter[Tenant]:
        """Distinct KV blocks per tenant (choices sharing a prompt hold its blocks once)."""
        blocks: dict[Tenant, set[int]] = {}
        for s in self.running:
            blocks.setdefault(s.tenant, set()).update(self.kv.held_blocks(s))
        return Counter({t: len(b) for t, b in blocks.items()})

    def _victim(self, unscheduled: list[Sequence]) -> Sequence:
        """Who gives way when a running request cannot grow: the latest arrival (FCFS) or, between
        tenants, the latest of the tenant holding the most blocks; never one already scheduled."""
        if not self.config.fairness:
            return unscheduled[-1]
        held = self._held_blocks()
        heaviest = max((s.tenant for s in unscheduled), key=lambda t: held[t])
        return [s for s in unscheduled if s.tenant == heaviest][-1]

    def _preempt(self, seq: Sequence) -> None:
        self.running.remove(seq)
        self.kv.free(seq)
        seq.num_computed_tokens = 0
        seq.num_preemptions += 1
        seq.status = Status.WAITING
        self.waiting.appendleft(seq)
        self._waiting_tenants[seq.tenant] += 1

    def _unwait(self, seq: Sequence) -> None:
        self.waiting.remove(seq)
        self._waiting_tenants[seq.tenant] -= 1
        if not self._waiting_tenants[seq.tenant]:
            del self._waiting_tenants[seq.tenant]
