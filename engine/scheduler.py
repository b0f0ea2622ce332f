"""Continuous batching: each step spends a token budget over running, then waiting requests.

One rule covers prefill and decode: a scheduled sequence computes up to
`num_tokens - num_computed_tokens` tokens (chunked when the budget is short). Requests are
served first come, first served; when blocks run out the latest running request is preempted and
recomputed later. The scheduler sees Sequences and block ids, never tensors.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from engine.config import SchedulerConfig
from engine.kv_cache_manager import KVCacheManager
from engine.sequence import Sequence, Status


@dataclass
class ScheduledBatch:
    """What one step computes: (sequence, number of new tokens) pairs, in batch order."""

    items: list[tuple[Sequence, int]] = field(default_factory=list)
    preempted: list[Sequence] = field(default_factory=list)

    @property
    def num_tokens(self) -> int:
        return sum(n for _, n in self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


class Scheduler:
    """FCFS continuous batching with chunked prefill and preemption by recompute."""

    def __init__(self, config: SchedulerConfig, kv: KVCacheManager) -> None:
        self.config = config
        self.kv = kv
        self.waiting: deque[Sequence] = deque()
        self.running: list[Sequence] = []
        self.prefix_hit_tokens = 0  # prompt tokens served from the prefix cache, all time

    def add(self, seq: Sequence) -> None:
        seq.status = Status.WAITING
        self.waiting.append(seq)

    def has_work(self) -> bool:
        return bool(self.waiting or self.running)

    def schedule(self) -> ScheduledBatch:
        batch = ScheduledBatch()
        budget = self.config.max_num_batched_tokens
        scheduled: set[int] = set()
        i = 0
        while i < len(self.running) and budget > 0:
            seq = self.running[i]
            n = min(seq.num_tokens - seq.num_computed_tokens, budget)
            if self.config.long_prefill_threshold:
                n = min(n, self.config.long_prefill_threshold)
            while not self.kv.allocate(seq, n):
                victim = self.running.pop()  # the latest arrival gives way
                self._preempt(victim)
                batch.preempted.append(victim)
                if victim is seq:
                    break
            if seq.status is not Status.RUNNING:
                break
            batch.items.append((seq, n))
            scheduled.add(id(seq))
            budget -= n
            i += 1
        if batch.preempted:
            return batch  # no admissions while memory is short
        while self.waiting and budget > 0 and len(self.running) < self.config.max_num_seqs:
            seq = self.waiting[0]
            # Prompt log-probabilities need every prompt row computed: no prefix reuse for those.
            reuse = not seq.block_ids and seq.sampling.prompt_logprobs is None
            computed = self.kv.computed_blocks(seq) if reuse else []
            num_computed = len(computed) * self.kv.block_size
            n = min(seq.num_tokens - num_computed, budget)
            if self.config.long_prefill_threshold:
                n = min(n, self.config.long_prefill_threshold)
            if not self.kv.allocate(seq, n, computed):
                break
            self.waiting.popleft()
            seq.num_computed_tokens = num_computed
            if seq.num_preemptions == 0:
                seq.num_cached_tokens = num_computed
                self.prefix_hit_tokens += num_computed
            seq.status = Status.RUNNING
            self.running.append(seq)
            batch.items.append((seq, n))
            budget -= n
        return batch

    def finish(self, seq: Sequence, reason: str) -> None:
        """Remove a sequence (finished or aborted) from wherever it is and free its blocks."""
        if seq.status is Status.RUNNING:
            self.running.remove(seq)
        elif seq.status is Status.WAITING:
            self.waiting.remove(seq)
        seq.status = Status.FINISHED
        seq.finish_reason = reason
        self.kv.free(seq)

    def _preempt(self, seq: Sequence) -> None:
        self.kv.free(seq)
        seq.num_computed_tokens = 0
        seq.num_preemptions += 1
        seq.status = Status.WAITING
        self.waiting.appendleft(seq)
