"""Decode steps through torch.compile (engine.compiled) against the eager model they replace:
the same greedy tokens through the whole engine (plain and int8 KV cache), the same logits step
by step; graphs saved to the compile cache and loaded by a later engine (the same tokens, no
tracing); and sampling never yields an id past the tokenizer."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from engine.config import CacheConfig, EngineConfig, SchedulerConfig
from engine.llm_engine import LLMEngine
from engine.load import load
from engine.protocol import AdapterRef, GenerateRequest, SamplingParams
from tests.trainer.conftest import chat_model_folder

pytestmark = pytest.mark.slow

PROMPTS = ["The capital of France is", "def f(n):", "1, 2, 3,", "A haiku", "我喜欢", "tea, first",
           "Once upon a time, in a land far away, there lived", "x"]


@pytest.fixture(scope="module")
def model_dir(tiny_llama_factory) -> Path:
    """The tiny random Llama (vocab 320) with a byte tokenizer of 259 ids."""
    return chat_model_folder(tiny_llama_factory, "compiled", max_position_embeddings=512)


def engine(folder: Path, compile: bool, kv: str = "auto", wait: bool = True,
           cache_dir: Path | None = None) -> LLMEngine:
    """An engine over the folder; compiled ones are waited for (`wait`) until their graphs,
    built in the background (or loaded from `cache_dir`), are ready."""
    config = EngineConfig(model=str(folder), dtype="float32", compile=compile,
                          compile_cache=str(cache_dir) if cache_dir else None,
                          cache=CacheConfig(num_blocks=128, dtype=kv),
                          scheduler=SchedulerConfig(max_num_batched_tokens=64))
    loaded = load(config)
    eng = LLMEngine(loaded.model, loaded.tokenizer, config, loaded.num_blocks, 512)
    if compile and wait:
        assert eng.runner.compiled.wait(600), eng.runner.compiled.state
    return eng


def generate(eng: LLMEngine, sampling: SamplingParams, prompts=PROMPTS,
             adapters: list[AdapterRef | None] | None = None) -> dict[str, list[int]]:
    """Request id (the prompt's index) -> its generated ids; `adapters`: one per prompt."""
    out: dict[str, list[int]] = {}
    for i, p in enumerate(prompts):
        ids = tuple(eng.tokenizer.encode(p))
        eng.add_request(GenerateRequest(request_id=str(i), prompt_ids=ids, sampling=sampling,
                                        adapter=adapters[i] if adapters else None))
        out[str(i)] = []
    while eng.has_work():
        for o in eng.step():
            out[o.request_id] += o.token_ids
    return out


GREEDY = SamplingParams(temperature=0.0, max_tokens=40, ignore_eos=True)


@pytest.mark.parametrize("kv", ["auto", "int8"])
def test_compiled_decode_gives_the_eager_greedy_tokens(model_dir, kv):
    want = generate(engine(model_dir, False, kv), GREEDY)
    compiled = engine(model_dir, True, kv)
    runs = compiled.runner.compiled
    assert runs is not None and runs.source == "compiled"
    before = runs.calls
    assert generate(compiled, GREEDY) == want
    # Every step after the prefills decodes: most of the 40 went through the compiled graph.
    assert runs.calls - before >= 30
    alone = generate(compiled, GREEDY, PROMPTS[:1])  # batch 1: the other graph
    assert alone["0"] == want["0"]


def test_the_engine_answers_eagerly_while_it_compiles(model_dir, monkeypatch):
    """The graphs build in a background thread over a scratch cache: requests are answered at
    once by the eager steps, the runner switches to the compiled step when it is ready, and the
    served cache (other sizes than the scratch's) runs the same graphs without recompiling."""
    import threading

    from torch._dynamo.utils import counters

    from engine.compiled import CompiledDecode

    want = generate(engine(model_dir, False), GREEDY)
    go = threading.Event()  # the compile starts when the test has been answered eagerly
    warm_up = CompiledDecode.warm_up
    monkeypatch.setattr(CompiledDecode, "warm_up",
                        lambda self, cache: go.wait(600) and warm_up(self, cache))
    eng = engine(model_dir, True, wait=False)
    runs = eng.runner.compiled
    assert eng.stats().compiled_decode == "building"
    assert generate(eng, GREEDY) == want
    assert runs.calls == 0 and not runs.ready  # every step eager
    go.set()
    assert runs.wait(600) and eng.stats().compiled_decode == "ready"
    graphs, before = counters["stats"]["unique_graphs"], runs.calls
    assert generate(eng, GREEDY) == want
    assert runs.calls - before >= 30
    assert generate(eng, GREEDY, PROMPTS[:1]) == {"0": want["0"]}  # batch 1: the other graph
    assert counters["stats"]["unique_graphs"] == graphs


@torch.inference_mode()
def test_compiled_logits_equal_eager_logits_within_fp32_rounding(model_dir):
    from engine.paged_attention import PagedAttention, SeqSlice

    eng = engine(model_dir, True)
    model, compiled, cache = eng.runner.model, eng.runner.compiled, eng.runner.cache
    for batch, ctx in ((1, 5), (4, 37), (7, 16), (2, 100)):
        blocks = -(-ctx // 16)
        seqs = [SeqSlice(i, 1, ctx, list(range(i * blocks, (i + 1) * blocks)))
                for i in range(batch)]
        slots = torch.tensor([s.block_ids[-1] * 16 + (ctx - 1) % 16 for s in seqs])
        ids, pos = torch.arange(batch) * 31 + 7, torch.full((batch,), ctx - 1)
        want = model(ids, pos, PagedAttention(cache, seqs, slots))
        got = compiled(ids, pos, PagedAttention(cache, seqs, slots))
        torch.testing.assert_close(got, want, atol=1e-4, rtol=1e-4)


def test_a_later_engine_loads_the_graphs_from_the_compile_cache(model_dir, tiny_llama_factory,
                                                                tmp_path, caplog):
    """The first engine traces and saves both graphs; a second one over the same model loads
    them (no tracing: Dynamo compiles nothing) and gives the eager greedy tokens through them; so
    does a model of the same shape with other weights (they are the graphs' inputs, read at each
    call); a model of another shape gets graphs of its own; a damaged file is compiled again."""
    from torch._dynamo.utils import counters

    from engine.compiled import artifact_key
    from engine.lora import lora_context

    want = generate(engine(model_dir, False), GREEDY)
    first = engine(model_dir, True, cache_dir=tmp_path)
    assert first.runner.compiled.source == "compiled"
    (folder,) = [p for p in tmp_path.iterdir() if p.name != "inductor"]
    assert sorted(p.name for p in folder.iterdir()) == ["many.bin", "one.bin"]
    graphs = counters["stats"]["unique_graphs"]
    second = engine(model_dir, True, cache_dir=tmp_path)
    runs = second.runner.compiled
    assert runs.source == "disk" and counters["stats"]["unique_graphs"] == graphs
    assert generate(second, GREEDY) == want and runs.calls >= 30
    assert generate(second, GREEDY, PROMPTS[:1]) == {"0": want["0"]}  # batch 1: the other graph

    reweighted = chat_model_folder(tiny_llama_factory, "compiled-other-weights",
                                   max_position_embeddings=512, initializer_range=0.3)
    theirs = generate(engine(reweighted, False), GREEDY)
    assert theirs != want  # other weights, other tokens
    same_shape = engine(reweighted, True, cache_dir=tmp_path)
    assert same_shape.runner.compiled.source == "disk"
    assert generate(same_shape, GREEDY) == theirs and same_shape.runner.compiled.calls >= 30

    other = chat_model_folder(tiny_llama_factory, "compiled-2-layers", num_hidden_layers=2,
                              max_position_embeddings=512)
    two = engine(other, False)
    lora_context(two.runner.model)  # as compiling does: the module trees compare like for like
    assert artifact_key(two.runner.model, two.runner.cache) != folder.name
    assert artifact_key(second.runner.model, second.runner.cache) == folder.name

    (folder / "one.bin").write_bytes(b"not a compiled function")
    third = engine(model_dir, True, cache_dir=tmp_path)
    assert third.runner.compiled.source == "compiled"
    assert "could not load the compiled decode step" in caplog.text
    assert generate(third, GREEDY, PROMPTS[:2]) == {k: want[k] for k in ("0", "1")}


def test_sampling_never_yields_an_id_past_the_tokenizer(model_dir):
    eng = engine(model_dir, False)
    assert eng.runner.model.config.vocab_size == 320 and eng.tokenizer.vocab_size == 259
    sampled = generate(eng, SamplingParams(temperature=1.5, max_tokens=64, ignore_eos=True,
                                           seed=1))
    ids = [t for toks in sampled.values() for t in toks]
    assert len(ids) == 64 * len(PROMPTS) and max(ids) < 259


def test_two_compiled_models_keep_their_own_graphs(model_dir, tiny_llama_factory):
    """The compiled step skips the guards on module attributes (engine.compiled): each engine
    holds its own graphs, so a second model — here 2 layers instead of 3, other weights —
    never runs the first one's graph, and the first still runs its own afterwards."""
    other = chat_model_folder(tiny_llama_factory, "compiled-2-layers", num_hidden_layers=2,
                              max_position_embeddings=512)
    first = engine(model_dir, True)
    want_first = generate(engine(model_dir, False), GREEDY, PROMPTS[:3])
    assert generate(first, GREEDY, PROMPTS[:3]) == want_first
    second = engine(other, True)
    assert second.runner.model.config.num_layers == 2
    before = second.runner.compiled.calls
    assert generate(second, GREEDY, PROMPTS[:3]) == generate(engine(other, False), GREEDY,
                                                             PROMPTS[:3])
    assert second.runner.compiled.calls - before >= 30
    assert generate(first, GREEDY, PROMPTS[:3]) == want_first


def test_an_adapter_loaded_after_compiling(model_dir, tmp_path):
    """LoRA rows run eager and swap the projections for LoraLinear at the first adapter's load;
    the compiled graph (which no longer re-checks module attributes) was traced over those
    wrappers already, so steps without adapters keep running it — before, during and after
    adapter requests — and every answer equals the eager engine's."""
    from tests.engine.test_lora import ALL, write_peft

    adapter = write_peft(tmp_path / "a", model_dir, ALL, 4, 8.0, 1)
    eager, compiled = engine(model_dir, False), engine(model_dir, True)
    a = AdapterRef(id="a", path=str(adapter))
    runs = compiled.runner.compiled
    before = generate(compiled, GREEDY, PROMPTS[:2])
    assert before == generate(eager, GREEDY, PROMPTS[:2])

    adapters = [a, None, a]
    with_adapter = generate(compiled, GREEDY, PROMPTS[:3], adapters)
    assert with_adapter == generate(eager, GREEDY, PROMPTS[:3], adapters)
    assert with_adapter["0"] != before["0"]  # the adapter changes the answer
    calls = runs.calls
    assert generate(compiled, GREEDY, PROMPTS[:2]) == before
    assert runs.calls - calls >= 30
