"""Runs one scheduled batch through the model: flatten, one forward pass, logits where needed.

The only place where sequences meet tensors. Prefill chunks and decode tokens of many
requests go through the model together as one flat batch of T tokens.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from itertools import pairwise

import torch

from engine.compiled import CompiledDecode
from engine.lora_registry import LoraRegistry
from engine.models.llama import LlamaForCausalLM
from engine.paged_attention import KVCache, PagedAttention, SeqSlice
from engine.quant import Int8KVCache, Int8PagedAttention
from engine.scheduler import ScheduledBatch
from engine.sequence import Sequence


@dataclass
class RunnerOutput:
    """Next-token logits ([N, vocab], float32) for the sequences that reached their last token,
    and, for sequences that asked for prompt log-probabilities, the logits of every prompt row
    computed this step: request id -> (position of the first row, logits [rows, vocab])."""

    sample_seqs: list[Sequence]
    logits: torch.Tensor
    prompt_logits: dict[str, tuple[int, torch.Tensor]] = field(default_factory=dict)


class ModelRunner:
    """Owns the model and its KV cache; LoRA rows go through the adapters' registry."""

    def __init__(self, model: LlamaForCausalLM, cache: KVCache,
                 adapters: LoraRegistry | None = None, compiled: CompiledDecode | None = None
                 ) -> None:
        self.model = model
        self.cache = cache
        self.adapters = adapters
        self.compiled = compiled  # takes the steps where every row decodes without an adapter

    @torch.inference_mode()
    def execute(self, batch: ScheduledBatch) -> RunnerOutput:
        bs = self.cache.block_size
        ids: list[int] = []
        positions: list[int] = []
        slots: list[int] = []
        slices: list[SeqSlice] = []
        sample_rows: list[int] = []
        sample_seqs: list[Sequence] = []
        prompt_rows: list[tuple[str, int, int, int]] = []  # (request id, first pos, row, count)
        adapter_rows: dict[str, list[range]] = {}
        for seq, n in batch.items:
            start, c = len(ids), seq.num_computed_tokens
            ids.extend(seq.token_ids[c : c + n])
            positions.extend(range(c, c + n))
            blocks = seq.block_ids
            slots.extend(blocks[p // bs] * bs + p % bs for p in range(c, c + n))
            slices.append(SeqSlice(start, n, c + n, blocks[: -(-(c + n) // bs)]))
            if seq.sampling.prompt_logprobs is not None and c < seq.num_prompt_tokens - 1:
                # Row p scores prompt token p + 1; the last prompt row is the sampling row.
                count = min(c + n, seq.num_prompt_tokens - 1) - c
                prompt_rows.append((seq.request_id, c, start, count))
            if c + n == seq.num_tokens:
                sample_rows.append(start + n - 1)
                sample_seqs.append(seq)
            if seq.adapter_id is not None:
                adapter_rows.setdefault(seq.adapter_id, []).append(range(start, start + n))
        paged = Int8PagedAttention if isinstance(self.cache, Int8KVCache) else PagedAttention
        attention = paged(self.cache, slices, torch.tensor(slots))
        forward = self.compiled if (self.compiled and self.compiled.ready and attention.all_decode
                                    and not adapter_rows) else self.model
        with self._adapters(adapter_rows):
            hidden = forward(torch.tensor(ids), torch.tensor(positions), attention)
        logits = (self.model.compute_logits(hidden[sample_rows]) if sample_rows
                  else hidden.new_empty(0, 0))
        prompt_logits = {
            rid: (pos, self.model.compute_logits(hidden[row : row + count]))
            for rid, pos, row, count in prompt_rows
        }
        return RunnerOutput(sample_seqs, logits, prompt_logits)

    def _adapters(self, rows: dict[str, list[range]]) -> AbstractContextManager[None]:
        """The forward adds each adapter's delta to its rows (one slice when they are adjacent)."""
        if not rows:
            return nullcontext()
        if self.adapters is None:
            raise RuntimeError("a request names an adapter but this runner has no LoRA registry")
        return self.adapters.activate({a: _rows(r) for a, r in rows.items()})


def _rows(ranges: list[range]) -> slice | torch.Tensor:
    if all(a.stop == b.start for a, b in pairwise(ranges)):
        return slice(ranges[0].start, ranges[-1].stop)
    return torch.tensor([i for r in ranges for i in r])
