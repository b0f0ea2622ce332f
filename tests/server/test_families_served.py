"""Every model family through one `hanlin serve` holding them all (a models folder beside the
default model) and the official `openai` SDK: the greedy answer's tokens (read back from chat
log-probabilities' bytes) are transformers' greedy tokens on the same prompt, whole and
streamed; each GGUF architecture, as a Q4_K_M file in the same folder, gives the prompt
log-probabilities transformers gives reading that file. The server loads each model's engine on
its first request and keeps at most two loaded (HANLIN_MAX_LOADED_MODELS), unloading the least
recently used: `/v1/models` says which."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
import torch

from engine.config import DEFAULT_MODEL
from tests.engine.test_gguf_families import (
    LOGPROB_TOL,
    PROMPTS,
    SPECS,
    TRANSFORMERS_MISSES,
    TRANSFORMERS_READS,
    build_hf,
    hf_logits,
    hf_model,
    prompt_logprobs,
    write_gguf,
)
from tests.families import build_family, token_ids_of, transformers_greedy
from tests.server.conftest import launch, stop

pytestmark = pytest.mark.slow

FAMILIES = ["llama3", "qwen2", "qwen3", "mistral", "gemma2", "gemma3", "phi3", "phi4-mini",
            "qwen3-moe", "mixtral"]
# Prompt and answer stay within the pretraining context LongRoPE checkpoints declare (40 here):
# past it transformers switches every position to the long factors, where we switch per position.
MESSAGES = [{"role": "user", "content": "Hi there"}]
N = 8


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The models folder: one sub-folder per family, named after it (its model id)."""
    folder = tmp_path_factory.mktemp("models")
    for name in FAMILIES:
        build_family(name, folder / name)
    for name in TRANSFORMERS_READS:  # model id: the file's stem
        hf = build_hf(name, tmp_path_factory.mktemp(f"hf-{name}"))
        write_gguf(hf, folder / f"{name}-Q4_K_M.gguf", SPECS[name][0], "q4_k_m", servable=True)
    return folder


@pytest.fixture(scope="module")
def client(models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[openai.OpenAI]:
    home = tmp_path_factory.mktemp("home")
    proc, url = launch(home, home / "server.log", HANLIN_MODELS_DIR=str(models),
                       HANLIN_MAX_LOADED_MODELS="2", HANLIN_MODEL_KV_MB="4")
    try:
        with openai.OpenAI(base_url=f"{url}/v1", api_key="unused") as client:
            yield client
    finally:
        stop(proc)


def _transformers_greedy(folder: Path) -> list[int]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    prompt = AutoTokenizer.from_pretrained(folder).apply_chat_template(
        MESSAGES, add_generation_prompt=True, tokenize=True)["input_ids"]
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32,
                                                 attn_implementation="eager").eval()
    return transformers_greedy(model, prompt, N)


def _loaded(client: openai.OpenAI) -> set[str]:
    return {m.id for m in client.models.list().data if m.model_extra["loaded"]}


@pytest.mark.parametrize("name", FAMILIES)
def test_served_greedy_tokens_match_transformers(client: openai.OpenAI, models: Path,
                                                 name: str) -> None:
    kwargs = dict(model=name, messages=MESSAGES, temperature=0, max_tokens=N, logprobs=True,
                  extra_body={"ignore_eos": True})
    whole = client.chat.completions.create(**kwargs)
    got = token_ids_of([t.bytes for t in whole.choices[0].logprobs.content])
    assert got == _transformers_greedy(models / name), name
    assert whole.usage.completion_tokens == N
    streamed = []
    for chunk in client.chat.completions.create(**kwargs, stream=True):
        if chunk.choices and chunk.choices[0].logprobs:
            streamed += [t.bytes for t in chunk.choices[0].logprobs.content]
    assert token_ids_of(streamed) == got, name
    # The default model stays up; of the folder's, this one and at most one other.
    loaded = _loaded(client)
    assert DEFAULT_MODEL in loaded and name in loaded and len(loaded) <= 3, loaded


@pytest.mark.parametrize("name", TRANSFORMERS_READS)
def test_served_gguf_prompt_logprobs_match_transformers_reading_the_file(
        client: openai.OpenAI, models: Path, name: str) -> None:
    path = models / f"{name}-Q4_K_M.gguf"
    hf = hf_model(models, path.name, **TRANSFORMERS_MISSES.get(name, {}))
    for ids in PROMPTS[1:]:
        answer = client.completions.create(model=path.stem, prompt=ids, max_tokens=1, echo=True,
                                           logprobs=0, temperature=0)
        served = answer.choices[0].logprobs.token_logprobs[1:len(ids)]
        want = prompt_logprobs(hf_logits(hf, ids), ids)
        diff = (torch.tensor(served) - want).abs().max()
        assert diff < LOGPROB_TOL, (name, len(ids), diff)


def test_models_lists_every_base_model_and_which_are_loaded(client: openai.OpenAI) -> None:
    listed = {m.id: m for m in client.models.list().data}
    assert set(FAMILIES) | {DEFAULT_MODEL} | {f"{n}-Q4_K_M" for n in TRANSFORMERS_READS} \
        <= set(listed)
    assert listed[DEFAULT_MODEL].model_extra["loaded"] is True
    client.chat.completions.create(model="qwen2", messages=MESSAGES, max_tokens=1)
    client.chat.completions.create(model="llama3", messages=MESSAGES, max_tokens=1)
    assert _loaded(client) == {DEFAULT_MODEL, "qwen2", "llama3"}
    client.chat.completions.create(model="mistral", messages=MESSAGES, max_tokens=1)
    # qwen2 was the least recently used of the two: unloaded to make room.
    assert _loaded(client) == {DEFAULT_MODEL, "llama3", "mistral"}
    assert client.models.retrieve("qwen2").model_extra["loaded"] is False
    assert client.models.retrieve("qwen2").max_model_len == 64  # known without loading it
    with pytest.raises(openai.NotFoundError) as unknown:
        client.chat.completions.create(model="qwen9", messages=MESSAGES, max_tokens=1)
    assert unknown.value.body["code"] == "model_not_found"
