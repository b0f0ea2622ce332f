"""Runs one scheduled batch through the model: flatten, one forward pass, logits where needed.

The only place where sequences meet tensors. Prefill chunks and decode tokens of many
requests go through the model together as one flat batch of T tokens.
"""

from __future__ import annotations

import torch

from engine.models.llama import LlamaForCausalLM
from engine.paged_attention import KVCache, PagedAttention, SeqSlice
from engine.scheduler import ScheduledBatch
from engine.sequence import Sequence


class ModelRunner:
    """Owns the model and its KV cache."""

    def __init__(self, model: LlamaForCausalLM, cache: KVCache) -> None:
        self.model = model
        self.cache = cache

    @torch.inference_mode()
    def execute(self, batch: ScheduledBatch) -> tuple[list[Sequence], torch.Tensor]:
        """Compute the batch's new tokens; return the sequences that reached their last token and
        their next-token logits ([N, vocab], float32), in the same order."""
        bs = self.cache.block_size
        ids: list[int] = []
        positions: list[int] = []
        slots: list[int] = []
        slices: list[SeqSlice] = []
        sample_rows: list[int] = []
        sample_seqs: list[Sequence] = []
        for seq, n in batch.items:
            start, c = len(ids), seq.num_computed_tokens
            ids.extend(seq.token_ids[c : c + n])
            positions.extend(range(c, c + n))
            blocks = seq.block_ids
            slots.extend(blocks[p // bs] * bs + p % bs for p in range(c, c + n))
            slices.append(SeqSlice(start, n, c + n, blocks[: -(-(c + n) // bs)]))
            if c + n == seq.num_tokens:
                sample_rows.append(start + n - 1)
                sample_seqs.append(seq)
        attention = PagedAttention(self.cache, slices, torch.tensor(slots))
        hidden = self.model(torch.tensor(ids), torch.tensor(positions), attention)
        if not sample_rows:
            return [], hidden.new_empty(0, 0)
        return sample_seqs, self.model.compute_logits(hidden[sample_rows])
