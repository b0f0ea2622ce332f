"""Packing: rows, cu_seqlens and positions; attention never crosses samples; packed and unpacked
batches give the same loss and gradients; the flash-attn varlen path where a GPU has it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from engine.models import CausalAttention
from tests.trainer.conftest import chat_rows, write_jsonl
from trainer.attention import PackedAttention, block_causal_mask, flash_available
from trainer.data import IGNORE, Sample, encode_sft
from trainer.model import TrainModule, load_base
from trainer.packing import StepPlan, collate, pack_rows


def _sample(n: int, start: int = 0) -> tuple[Sample]:
    ids = tuple(range(start, start + n))
    return (Sample(ids, (*ids[1:], IGNORE)),)


def test_rows_cu_seqlens_and_positions() -> None:
    units = [_sample(3), _sample(4, 10), _sample(5, 20)]
    assert pack_rows(units, 8, pack=True) == [(0, 1), (2,)]
    assert pack_rows(units, 8, pack=False) == [(0,), (1,), (2,)]
    batch = collate(units, [(0, 1), (2,)], row_len=8, pad_rows=True)
    assert batch.cu_seqlens.tolist() == [0, 3, 7, 8, 13, 16]  # a pad segment ends each row
    assert batch.positions.tolist() == [0, 1, 2, 0, 1, 2, 3, 0, 0, 1, 2, 3, 4, 0, 1, 2]
    assert batch.num_tokens == 12 and (batch.targets[13:] == IGNORE).all()
    with pytest.raises(ValueError, match="more than a row"):
        pack_rows([_sample(9)], 8, pack=True)


def test_step_plan_covers_every_row_once_per_epoch() -> None:
    plan = StepPlan(rows=tuple((i,) for i in range(7)), world_size=2, micro_batch_size=1,
                    grad_accum=2, shuffle=True, seed=1)
    assert plan.steps_per_epoch == 2
    seen = [r for step in range(2) for rank in range(2) for micro in range(2)
            for r in plan.micro_rows(step, rank, micro)]
    assert sorted(seen) == [(i,) for i in range(7)]  # the short last step gets a dummy
    assert plan.micro_rows(1, 1, 1) == []
    assert collate([], [], row_len=8, pad_rows=True).input_ids.numel() == 1


def test_block_mask_is_causal_within_samples_only() -> None:
    mask = block_causal_mask(torch.tensor([0, 2, 5]), 5)
    expected = torch.tensor([[1, 0, 0, 0, 0], [1, 1, 0, 0, 0], [0, 0, 1, 0, 0],
                             [0, 0, 1, 1, 0], [0, 0, 1, 1, 1]], dtype=torch.bool)
    assert torch.equal(mask, expected)


def test_sdpa_block_mask_matches_attention_per_sample() -> None:
    torch.manual_seed(0)
    cu = torch.tensor([0, 5, 6, 13], dtype=torch.int32)
    q, k, v = torch.randn(13, 4, 8), torch.randn(13, 2, 8), torch.randn(13, 2, 8)
    packed = PackedAttention(cu, 7, use_flash=False)(0, q, k, v)
    torch.testing.assert_close(packed, CausalAttention(cu.tolist())(0, q, k, v))


def test_windowed_capped_packed_attention_matches_attention_per_sample() -> None:
    """Sliding windows and capped scores (Mistral, Gemma) stay inside each packed sample; the
    window's mask is reused by the next layer with the same window."""
    torch.manual_seed(0)
    cu = torch.tensor([0, 5, 6, 13], dtype=torch.int32)
    q, k, v = torch.randn(13, 4, 8), torch.randn(13, 2, 8), torch.randn(13, 2, 8)
    attention = PackedAttention(cu, 7, use_flash=False)
    reference = CausalAttention(cu.tolist())
    for window, softcap in ((3, None), (None, 2.0), (3, 2.0), (3, None)):
        torch.testing.assert_close(attention(0, q, k, v, window=window, softcap=softcap),
                                   reference(0, q, k, v, window=window, softcap=softcap))


@pytest.mark.gpu
@pytest.mark.skipif(not flash_available(), reason="needs a CUDA device and flash-attn")
def test_flash_varlen_matches_sdpa_on_gpu() -> None:
    torch.manual_seed(0)
    cu = torch.tensor([0, 50, 51, 130], dtype=torch.int32, device="cuda")
    q = torch.randn(130, 8, 64, device="cuda", dtype=torch.bfloat16)
    k, v = (torch.randn(130, 2, 64, device="cuda", dtype=torch.bfloat16) for _ in range(2))
    flash = PackedAttention(cu, 79, use_flash=True)(0, q, k, v)
    sdpa = PackedAttention(cu, 79, use_flash=False)(0, q, k, v)
    torch.testing.assert_close(flash, sdpa, atol=2e-2, rtol=2e-2)


@pytest.fixture(scope="module")
def tiny(tiny_chat_model: Path, tmp_path_factory: pytest.TempPathFactory):
    _, lm, tok = load_base(str(tiny_chat_model))
    path = write_jsonl(tmp_path_factory.mktemp("data") / "chat.jsonl", chat_rows())
    return lm, encode_sft(tok, path, seq_len=128).units


def _loss_and_grads(module: TrainModule, batch) -> tuple[torch.Tensor, list[torch.Tensor]]:
    module.zero_grad()
    stats = module(batch)
    stats.loss.backward()
    return stats.loss.detach(), [p.grad.clone() for p in module.parameters()]


@pytest.mark.parametrize("checkpointing", [False, True])
def test_packed_and_unpacked_give_the_same_loss(tiny, checkpointing: bool) -> None:
    lm, units = tiny
    module = TrainModule(lm, activation_checkpointing=checkpointing).train()
    rows = pack_rows(units, 128, pack=True)
    assert len(rows) < len(units)  # several samples share a row
    packed_loss, packed_grads = _loss_and_grads(
        module, collate(units, rows, row_len=128, pad_rows=True))
    total, grads = torch.zeros(()), None
    for i in range(len(units)):  # one sample at a time, no padding
        loss, g = _loss_and_grads(module, collate(units, [(i,)], row_len=128, pad_rows=False))
        total += loss
        grads = g if grads is None else [a + b for a, b in zip(grads, g, strict=True)]
    torch.testing.assert_close(packed_loss, total, rtol=1e-5, atol=1e-4)
    for a, b in zip(packed_grads, grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=2e-4)  # sums of ~800 token losses
    # Attention that crossed samples would change the loss: the mask matters here.
    crossing = collate(units, rows, row_len=128, pad_rows=True)
    one_segment = type(crossing)(**{**vars(crossing), "cu_seqlens": torch.tensor(
        [0, crossing.input_ids.numel()], dtype=torch.int32)})
    with torch.no_grad():
        assert (module(one_segment).loss - packed_loss).abs() > 1e-2
