"""Embeddings: parity with transformers' mean-pooled last hidden state (tiny random Llama, fp32),
packing invariance, `dimensions`, and `AsyncEngine.embed` on the default model beside generation."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from engine.async_engine import AsyncEngine
from engine.config import CacheConfig, EngineConfig, SchedulerConfig
from engine.embed import EmbedRequest, chunks, embed, mean_hidden
from engine.load import load
from engine.loaders import load_checkpoint
from engine.protocol import GenerateRequest, SamplingParams

TOL = 1e-4
TINY_INPUTS = ((7,), (1, 17, 42, 99, 3), tuple((i * 37) % 320 for i in range(20)))


def hf_mean_pooled(model: torch.nn.Module, inputs: tuple[tuple[int, ...], ...]) -> torch.Tensor:
    """The reference: transformers' last hidden state (after the final norm), averaged over each
    input's tokens, one input at a time (no padding to get wrong), then L2-normalised."""
    rows = []
    with torch.no_grad():
        for ids in inputs:
            out = model(torch.tensor([ids]), output_hidden_states=True)
            rows.append(out.hidden_states[-1][0].float().mean(0))
    return F.normalize(torch.stack(rows), dim=-1)


def test_tiny_llama_matches_hf(tiny_llama_dir: Path) -> None:
    from transformers import LlamaForCausalLM as HFLlama

    _, ours = load_checkpoint(tiny_llama_dir)
    hf = HFLlama.from_pretrained(tiny_llama_dir, dtype=torch.float32).eval()
    got = embed(ours, EmbedRequest(inputs=TINY_INPUTS))
    expected = hf_mean_pooled(hf, TINY_INPUTS)
    assert got.shape == (3, 64)
    assert (got - expected).abs().max() < TOL
    # The inputs really differ: a pooling bug that mixed them up could not pass the check above.
    assert (expected[0] - expected[1]).abs().max() > 0.1


def test_packed_inputs_embed_as_they_do_alone(tiny_llama_dir: Path) -> None:
    _, ours = load_checkpoint(tiny_llama_dir)
    together = mean_hidden(ours, TINY_INPUTS)
    alone = torch.cat([mean_hidden(ours, [ids]) for ids in TINY_INPUTS])
    # Only fp32 rounding may differ (a matrix and a vector product block their sums apart).
    torch.testing.assert_close(together, alone, rtol=1e-5, atol=1e-5)


def test_dimensions_truncate_then_renormalise(tiny_llama_dir: Path) -> None:
    _, ours = load_checkpoint(tiny_llama_dir)
    full = mean_hidden(ours, TINY_INPUTS)
    short = embed(ours, EmbedRequest(inputs=TINY_INPUTS, dimensions=16))
    assert short.shape == (3, 16)
    torch.testing.assert_close(short.norm(dim=-1), torch.ones(3))
    torch.testing.assert_close(short, full[:, :16] / full[:, :16].norm(dim=-1, keepdim=True))


def test_empty_input_is_refused(tiny_llama_dir: Path) -> None:
    _, ours = load_checkpoint(tiny_llama_dir)
    with pytest.raises(ValueError, match="at least one token"):
        mean_hidden(ours, [(1, 2), ()])


@pytest.mark.parametrize(
    ("lengths", "budget", "expected"),
    [
        ([3, 3, 3], 6, [[0, 1], [2]]),
        ([10, 2, 2], 4, [[0], [1, 2]]),  # too long for the budget: alone, not split
        ([1, 9, 1], 4, [[0], [1], [2]]),
        ([2, 2], 100, [[0, 1]]),
        ([], 8, []),
    ],
)
def test_chunks_keep_order_within_the_budget(
    lengths: list[int], budget: int, expected: list[list[int]]
) -> None:
    assert [list(r) for r in chunks(lengths, budget)] == expected


# ---- the engine thread, with the default model ----------------------------------------------


@pytest.fixture(scope="module")
def default_loaded(model_default_gguf: Path):
    # The served configuration (fp32, fused, oneDNN-packed linears); a small cache is enough.
    return load(EngineConfig(dtype="float32", cache=CacheConfig(num_blocks=64)))


SENTENCES = ["The capital of France is Paris.", "def add(a, b):\n    return a + b", "我喜欢喝茶"]


def _engine(loaded, budget: int) -> AsyncEngine:
    config = EngineConfig(
        dtype="float32",
        num_threads=2,
        cache=CacheConfig(num_blocks=loaded.num_blocks),
        scheduler=SchedulerConfig(max_num_batched_tokens=budget),
    )
    return AsyncEngine(config, loaded)


async def _generate(engine: AsyncEngine, ids: list[int], request_id: str) -> list[int]:
    sampling = SamplingParams(max_tokens=24, temperature=0.0, ignore_eos=True)
    out: list[int] = []
    request = GenerateRequest(request_id=request_id, prompt_ids=tuple(ids), sampling=sampling)
    async for delta in engine.generate(request):
        out += delta.token_ids
    return out


@pytest.mark.slow
async def test_async_embed_runs_between_steps_and_leaves_generation_alone(default_loaded) -> None:
    tok = default_loaded.tokenizer
    # A budget smaller than the job: the engine thread runs it in several chunks between steps.
    engine = _engine(default_loaded, budget=16)
    try:
        prompt = tok.encode("Once upon a time, in a land far away,")
        alone = await _generate(engine, prompt, "alone")
        job = EmbedRequest(inputs=tuple(tuple(tok.encode(s)) for s in SENTENCES * 3))
        beside, vectors = await asyncio.gather(
            _generate(engine, prompt, "beside"), engine.embed(job)
        )
        # Greedy tokens unchanged: the embedding pass touched neither KV blocks nor the batch.
        assert beside == alone
        expected = embed(default_loaded.model, job).numpy()
        assert vectors.shape == (9, 576)
        assert abs(vectors - expected).max() < 1e-6
    finally:
        engine.shutdown()


@pytest.mark.slow
async def test_cancelled_embed_is_dropped_and_the_engine_goes_on(default_loaded) -> None:
    tok = default_loaded.tokenizer
    engine = _engine(default_loaded, budget=8)
    try:
        big = EmbedRequest(inputs=tuple(tuple(tok.encode(s)) for s in SENTENCES * 40))
        task = asyncio.ensure_future(engine.embed(big))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        small = EmbedRequest(inputs=((1, 2, 3),), dimensions=8)
        vectors = await asyncio.wait_for(engine.embed(small), timeout=30)
        assert vectors.shape == (1, 8)
    finally:
        engine.shutdown()
