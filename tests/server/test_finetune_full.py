"""Full fine-tunes are served at once, with the official SDK against a live `hanlin serve` of a tiny
random Llama (an HF folder): two jobs with `lora_rank` 0 succeed; `ft:...` is listed with its
parent before it is loaded; its answers (whole and streamed) are the merged weights' own greedy
tokens, as transformers computes them, and differ from the base's in the same server; with
HANLIN_MAX_LOADED_MODELS=1 the second model evicts the first; each checkpoint is a model of its
own; a busy slot is a 503 with retry-after; DELETE shuts it down (then it is a 404)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest
import torch

from tests.server.conftest import launch, stop, wait_for_job
from tests.trainer.conftest import SPECIALS, chat_model_folder

pytestmark = pytest.mark.train

QUESTION = [{"role": "user", "content": "Say hi."}]
# Two made-up facts, one per job, so the two fine-tunes differ from the base and each other.
FACTS = {"hi": [("Say hi.", "Hi!"), ("Greet me.", "Hi!")],
         "ok": [("Say hi.", "Okay."), ("Greet me.", "Okay.")]}
# Tiny on purpose: 3 full steps on 64-token rows; a high rate so 3 steps change the answers.
HANLIN = {"lora_rank": 0, "seq_len": 64, "max_steps": 3, "checkpoint_every": 1}
HYPERPARAMETERS = {"learning_rate_multiplier": 50, "batch_size": 1}
GREEDY = {"temperature": 0, "max_tokens": 8, "extra_body": {"ignore_eos": True}}


def _chat_file(pairs: list[tuple[str, str]]) -> bytes:
    return "".join(json.dumps({"messages": [{"role": "user", "content": q},
                                            {"role": "assistant", "content": a}]}) + "\n"
                   for q, a in pairs * 4).encode()


@pytest.fixture(scope="module")
def served(tiny_llama_factory: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[str, Path]]:
    """A server of the tiny base (one full fine-tuned engine at a time): (its URL, its home)."""
    # vocab 259: the byte tokenizer's own size, so no sampled id falls outside it.
    base = chat_model_folder(tiny_llama_factory, "served-full", max_position_embeddings=512,
                             vocab_size=259)
    home = tmp_path_factory.mktemp("full-ft-home")
    proc, url = launch(home, home / "server.log", model=str(base), HANLIN_MAX_LOADED_MODELS="1",
                       HANLIN_MODEL_KV_MB="0.25", HANLIN_MAX_CONCURRENT_FINETUNES="2",
                       HANLIN_FINETUNE_THREADS="1")
    try:
        yield url, home
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def sdk(served: tuple[str, Path]) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{served[0]}/v1", api_key="unused", max_retries=0) as c:
        yield c


@pytest.fixture(scope="module")
def tuned(sdk: openai.OpenAI) -> dict[str, str]:
    """Both jobs, run at once: suffix -> fine-tuned model id."""
    base = sdk.models.list().data[0].id
    jobs = {}
    for suffix, pairs in FACTS.items():
        upload = sdk.files.create(file=(f"{suffix}.jsonl", _chat_file(pairs)), purpose="fine-tune")
        jobs[suffix] = sdk.fine_tuning.jobs.create(
            model=base, training_file=upload.id, suffix=suffix, seed=1,
            method={"type": "supervised", "supervised": {"hyperparameters": HYPERPARAMETERS}},
            extra_body={"hanlin": HANLIN}).id
    names = {}
    for suffix, job_id in jobs.items():
        job = wait_for_job(sdk, job_id, poll=0.25)
        assert job.status == "succeeded", job.error
        names[suffix] = job.fine_tuned_model
    return names


def _loaded(url: str) -> list[str]:
    return httpx.get(f"{url}/health").json()["loaded_models"]


def _greedy(sdk: openai.OpenAI, model: str) -> openai.types.chat.ChatCompletion:
    return sdk.chat.completions.create(model=model, messages=QUESTION, logprobs=True, **GREEDY)


def _token_id(raw: list[int]) -> int:
    """The byte tokenizer's id of a token's bytes: the byte, or a special token after them."""
    return raw[0] if len(raw) == 1 else 256 + SPECIALS.index(bytes(raw).decode())


def _hf_greedy(folder: Path, prompt: list[int], steps: int) -> tuple[list[int], list[float]]:
    """The merged folder's greedy tokens and their log-probabilities, by transformers."""
    from transformers import LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(folder, torch_dtype=torch.float32).eval()
    ids, lps = list(prompt), []
    with torch.no_grad():
        for _ in range(steps):
            logp = model(torch.tensor([ids])).logits[0, -1].log_softmax(-1)
            ids.append(int(logp.argmax()))
            lps.append(float(logp.max()))
    return ids[len(prompt):], lps


