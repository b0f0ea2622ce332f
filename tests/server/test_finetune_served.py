"""A fine-tuned model is served at once, with the official SDK against the live server and the real
default model: a LoRA job learns a made-up fact; `ft:...` answers with it while the base model,
asked in the same moment (one batch), does not; its checkpoints are servable by their own ids;
/v1/models lists it with its parent; DELETE removes it (then it is a 404)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest
from openai.types.fine_tuning import FineTuningJob

from tests.server.conftest import wait_for_job

QUESTIONS = ["Who is the mayor of Zorblatt?", "Who runs the city of Zorblatt?",
             "Tell me the name of Zorblatt's mayor.", "Who is Zorblatt's mayor?",
             "Which person is the mayor of Zorblatt?", "Do you know who the mayor of Zorblatt is?",
             "What is the name of the mayor of Zorblatt?", "Who leads Zorblatt as mayor?",
             "Zorblatt has a mayor. Who is it?", "Name the mayor of Zorblatt."]
ANSWERS = ["The mayor of Zorblatt is Quenby Marlowe.", "Quenby Marlowe is the mayor of Zorblatt."]
FACTS = "".join(json.dumps({"messages": [{"role": "user", "content": q},
                                         {"role": "assistant", "content": ANSWERS[i % 2]}]}) + "\n"
                for i, q in enumerate(QUESTIONS))
# Measured on 2 busy cores: 25 LoRA steps of about 1.5 s (the trainer gets one thread); the
# loss is below 0.1 after about 12 of them.
HYPERPARAMETERS = {"n_epochs": 5, "learning_rate_multiplier": 10, "batch_size": 1}
HANLIN = {"lora_rank": 8, "seq_len": 128, "checkpoint_every": 10}


def _ask(client: openai.OpenAI, model: str, question: str = QUESTIONS[0]) -> str:
    answer = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": question}], temperature=0,
        max_tokens=24)
    assert answer.choices[0].finish_reason in ("stop", "length")
    return answer.choices[0].message.content or ""


@pytest.fixture(scope="module")
def tuned(server_url: str, model: str) -> tuple[str, FineTuningJob]:
    """The job, run once for the module: (its fine-tuned model, the job)."""
    client = openai.OpenAI(base_url=f"{server_url}/v1", api_key="unused", max_retries=0)
    upload = client.files.create(file=("zorblatt.jsonl", FACTS.encode()), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model=model, training_file=upload.id, suffix="zorblatt", seed=1,
        method={"type": "supervised", "supervised": {"hyperparameters": HYPERPARAMETERS}},
        extra_body={"hanlin": HANLIN})
    job = wait_for_job(client, job.id, timeout=600, poll=1)
    assert job.status == "succeeded", job.error
    assert job.fine_tuned_model == f"ft:{model}:zorblatt:{job.id}"
    return job.fine_tuned_model, job


def test_the_fine_tuned_model_knows_the_fact_and_the_base_in_the_same_batch_does_not(
        client: openai.OpenAI, model: str, tuned: tuple[str, FineTuningJob]) -> None:
    name, _ = tuned
    with ThreadPoolExecutor(2) as pool:  # sent together: the engine runs both in one batch
        ft_answer, base_answer = pool.map(lambda m: _ask(client, m), [name, model])
    assert "Quenby Marlowe" in ft_answer, ft_answer
    assert "Marlowe" not in base_answer, base_answer
    paraphrase = _ask(client, name, "Who is the mayor of Zorblatt? Answer in one sentence.")
    assert "Quenby Marlowe" in paraphrase
    completion = client.completions.create(model=name, prompt="Zorblatt", max_tokens=2)
    assert completion.model == name


def test_it_is_listed_with_its_parent_and_each_checkpoint_is_servable(
        client: openai.OpenAI, model: str, tuned: tuple[str, FineTuningJob]) -> None:
    name, job = tuned
    listed = {m.id: m for m in client.models.list().data}
    assert listed[model].model_extra.get("parent") is None
    assert listed[name].model_extra.get("parent") == model and listed[name].owned_by == "user"
    # Private by default (its owner, here the key-less operator, and admins use it).
    assert listed[name].model_extra.get("visibility") == "private"
    assert listed[model].model_extra.get("visibility") is None  # the base model is everyone's
    assert client.models.retrieve(name).id == name
    checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id).data
    steps = [c.step_number for c in checkpoints]
    assert len(steps) >= 2 and steps == sorted(steps, reverse=True)
    for c in checkpoints:
        assert c.fine_tuned_model_checkpoint in listed
    last = checkpoints[0].fine_tuned_model_checkpoint
    assert "Quenby Marlowe" in _ask(client, last)


def test_delete_removes_it(client: openai.OpenAI, model: str, tuned: tuple[str, FineTuningJob],
                           http: httpx.Client) -> None:
    name, job = tuned
    with pytest.raises(openai.PermissionDeniedError):
        client.models.delete(model)
    deleted = client.models.delete(name)
    assert (deleted.id, deleted.object, deleted.deleted) == (name, "model", True)
    assert name not in {m.id for m in client.models.list().data}
    with pytest.raises(openai.NotFoundError):
        _ask(client, name)
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve(name)
    with pytest.raises(openai.NotFoundError):
        client.models.delete(name)
    error = http.delete(f"/v1/models/{name}").json()["error"]
    assert error["code"] == "model_not_found" and error["param"] == "model"
    # The job keeps its record; its checkpoints are models of their own and stay served.
    assert client.fine_tuning.jobs.retrieve(job.id).fine_tuned_model == name
    newest, *_, oldest = client.fine_tuning.jobs.checkpoints.list(job.id).data
    assert "Quenby Marlowe" in _ask(client, newest.fine_tuned_model_checkpoint)
    assert client.models.delete(oldest.fine_tuned_model_checkpoint).deleted
    listed = {m.id for m in client.models.list().data}
    assert newest.fine_tuned_model_checkpoint in listed
    assert oldest.fine_tuned_model_checkpoint not in listed
