"""F2, F8: every user-supplied setting is typed and bounded, checked at request time with a 400
naming the field. Fine-tuning's `hanlin` options have fixed caps and the machine's and model's
(cores, context, hidden size); dataset overrides are an allow-list (each step's Settings struct)
with ranges, and no override is a path: a lexicon is a shipped name or a file the caller owns."""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
import pytest

from engine.config import DEFAULT_MODEL

CHAT = "".join(json.dumps({"messages": [{"role": "user", "content": q},
                                        {"role": "assistant", "content": a}]}) + "\n"
               for q, a in [("Hello?", "Hi there."), ("How are you?", "Fine, thanks.")])


def _upload(client: httpx.Client, text: str = CHAT, purpose: str = "fine-tune") -> str:
    reply = client.post("/v1/files", files={"file": ("data.jsonl", text.encode())},
                        data={"purpose": purpose})
    assert reply.status_code == 200, reply.text
    return reply.json()["id"]


@pytest.fixture(scope="module")
def training_file(alice: httpx.Client) -> str:
    return _upload(alice)


@pytest.fixture(scope="module")
def model_limits(alice: httpx.Client) -> dict[str, int]:
    """The served model's context and hidden size, as a client can learn them."""
    models = alice.get("/v1/models").json()["data"]
    context = next(m["max_model_len"] for m in models if m["id"] == DEFAULT_MODEL)
    embedding = alice.post("/v1/embeddings", json={"model": DEFAULT_MODEL, "input": "x"}).json()
    return {"context": context, "hidden": len(embedding["data"][0]["embedding"]),
            "cpus": os.cpu_count() or 1}


