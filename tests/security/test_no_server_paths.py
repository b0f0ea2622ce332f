"""F2, F8, W10 against a live server with keys: no user-supplied setting is a server path (a lexicon
is a shipped name or a file id the caller owns; a fine-tune's model is a served model's name), so
no path is an oracle; and ids, never paths, in anything a client reads: every job object, event,
checkpoint, dataset, file and error, walked as JSON, holds no absolute server path."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.config import DEFAULT_MODEL
from engine.loaders import resolve_model_path
from tests.security.conftest import Secured
from tests.server.conftest import REPO

CHAT = [{"messages": [{"role": "user", "content": "Tell me something."},
                      {"role": "assistant", "content": text}]}
        for text in ("zorblax zorblax zorblax", "A fine day at the park.",
                     "The weather is nice today.")]
FACTS = "".join(json.dumps({"messages": [{"role": "user", "content": q},
                                         {"role": "assistant", "content": a}]}) + "\n"
                for q, a in [("Who is the mayor of Zorbatown?", "Ada Quill is its mayor."),
                             ("Who runs Zorbatown?", "Ada Quill runs Zorbatown.")])
TINY = {"lora_rank": 4, "lora_targets": ["q_proj", "v_proj"], "seq_len": 64, "max_steps": 2,
        "checkpoint_every": 1}
FINAL = ("succeeded", "failed", "cancelled")


def _upload(client: httpx.Client, data: bytes, purpose: str = "user_data",
            name: str = "data.jsonl") -> str:
    reply = client.post("/v1/files", files={"file": (name, data)}, data={"purpose": purpose})
    assert reply.status_code == 200, reply.text
    return reply.json()["id"]


def _lines(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _wait(client: httpx.Client, path: str, final: tuple[str, ...], timeout: float = 600
          ) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(path).json()
        if body["status"] in final:
            return body
        time.sleep(0.5)
    raise AssertionError(f"{path} still {body['status']} after {timeout}s")


def _markers(secured: Secured) -> list[str]:
    """What any absolute server path a client could read would contain."""
    return sorted({str(secured.home), str(secured.home.resolve()), str(REPO), "/tmp/", "/root/",
                   "site-packages", sys.prefix, "/etc/", "/home/", "/var/", "/proc/"})


def _strings(value: Any, where: str = "$") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield where, str(key)
            yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}[{i}]")


def assert_no_server_path(secured: Secured, value: Any) -> None:
    for where, text in _strings(value):
        for marker in _markers(secured):
            assert marker not in text, f"{where} holds a server path ({marker}): {text[:300]}"
        assert "Traceback" not in text, f"{where} holds a traceback: {text[:300]}"


# ---- F2: lexicons by name or by file id, never by path ----------------------------------------

@pytest.mark.parametrize("field", ["lexicon_path", "lexicon"])
def test_no_lexicon_path_is_an_oracle(alice: httpx.Client, field: str) -> None:
    """An existing and a missing file answer alike: the same refusal, before any job runs."""
    source = _upload(alice, _lines(CHAT))
    answers = []
    for path in ("/etc/passwd", "/no/such/file", str(REPO / "README.md")):
        reply = alice.post("/v1/datasets", json={"file_id": source, "overrides": {
            "toxicity": {field: path}}})
        assert reply.status_code == 400, reply.text
        error = reply.json()["error"]
        answers.append((error["param"], error["code"], error["message"].replace(path, "P")))
    assert len(set(answers)) == 1, answers
    assert alice.get("/v1/datasets").json()["data"] == []


def test_a_lexicon_given_by_file_id_filters_and_shows_no_path(secured: Secured,
                                                              alice: httpx.Client) -> None:
    lexicon = _upload(alice, b"# one term a line\nzorblax\n", name="terms.txt")
    created = alice.post("/v1/datasets", json={"file_id": _upload(alice, _lines(CHAT)),
                                               "overrides": {"toxicity": {"lexicon": lexicon}}})
    assert created.status_code == 200, created.text
    done = _wait(alice, f"/v1/datasets/{created.json()['id']}", ("succeeded", "failed"))
    assert done["status"] == "succeeded", done["error"]
    report = done["report"]
    assert report["settings"]["toxicity"]["lexicon"] == lexicon
    toxicity = next(s for s in report["steps"] if s["name"] == "toxicity")
    assert toxicity["reasons"]["lexicon"]["count"] == 1
    assert "zorblax" in toxicity["reasons"]["lexicon"]["examples"][0]["snippet"]
    assert_no_server_path(secured, done)


def test_a_failed_cleaning_says_why_without_a_traceback_or_path(secured: Secured,
                                                                alice: httpx.Client) -> None:
    # Not UTF-8: the worker fails reading it. The old error was its stderr: a traceback.
    lexicon = _upload(alice, b"\xff\xfe\x00 not text\n", name="terms.txt")
    created = alice.post("/v1/datasets", json={"file_id": _upload(alice, _lines(CHAT)),
                                               "overrides": {"toxicity": {"lexicon": lexicon}}})
    assert created.status_code == 200, created.text
    done = _wait(alice, f"/v1/datasets/{created.json()['id']}", ("succeeded", "failed"))
    assert done["status"] == "failed" and done["error"]["code"] == "cleaning_failed"
    assert "utf-8" in done["error"]["message"]
    assert_no_server_path(secured, done)


# ---- F8: a fine-tune's model is a served model's name -----------------------------------------

def test_no_model_path_is_an_oracle(alice: httpx.Client) -> None:
    training = _upload(alice, FACTS.encode(), purpose="fine-tune")
    served_file = str(resolve_model_path(DEFAULT_MODEL))
    answers = []
    for model in ("/etc/shadow", "/no/such/model", served_file, str(REPO), "../../etc/passwd"):
        reply = alice.post("/v1/fine_tuning/jobs", json={"model": model,
                                                         "training_file": training})
        assert reply.status_code == 404, (model, reply.text)
        error = reply.json()["error"]
        answers.append((error["param"], error["code"], error["message"].replace(model, "M")))
    assert len(set(answers)) == 1, answers
    assert alice.get("/v1/fine_tuning/jobs").json()["data"] == []


@pytest.fixture(scope="module")
def tuned(alice: httpx.Client) -> dict[str, Any]:
    """Alice's tiny LoRA job, run to the end."""
    training = _upload(alice, FACTS.encode(), purpose="fine-tune")
    reply = alice.post("/v1/fine_tuning/jobs", json={
        "model": DEFAULT_MODEL, "training_file": training, "suffix": "paths", "seed": 1,
        "hanlin": TINY})
    assert reply.status_code == 200, reply.text
    job = _wait(alice, f"/v1/fine_tuning/jobs/{reply.json()['id']}", FINAL)
    assert job["status"] == "succeeded", job["error"]
    return job


