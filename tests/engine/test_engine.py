"""The engine with the real default model: batching invariance, seeds, stops, aborts, preemption."""

import asyncio

import pytest

from engine.async_engine import AsyncEngine, EngineError
from engine.config import CacheConfig, EngineConfig, SchedulerConfig
from engine.llm_engine import LLMEngine
from engine.load import load
from engine.protocol import GenerateRequest, SamplingParams

pytestmark = pytest.mark.slow

PROMPTS = [
    "The capital of France is",
    "def fibonacci(n):",
    "Once upon a time, in a land far away,",
    "1, 2, 3, 4, 5,",
    "The chemical symbol for gold is",
    "我喜欢",
    "To make a cup of tea, first",
    "A haiku about the sea:",
]


@pytest.fixture(scope="module")
def loaded():
    # fp32: the exact path, so batch composition cannot flip a near tie through rounding.
    return load(EngineConfig(dtype="float32", cache=CacheConfig(num_blocks=256)))


def make_engine(loaded, num_blocks=256, budget=512, max_seqs=64, prefix=True):
    config = EngineConfig(
        dtype="float32",
        cache=CacheConfig(num_blocks=num_blocks, enable_prefix_caching=prefix),
        scheduler=SchedulerConfig(max_num_batched_tokens=budget, max_num_seqs=max_seqs),
    )
    return LLMEngine(loaded.model, loaded.tokenizer, config, num_blocks, num_blocks * 16)


def run_all(engine, requests):
    for r in requests:
        engine.add_request(r)
    outs = {r.request_id: [] for r in requests}
    texts = {r.request_id: "" for r in requests}
    reasons = {}
    while engine.has_work():
        for o in engine.step():
            outs[o.request_id] += o.token_ids
            texts[o.request_id] += o.text
            if o.finished:
                reasons[o.request_id] = o.finish_reason
    return outs, texts, reasons


def req(loaded, i, prompt, **sampling):
    ids = loaded.tokenizer.encode(prompt)
    return GenerateRequest(request_id=str(i), prompt_ids=tuple(ids), sampling=SamplingParams(**sampling))


def test_batched_greedy_equals_each_prompt_alone(loaded):
    params = {"temperature": 0.0, "max_tokens": 12, "ignore_eos": True}
    batched, _, _ = run_all(make_engine(loaded, prefix=False),
                            [req(loaded, i, p, **params) for i, p in enumerate(PROMPTS)])
    for i, p in enumerate(PROMPTS):
        alone, _, _ = run_all(make_engine(loaded, prefix=False), [req(loaded, i, p, **params)])
        assert batched[str(i)] == alone[str(i)], p


def test_chunked_prefill_and_prefix_cache_do_not_change_greedy_output(loaded):
    long_prompt = " ".join(PROMPTS) * 2  # > several blocks
    params = {"temperature": 0.0, "max_tokens": 8, "ignore_eos": True}
    ref, _, _ = run_all(make_engine(loaded, prefix=False), [req(loaded, 0, long_prompt, **params)])
    engine = make_engine(loaded, budget=16)  # prefill in chunks of 16 tokens
    chunked, _, _ = run_all(engine, [req(loaded, 0, long_prompt, **params)])
    assert chunked["0"] == ref["0"]
    again, _, _ = run_all(engine, [req(loaded, 1, long_prompt, **params)])  # served from the prefix cache
    assert again["1"] == ref["0"]
    assert engine.stats().prefix_cache_hit_tokens > 0


def test_same_seed_same_text_and_different_seed_differs(loaded):
    params = {"temperature": 1.0, "top_p": 0.95, "max_tokens": 16, "ignore_eos": True}
    texts = []
    for seed in (1, 1, 2):
        engine = make_engine(loaded)
        _, t, _ = run_all(engine, [req(loaded, 0, PROMPTS[2], seed=seed, **params),
                                   req(loaded, 1, PROMPTS[3], seed=99, **params)])
        texts.append(t["0"])
    assert texts[0] == texts[1]
    assert texts[0] != texts[2]


def test_preemption_under_block_pressure_keeps_greedy_output(loaded):
    params = {"temperature": 0.0, "max_tokens": 24, "ignore_eos": True}
    requests = [req(loaded, i, p, **params) for i, p in enumerate(PROMPTS[:4])]
    ref, _, _ = run_all(make_engine(loaded, prefix=False), requests)
    tight = make_engine(loaded, num_blocks=8, prefix=False)  # 128 token slots for 4 x ~30 tokens
    got, _, _ = run_all(tight, requests)
    assert tight.stats().num_preemptions > 0
    assert got == ref
    assert tight.stats().kv_blocks_free == 8


