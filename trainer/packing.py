"""Packing samples into fixed-length rows and cutting rows into per-rank micro-batches.

A micro-batch is flat (the model takes [T] tokens): its samples are concatenated with `cu_seqlens`
and positions restarting at 0 per sample; packed rows are padded to row_len by a masked segment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

import torch
from torch import Tensor

from trainer.data import IGNORE, Sample


@dataclass(frozen=True)
class Batch:
    """Flat tokens of one micro-batch. DPO: chosen[i] / rejected[i] index its samples."""

    input_ids: Tensor  # [T] long
    targets: Tensor  # [T] long, IGNORE outside the loss
    positions: Tensor  # [T] long, restarting per sample
    cu_seqlens: Tensor  # [n_samples + 1] int32, padding segments included
    max_seqlen: int
    sample_ids: Tensor  # [T] long: which segment each token belongs to
    chosen: Tensor  # [n_pairs] long (empty for SFT)
    rejected: Tensor
    num_tokens: int  # real (non-padding) tokens

    def to(self, device: torch.device | str) -> Batch:
        moved = {k: v.to(device) if isinstance(v, Tensor) else v for k, v in vars(self).items()}
        return Batch(**moved)


def pack_rows(units: Sequence[Sequence[Sample]], row_len: int, pack: bool) -> list[tuple[int, ...]]:
    """Rows as tuples of unit indices, filled in order (next-fit keeps the data order stable);
    unpacked: one unit per row. A unit (a DPO pair) always stays in one row."""
    rows: list[tuple[int, ...]] = []
    current: list[int] = []
    used = 0
    for i, unit in enumerate(units):
        size = sum(len(s.input_ids) for s in unit)
        if size > row_len:
            raise ValueError(f"unit {i} has {size} tokens, more than a row's {row_len}")
        if current and (not pack or used + size > row_len):
            rows.append(tuple(current))
            current, used = [], 0
        current.append(i)
        used += size
    if current:
        rows.append(tuple(current))
    return rows


def collate(units: Sequence[Sequence[Sample]], rows: Sequence[Sequence[int]], *, row_len: int,
            pad_rows: bool, pad_id: int = 0) -> Batch:
    """Concatenate the rows' samples; with pad_rows each row is filled to row_len. An empty
    `rows` gives a one-token dummy batch, so every rank still runs forward and backward."""
    segments: list[tuple[Sequence[int], Sequence[int]]] = []
    chosen: list[int] = []
    rejected: list[int] = []
    real = 0
    for row in rows:
        used = 0
        for unit_index in row:
            unit = units[unit_index]
            if len(unit) == 2:
                chosen.append(len(segments))
                rejected.append(len(segments) + 1)
            for sample in unit:
                segments.append((sample.input_ids, sample.targets))
                used += len(sample.input_ids)
        real += used
        if pad_rows and used < row_len:
            segments.append(([pad_id] * (row_len - used), [IGNORE] * (row_len - used)))
    if not segments:
        segments.append(([pad_id], [IGNORE]))
    lengths = [len(ids) for ids, _ in segments]
    return Batch(
        input_ids=torch.tensor([t for ids, _ in segments for t in ids], dtype=torch.long),
        targets=torch.tensor([t for _, tg in segments for t in tg], dtype=torch.long),
        positions=torch.cat([torch.arange(n) for n in lengths]),
        cu_seqlens=torch.tensor([0, *accumulate(lengths)], dtype=torch.int32),
        max_seqlen=max(lengths),
        sample_ids=torch.repeat_interleave(torch.arange(len(lengths)), torch.tensor(lengths)),
        chosen=torch.tensor(chosen, dtype=torch.long),
        rejected=torch.tensor(rejected, dtype=torch.long),
        num_tokens=real,
    )


@dataclass(frozen=True)
class StepPlan:
    """Which rows each (step, rank, micro-step) trains on. Every rank computes the same plan, so
    global counts (for the loss normalisation) need no communication. The last step of an epoch
    may be short: its missing micro-batches are dummies, never skipped collectives."""

    rows: tuple[tuple[int, ...], ...]
    world_size: int
    micro_batch_size: int
    grad_accum: int
    shuffle: bool
    seed: int

    @property
    def rows_per_step(self) -> int:
        return self.world_size * self.grad_accum * self.micro_batch_size

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.rows) / self.rows_per_step)

    def _order(self, epoch: int) -> list[int]:
        if not self.shuffle:
            return list(range(len(self.rows)))
        generator = torch.Generator().manual_seed(self.seed * 100_003 + epoch)
        return torch.randperm(len(self.rows), generator=generator).tolist()

    def step_rows(self, step: int) -> list[tuple[int, ...]]:
        """All rows of a global step, in (micro, rank, slot) order."""
        epoch, index = divmod(step, self.steps_per_epoch)
        start = index * self.rows_per_step
        return [self.rows[i] for i in self._order(epoch)[start:start + self.rows_per_step]]

    def micro_rows(self, step: int, rank: int, micro: int) -> list[tuple[int, ...]]:
        rows = self.step_rows(step)
        start = (micro * self.world_size + rank) * self.micro_batch_size
        return rows[start:start + self.micro_batch_size]