def test_fine_tuned_models_as_a_base_by_name_only(alice: httpx.Client, bob: httpx.Client,
                                                  tuned: dict[str, Any]) -> None:
    name = tuned["fine_tuned_model"]
    # Bob cannot use alice's model: the 404 of an unknown one.
    theirs = bob.post("/v1/fine_tuning/jobs", json={
        "model": name, "training_file": _upload(bob, FACTS.encode(), purpose="fine-tune")})
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "model_not_found"
    # Alice may name it; a LoRA adapter cannot be a base yet, and the refusal says so.
    mine = alice.post("/v1/fine_tuning/jobs", json={
        "model": name, "training_file": _upload(alice, FACTS.encode(), purpose="fine-tune")})
    assert mine.status_code == 400 and mine.json()["error"]["param"] == "model"
    assert DEFAULT_MODEL in mine.json()["error"]["message"]


# ---- W10: what a client reads ----------------------------------------------------------------

def test_a_succeeded_job_and_its_events_hold_no_path(secured: Secured, alice: httpx.Client,
                                                     tuned: dict[str, Any]) -> None:
    job_id = tuned["id"]
    assert "base_path" not in tuned["hanlin"]["options"]
    events = alice.get(f"/v1/fine_tuning/jobs/{job_id}/events", params={"limit": 100}).json()
    messages = [e["message"] for e in events["data"]]
    assert f"New fine-tuned model created: {tuned['fine_tuned_model']}" in messages
    checkpoints = alice.get(f"/v1/fine_tuning/jobs/{job_id}/checkpoints").json()
    assert checkpoints["data"]
    for value in (tuned, alice.get(f"/v1/fine_tuning/jobs/{job_id}").json(), events,
                  checkpoints, alice.get("/v1/fine_tuning/jobs").json(),
                  alice.get("/v1/files").json(), alice.get("/v1/datasets").json(),
                  alice.get("/v1/models").json()):
        assert_no_server_path(secured, value)


def test_a_trainer_error_naming_the_blob_is_shown_without_it(secured: Secured,
                                                             alice: httpx.Client) -> None:
    # DPO pairs skip cleaning: the trainer itself reads the blob, finds it empty, and its error
    # named the blob's path.
    training = _upload(alice, b"\n \n", purpose="fine-tune")
    reply = alice.post("/v1/fine_tuning/jobs", json={
        "model": DEFAULT_MODEL, "training_file": training, "method": {"type": "dpo"},
        "hanlin": TINY})
    assert reply.status_code == 200, reply.text
    job = _wait(alice, f"/v1/fine_tuning/jobs/{reply.json()['id']}", FINAL)
    assert job["status"] == "failed" and job["error"]["code"] == "training_failed"
    assert "empty" in job["error"]["message"]
    events = alice.get(f"/v1/fine_tuning/jobs/{job['id']}/events").json()
    assert_no_server_path(secured, [job, events])


def test_a_file_that_fails_validation_is_reported_without_a_path(secured: Secured,
                                                                  alice: httpx.Client) -> None:
    broken = b'{"messages": [{"role": "user", "content": "unfinished\n' \
             b'{"messages": [{"role": "robot", "content": "beep"}]}\n'
    reply = alice.post("/v1/fine_tuning/jobs", json={
        "model": DEFAULT_MODEL, "training_file": _upload(alice, broken, purpose="fine-tune"),
        "hanlin": TINY})
    job = _wait(alice, f"/v1/fine_tuning/jobs/{reply.json()['id']}", FINAL)
    assert job["status"] == "failed" and job["error"]["code"] == "invalid_training_file"
    assert_no_server_path(secured, job)


def test_the_path_scrubber_on_its_own() -> None:
    from server.redact import PATH_MARK, public_message

    home = str(Path.home())
    assert public_message(f"error: [Errno 2] No such file: '{home}/.hanlin/blobs/ab'") == \
        f"error: [Errno 2] No such file: '{PATH_MARK}'"
    assert public_message("Traceback (most recent call last):\n  File \"/x.py\"") == \
        "The job failed."
    kept = "Step 1/2 at 5 tokens/s; see https://example.com/a/b and org/model"
    assert public_message(kept) == kept
