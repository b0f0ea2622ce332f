"""The engine serving int4 weights (the GGUF's Q4_1 imported) and an int8 paged KV cache."""

import pytest
import torch

from engine.config import CacheConfig, EngineConfig, SchedulerConfig
from engine.llm_engine import LLMEngine
from engine.load import load
from engine.protocol import GenerateRequest, SamplingParams

pytestmark = pytest.mark.slow

FRANCE = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def int4():
    return load(EngineConfig(weights="int4", cache=CacheConfig(num_blocks=128, dtype="int8")))


def run(loaded, kv_dtype, prompts, max_tokens=24):
    config = EngineConfig(weights="int4", cache=CacheConfig(num_blocks=128, dtype=kv_dtype),
                          scheduler=SchedulerConfig(max_num_batched_tokens=64))
    engine = LLMEngine(loaded.model, loaded.tokenizer, config, 128, 128 * 16, loaded.weights)
    for i, p in enumerate(prompts):
        ids = loaded.tokenizer.encode(loaded.tokenizer.apply_chat_template(p))
        engine.add_request(GenerateRequest(request_id=str(i), prompt_ids=tuple(ids),
                                           sampling=SamplingParams(temperature=0, max_tokens=max_tokens)))
    texts = {str(i): "" for i in range(len(prompts))}
    while engine.has_work():
        for out in engine.step():
            texts[out.request_id] += out.text
    return engine, texts


def test_int4_weights_with_int8_and_bf16_kv_answer(int4):
    assert int4.weights == "int4" and int4.kv_dtype == torch.int8
    prompts = [FRANCE, [{"role": "user", "content": "What is the capital of Italy?"}]]
    engine8, texts8 = run(int4, "int8", prompts)
    engine16, texts16 = run(int4, "bfloat16", prompts)
    assert "Paris" in texts8["0"] and "Rome" in texts8["1"]
    assert "Paris" in texts16["0"] and "Rome" in texts16["1"]
    s8, s16 = engine8.stats(), engine16.stats()
    assert (s8.weights, s8.kv_cache_dtype, s16.kv_cache_dtype) == ("int4", "int8", "bfloat16")
    assert s8.kv_bytes_per_token <= 0.55 * s16.kv_bytes_per_token  # the memory bar
    assert s8.kv_blocks_free == s8.kv_blocks_total  # every block back after finishing


def test_int4_logits_stay_close_to_the_fp32_reference(int4):
    from engine.models import CausalAttention

    dense = load(EngineConfig(dtype="float32", cache=CacheConfig(num_blocks=8)))
    ids = int4.tokenizer.encode(
        "The quick brown fox jumps over the lazy dog because it was late for dinner. Paris is the "
        "capital of France, and Rome is the capital of Italy. Water boils at one hundred degrees "
        "Celsius at sea level, and the Earth goes around the Sun once a year."
    )
    pos = torch.arange(len(ids))
    with torch.inference_mode():
        ref = dense.model.compute_logits(dense.model(torch.tensor(ids), pos, CausalAttention()))
        got = int4.model.compute_logits(int4.model(torch.tensor(ids), pos, CausalAttention()))
    # bf16 activations: the same next token at (almost) every position, logits within a margin.
    agree = (ref.argmax(-1) == got.argmax(-1)).float().mean().item()
    assert agree >= 0.85
    assert (ref - got).abs().max().item() < 2.0  # measured 1.40 on logits of about 25