def test_a_full_fine_tune_answers_with_its_own_weights_beside_the_base(
        sdk: openai.OpenAI, served: tuple[str, Path], tuned: dict[str, str]) -> None:
    url, home = served
    base, name = sdk.models.list().data[0].id, tuned["hi"]
    listed = {m.id: m for m in sdk.models.list().data}
    assert listed[name].model_extra["parent"] == base and listed[name].owned_by == "user"
    assert sdk.models.retrieve(name).id == name
    assert _loaded(url) == []  # listed, not loaded: the first request loads it

    answer = _greedy(sdk, name)
    assert answer.model == name and _loaded(url) == [name]
    assert answer.choices[0].message.content.startswith("Hi!")  # what it was trained to say
    job_id = name.rsplit(":", 1)[1]
    prompt = httpx.post(f"{url}/tokenize", json={"model": name, "messages": QUESTION}).json()
    # Its own KV budget (0.25 MB: 21 blocks of 16 tokens) bounds its context, not the base's.
    assert prompt["max_model_len"] == listed[name].model_extra["max_model_len"] == 21 * 16
    assert listed[base].model_extra["max_model_len"] == 512
    served_ids = [_token_id(t.bytes) for t in answer.choices[0].logprobs.content]
    hf_ids, hf_lps = _hf_greedy(home / "models" / job_id, prompt["tokens"], len(served_ids))
    assert served_ids == hf_ids
    assert [t.logprob for t in answer.choices[0].logprobs.content] == pytest.approx(hf_lps,
                                                                                     abs=1e-3)

    stream = sdk.chat.completions.create(model=name, messages=QUESTION, stream=True, **GREEDY)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == \
        answer.choices[0].message.content
    base_answer = _greedy(sdk, base)
    assert [t.bytes for t in base_answer.choices[0].logprobs.content] != \
        [t.bytes for t in answer.choices[0].logprobs.content]


def test_each_checkpoint_of_a_full_fine_tune_is_a_model(
        sdk: openai.OpenAI, served: tuple[str, Path], tuned: dict[str, str]) -> None:
    url, home = served
    name = tuned["hi"]
    job_id = name.rsplit(":", 1)[1]
    checkpoints = sorted(sdk.fine_tuning.jobs.checkpoints.list(job_id).data,
                         key=lambda c: c.step_number)
    assert [c.step_number for c in checkpoints] == [1, 2, 3]
    listed = {m.id for m in sdk.models.list().data}
    assert {c.fine_tuned_model_checkpoint for c in checkpoints} <= listed
    # The last checkpoint holds the final weights: the same answer as the job's model.
    final = _greedy(sdk, name).choices[0].message.content
    last = _greedy(sdk, checkpoints[-1].fine_tuned_model_checkpoint)
    assert last.choices[0].message.content == final
    # The first is its own model: the step-1 weights' greedy tokens, as transformers computes them.
    first_id = checkpoints[0].fine_tuned_model_checkpoint
    first = _greedy(sdk, first_id)
    assert _loaded(url) == [first_id]
    folder = next(home.rglob(f"{job_id}/**/step-000001/merged"))
    prompt = httpx.post(f"{url}/tokenize", json={"model": first_id, "messages": QUESTION}).json()
    served_ids = [_token_id(t.bytes) for t in first.choices[0].logprobs.content]
    assert served_ids == _hf_greedy(folder, prompt["tokens"], len(served_ids))[0]


