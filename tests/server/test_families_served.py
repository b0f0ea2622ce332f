"""Each model family through `hanlin serve --model FOLDER` and the official `openai` SDK: the
greedy answer's tokens (read back from chat log-probabilities' bytes) are transformers' greedy
tokens on the same prompt, whole and streamed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
import torch

from tests.families import build_family, token_ids_of, transformers_greedy
from tests.server.conftest import launch, stop

pytestmark = pytest.mark.slow

FAMILIES = ["llama3", "qwen2", "qwen3", "mistral", "gemma2", "gemma3", "phi3", "phi4-mini",
            "qwen3-moe", "mixtral"]
# Prompt and answer stay within the pretraining context LongRoPE checkpoints declare (40 here):
# past it transformers switches every position to the long factors, where we switch per position.
MESSAGES = [{"role": "user", "content": "Hi there"}]
N = 8


@pytest.fixture(scope="module", params=FAMILIES)
def served(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, openai.OpenAI]]:
    name = request.param
    folder = build_family(name, tmp_path_factory.mktemp(name))
    home = tmp_path_factory.mktemp(f"home-{name}")
    proc, url = launch(home, home / "server.log", model=str(folder))
    try:
        with openai.OpenAI(base_url=f"{url}/v1", api_key="unused") as client:
            yield name, folder, client
    finally:
        stop(proc)


def _transformers_greedy(folder: Path) -> list[int]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    prompt = AutoTokenizer.from_pretrained(folder).apply_chat_template(
        MESSAGES, add_generation_prompt=True, tokenize=True)["input_ids"]
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32,
                                                 attn_implementation="eager").eval()
    return transformers_greedy(model, prompt, N)


def test_served_greedy_tokens_match_transformers(served) -> None:
    name, folder, client = served
    (model,) = [m.id for m in client.models.list().data if not m.id.startswith("ft:")]
    kwargs = dict(model=model, messages=MESSAGES, temperature=0, max_tokens=N, logprobs=True,
                  extra_body={"ignore_eos": True})
    whole = client.chat.completions.create(**kwargs)
    got = token_ids_of([t.bytes for t in whole.choices[0].logprobs.content])
    assert got == _transformers_greedy(folder), name
    assert whole.usage.completion_tokens == N
    streamed = []
    for chunk in client.chat.completions.create(**kwargs, stream=True):
        if chunk.choices and chunk.choices[0].logprobs:
            streamed += [t.bytes for t in chunk.choices[0].logprobs.content]
    assert token_ids_of(streamed) == got, name