def test_max_tokens_and_stop_strings(loaded):
    engine = make_engine(loaded)
    _, texts, reasons = run_all(engine, [req(loaded, 0, "1, 2, 3, 4, 5,", temperature=0.0, max_tokens=5,
                                             ignore_eos=True)])
    assert reasons["0"] == "length"
    full = texts["0"]
    stop = full.strip()[2:4]
    _, t, r = run_all(engine, [req(loaded, 1, "1, 2, 3, 4, 5,", temperature=0.0, max_tokens=5,
                                   ignore_eos=True, stop=(stop,))])
    assert r["1"] == "stop" and stop not in t["1"] and full.startswith(t["1"])


def test_async_engine_streams_and_aborts_free_every_block(loaded):
    async def main():
        engine = AsyncEngine(EngineConfig(dtype="float32", cache=CacheConfig(num_blocks=256)), loaded)
        try:
            params = SamplingParams(temperature=0.0, max_tokens=200, ignore_eos=True)

            async def consume(i, stop_after):
                r = GenerateRequest(request_id=f"r{i}", prompt_ids=tuple(loaded.tokenizer.encode(PROMPTS[i])),
                                    sampling=params)
                n = 0
                async for out in engine.generate(r):
                    n += len(out.token_ids)
                    if n >= stop_after:
                        break  # leaving early aborts the request
                return n

            counts = await asyncio.gather(*(consume(i, 3 + i) for i in range(6)))
            assert counts == [3 + i for i in range(6)]
            for _ in range(100):
                s = engine.stats()
                if s.running == 0 and s.waiting == 0:
                    break
                await asyncio.sleep(0.05)
            assert s.running == 0 and s.waiting == 0
            assert s.kv_blocks_free == s.kv_blocks_total
            with pytest.raises(EngineError):
                async for _ in engine.generate(GenerateRequest(request_id="empty", prompt_ids=())):
                    pass
        finally:
            engine.shutdown()

    asyncio.run(main())


def dense_logprobs(loaded, ids):
    """log-softmax of the model's logits at every position, through the dense reference."""
    import torch

    from engine.models import CausalAttention

    with torch.inference_mode():
        t = torch.tensor(ids)
        hidden = loaded.model(t, torch.arange(len(ids)), CausalAttention())
        return torch.log_softmax(loaded.model.compute_logits(hidden), -1)


def collect(engine, request):
    engine.add_request(request)
    outs = []
    while engine.has_work():
        outs += engine.step()
    return outs


def test_logprobs_of_sampled_tokens_equal_the_models_log_softmax(loaded):
    prompt = loaded.tokenizer.encode(PROMPTS[0])
    r = GenerateRequest(request_id="lp", prompt_ids=tuple(prompt),
                        sampling=SamplingParams(temperature=0.0, max_tokens=4, ignore_eos=True, logprobs=3))
    outs = collect(make_engine(loaded), r)
    tokens = [t for o in outs for t in o.token_ids]
    ref = dense_logprobs(loaded, prompt + tokens)
    for i, o in enumerate(outs):
        (lp,) = o.logprobs
        row = ref[len(prompt) - 1 + i]
        assert lp.token_id == tokens[i]
        assert abs(lp.logprob - row[tokens[i]].item()) < 1e-3
        assert [t for t, _ in lp.top] == row.topk(3).indices.tolist()
        assert lp.top[0][0] == tokens[i]  # greedy: the chosen token is the best one


def test_prompt_logprobs_with_chunked_prefill_skip_the_prefix_cache(loaded):
    prompt = loaded.tokenizer.encode(" ".join(PROMPTS))  # several chunks of 16
    ref = dense_logprobs(loaded, prompt)
    engine = make_engine(loaded, budget=16)
    collect(engine, req(loaded, "warm", " ".join(PROMPTS), temperature=0.0, max_tokens=1))
    r = GenerateRequest(request_id="echo", prompt_ids=tuple(prompt),
                        sampling=SamplingParams(temperature=0.0, max_tokens=1, prompt_logprobs=1))
    (first, *_) = collect(engine, r)
    lps = first.prompt_logprobs
    assert lps[0] is None and len(lps) == len(prompt)
    for pos in range(1, len(prompt)):
        assert lps[pos].token_id == prompt[pos]
        assert abs(lps[pos].logprob - ref[pos - 1, prompt[pos]].item()) < 1e-3
    assert first.cached_tokens == 0  # the warm-up's cached blocks were not used


def test_frequency_penalty_breaks_greedy_repetition(loaded):
    kwargs = {"temperature": 0.0, "max_tokens": 40, "ignore_eos": True}
    _, plain, _ = run_all(make_engine(loaded), [req(loaded, 0, "1, 1, 1, 1, 1, 1,", **kwargs)])
    engine = make_engine(loaded)
    outs, _, _ = run_all(engine, [req(loaded, 0, "1, 1, 1, 1, 1, 1,", frequency_penalty=2.0, **kwargs)])
    tokens = outs["0"]
    assert max(tokens.count(t) for t in set(tokens)) < max(
        loaded.tokenizer.encode(plain["0"]).count(t) for t in set(loaded.tokenizer.encode(plain["0"])))