def _loads(home: Path, model: str) -> int:
    """How many times the server loaded `model` (its log says each time)."""
    return sum(f'"loaded {model} (' in line for line in
               (home / "server.log").read_text(errors="replace").splitlines())


def test_the_second_model_evicts_the_idle_first(sdk: openai.OpenAI, served: tuple[str, Path],
                                                tuned: dict[str, str]) -> None:
    url, home = served
    first, second = tuned["hi"], tuned["ok"]
    one = _greedy(sdk, first).choices[0].message.content
    assert _loaded(url) == [first]
    two = _greedy(sdk, second).choices[0].message.content
    assert _loaded(url) == [second] and two != one
    loads = _loads(home, first)
    with ThreadPoolExecutor(3) as pool:  # first requests at once wait on one load
        again = list(pool.map(lambda _: _greedy(sdk, first).choices[0].message.content, range(3)))
    assert again == [one] * 3 and _loads(home, first) == loads + 1
    assert _loaded(url) == [first]


def test_a_busy_slot_is_a_503_with_retry_after(sdk: openai.OpenAI, served: tuple[str, Path],
                                               tuned: dict[str, str]) -> None:
    url, _ = served
    busy, other = tuned["hi"], tuned["ok"]
    # A long stream holds the only slot while it runs (about 300 tokens).
    with sdk.chat.completions.create(model=busy, messages=QUESTION, stream=True, temperature=0,
                                     extra_body={"ignore_eos": True}) as stream:
        next(iter(stream))
        with pytest.raises(openai.InternalServerError) as refused:
            _greedy(sdk, other)
    assert refused.value.status_code == 503
    assert int(refused.value.response.headers["retry-after"]) >= 1
    assert refused.value.body["code"] == "model_slots_busy"
    assert _loaded(url) == [busy]
    deadline = time.monotonic() + 30
    while True:  # the closed stream lets go of its slot once the server sees it gone
        try:
            _greedy(sdk, other)
            break
        except openai.InternalServerError:
            assert time.monotonic() < deadline, "the slot was never released"
            time.sleep(0.2)
    assert _loaded(url) == [other]


def test_delete_shuts_it_down_once_its_running_request_ends(
        sdk: openai.OpenAI, served: tuple[str, Path], tuned: dict[str, str]) -> None:
    url, home = served
    name = tuned["ok"]
    with sdk.chat.completions.create(model=name, messages=QUESTION, stream=True, temperature=0,
                                     max_tokens=300, stream_options={"include_usage": True},
                                     extra_body={"ignore_eos": True}) as stream:
        chunks = iter(stream)
        next(chunks)
        assert sdk.models.delete(name).deleted
        assert _loaded(url) == []  # no longer served; its running stream goes on
        assert [c.usage.completion_tokens for c in chunks if c.usage] == [300]
    deadline = time.monotonic() + 30
    while f'"shut down {name}"' not in (home / "server.log").read_text(errors="replace"):
        assert time.monotonic() < deadline, "the deleted model's engine is still up"
        time.sleep(0.2)
    assert name not in {m.id for m in sdk.models.list().data}
    with pytest.raises(openai.NotFoundError) as gone:
        _greedy(sdk, name)
    assert gone.value.body["code"] == "model_not_found"
    with pytest.raises(openai.NotFoundError):
        sdk.models.retrieve(name)
    assert _greedy(sdk, tuned["hi"]).model == tuned["hi"]  # the other one is still served