def _error(reply: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert reply.status_code == status, reply.text[:400]
    return reply.json()["error"]


# ---- F8: fine-tuning options ------------------------------------------------------------------

# The values, and one past each fixed cap.
FIXED = [
    ({"nproc": 4096}, "hanlin.nproc"),
    ({"threads": 100_000}, "hanlin.threads"),
    ({"seq_len": 1_000_000_000}, "hanlin.seq_len"),
    ({"lora_rank": 1_000_000}, "hanlin.lora_rank"),
    ({"nproc": 0}, "hanlin.nproc"),
    ({"threads": 0}, "hanlin.threads"),
    ({"seq_len": 1}, "hanlin.seq_len"),
    ({"lora_rank": -1}, "hanlin.lora_rank"),
    ({"lora_alpha": 1e12}, "hanlin.lora_alpha"),
    ({"lora_alpha": 0}, "hanlin.lora_alpha"),
    ({"max_steps": 10**12}, "hanlin.max_steps"),
    ({"checkpoint_every": 10**12}, "hanlin.checkpoint_every"),
    ({"lora_targets": ["../../etc/passwd"]}, "hanlin.lora_targets[0]"),
    ({"lora_targets": ["q_proj"] * 65}, "hanlin.lora_targets"),
    ({"zero_stage": 9}, "hanlin.zero_stage"),
    ({"no_such_option": 1}, "hanlin.no_such_option"),
]


@pytest.mark.parametrize(("options", "param"), FIXED)
def test_options_past_their_fixed_caps_are_refused(alice: httpx.Client, training_file: str,
                                                   options: dict[str, Any], param: str) -> None:
    reply = alice.post("/v1/fine_tuning/jobs", json={
        "model": DEFAULT_MODEL, "training_file": training_file, "hanlin": options})
    assert _error(reply)["param"] == param


@pytest.mark.parametrize(("name", "limit"), [("nproc", "cpus"), ("threads", "cpus"),
                                             ("seq_len", "context"), ("lora_rank", "hidden")])
def test_options_past_the_machine_or_the_model_are_refused(
        alice: httpx.Client, training_file: str, model_limits: dict[str, int], name: str,
        limit: str) -> None:
    value = model_limits[limit] + 1
    reply = alice.post("/v1/fine_tuning/jobs", json={
        "model": DEFAULT_MODEL, "training_file": training_file, "hanlin": {name: value}})
    error = _error(reply)
    assert error["param"] == f"hanlin.{name}" and str(model_limits[limit]) in error["message"]


@pytest.mark.parametrize(("body", "param"), [
    ({"seed": -1}, "seed"),
    ({"seed": 2**70}, "seed"),
    ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
    ({"hyperparameters": {"n_epochs": 10**9}}, "hyperparameters.n_epochs"),
    ({"hyperparameters": {"batch_size": 10**9}}, "hyperparameters.batch_size"),
])
def test_other_numbers_of_a_job_are_bounded(alice: httpx.Client, training_file: str,
                                            body: dict[str, Any], param: str) -> None:
    reply = alice.post("/v1/fine_tuning/jobs", json={
        "model": DEFAULT_MODEL, "training_file": training_file} | body)
    assert _error(reply)["param"] == param


def test_options_at_the_limits_are_accepted_and_seq_len_fits_the_model(
        alice: httpx.Client, training_file: str, model_limits: dict[str, int]) -> None:
    reply = alice.post("/v1/fine_tuning/jobs", json={
        "model": DEFAULT_MODEL, "training_file": training_file,
        "hanlin": {"nproc": 1, "threads": model_limits["cpus"], "lora_rank": 4}})
    assert reply.status_code == 200, reply.text
    job = reply.json()
    alice.post(f"/v1/fine_tuning/jobs/{job['id']}/cancel")
    options = job["hanlin"]["options"]
    assert options["seq_len"] == min(1024, model_limits["context"])
    assert options["threads"] == model_limits["cpus"] and "base_path" not in options


# ---- F2: dataset overrides ---------------------------------------------------------------------

OVERRIDES = [
    # The hole, and its variants: no setting takes a path.
    ("chat", {"toxicity": {"lexicon_path": "/etc/passwd"}}, "overrides.toxicity.lexicon_path"),
    ("chat", {"toxicity": {"lexicon": "/etc/passwd"}}, "overrides.toxicity.lexicon"),
    ("chat", {"toxicity": {"lexicon": "../../etc/passwd"}}, "overrides.toxicity.lexicon"),
    ("chat", {"toxicity": {"lexicon": "file-abc/../../x"}}, "overrides.toxicity.lexicon"),
    ("text", {"toxicity": {"lexicon": "default\n/etc/passwd"}}, "overrides.toxicity.lexicon"),
    # Ranges and types.
    ("chat", {"toxicity": {"max_flagged_ratio": 2}}, "overrides.toxicity.max_flagged_ratio"),
    ("chat", {"garbled": {"max_symbol_ratio": -0.1}}, "overrides.garbled.max_symbol_ratio"),
    ("text", {"minhash_dedup": {"num_perm": 10**9}}, "overrides.minhash_dedup.num_perm"),
    ("text", {"minhash_dedup": {"ngram": 0}}, "overrides.minhash_dedup.ngram"),
    ("text", {"minhash_dedup": {"bands": 100, "rows": 100}}, "overrides.minhash_dedup"),
    ("text", {"gopher_quality": {"min_doc_words": -5}}, "overrides.gopher_quality.min_doc_words"),
    ("text", {"gopher_quality": {"stop_words": ["x" * 1000]}},
     "overrides.gopher_quality.stop_words[0]"),
    ("text", {"gopher_repetition": {"top_n_grams": [[1000, 0.5]]}},
     "overrides.gopher_repetition.top_n_grams[0][0]"),
    ("text", {"pii": {"email_mask": "x" * 1000}}, "overrides.pii.email_mask"),
    ("text", {"normalize": {"normalization": "rot13"}}, "overrides.normalize.normalization"),
    ("long_context", {"long_stats": {"window_words": 0}}, "overrides.long_stats.window_words"),
    ("long_context", {"perplexity_gain": {"max_half_chars": 10**12}},
     "overrides.perplexity_gain.max_half_chars"),
    ("chat", {"read": {"max_line_bytes": 10**12}}, "overrides.read.max_line_bytes"),
    ("chat", {"read": {"text_key": ""}}, "overrides.read.text_key"),
    ("code", {"code_quality": {"max_line_length": 2**40}},
     "overrides.code_quality.max_line_length"),
    # The allow-list itself.
    ("chat", {"toxicity": {"enabled": "no"}}, "overrides.toxicity.enabled"),
    ("chat", {"minhash_dedup": {}}, "overrides.minhash_dedup"),
    ("chat", {"toxicity": {"threshold": 0.5}}, "overrides.toxicity.threshold"),
]


@pytest.mark.parametrize(("pipeline", "overrides", "param"), OVERRIDES)
def test_overrides_outside_the_allow_list_are_refused_by_field(
        alice: httpx.Client, pipeline: str, overrides: dict[str, Any], param: str) -> None:
    source = _upload(alice, purpose="user_data")
    reply = alice.post("/v1/datasets", json={"file_id": source, "pipeline": pipeline,
                                             "overrides": overrides})
    error = _error(reply)
    assert error["param"] == param, error
    assert "/etc/passwd" not in error["message"] or "lexicon" in param
    assert alice.get("/v1/datasets").json()["data"] == []  # nothing was queued


def test_a_multipart_upload_checks_its_overrides_too(alice: httpx.Client) -> None:
    reply = alice.post("/v1/datasets", files={"file": ("d.jsonl", CHAT.encode())}, data={
        "pipeline": "chat",
        "overrides": json.dumps({"toxicity": {"lexicon_path": "/etc/shadow"}})})
    assert _error(reply)["param"] == "overrides.toxicity.lexicon_path"


def test_a_lexicon_file_must_be_the_callers(alice: httpx.Client, bob: httpx.Client) -> None:
    source = _upload(alice, purpose="user_data")
    bobs = _upload(bob, "zorblax\n", purpose="user_data")
    for lexicon in (bobs, "file-" + "0" * 24):
        reply = alice.post("/v1/datasets", json={"file_id": source, "overrides": {
            "toxicity": {"lexicon": lexicon}}})
        error = _error(reply, 404)
        assert error["param"] == "overrides.toxicity.lexicon"
    # Bob's own file is his to use.
    mine = bob.post("/v1/datasets", json={"file_id": _upload(bob, purpose="user_data"),
                                          "overrides": {"toxicity": {"lexicon": bobs}}})
    assert mine.status_code == 200, mine.text
