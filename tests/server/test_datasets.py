"""The Datasets API end to end with the official SDK: a chat upload with planted problems is
cleaned by a worker process, the report names each problem, the cleaned and rejected files
download, and every input line is accounted for. Plus the requests that must be 400s."""

from __future__ import annotations

import json
import time

import httpx
import openai
import pytest


def _chat(user: str, assistant: str) -> dict:
    return {"messages": [{"role": "user", "content": user},
                         {"role": "assistant", "content": assistant}]}


GOOD = [_chat("What is the capital of France?", "The capital of France is Paris."),
        _chat("Name a prime number above ten.", "Eleven is a prime number above ten."),
        _chat("Write to me at jane.doe@example.com about the trip.",
              "Sure, I will write you about the trip.")]
PLANTED = [
    ("exact_dedup", "exact_duplicate", json.dumps(GOOD[0])),
    ("read", "invalid_json", '{"messages": [{"role": "user", "content": "unfinished'),
    ("chat_schema", "unknown_role", json.dumps(
        {"messages": [{"role": "robot", "content": "beep"}, {"role": "assistant", "content": "x"}]})),
    ("chat_schema", "empty_turn", json.dumps(_chat("Say something.", "   "))),
    ("toxicity", "lexicon", json.dumps(
        _chat("Insult me.", "You are a fucking idiot, fuck off and go away."))),
]
UPLOAD = ("\n".join([json.dumps(g) for g in GOOD] + [line for _, _, line in PLANTED]) + "\n")


def wait_for(client: openai.OpenAI, dataset_id: str, timeout: float = 120) -> dict:
    deadline, seen = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        ds = client.get(f"/datasets/{dataset_id}", cast_to=object)
        seen.append(ds["progress"])
        if ds["status"] in ("succeeded", "failed"):
            assert seen == sorted(seen), f"progress went backwards: {seen}"
            return ds
        time.sleep(0.2)
    raise AssertionError(f"dataset {dataset_id} still {ds['status']} after {timeout}s")


def test_planted_problems_are_named_and_nothing_is_lost(client: openai.OpenAI) -> None:
    upload = client.files.create(file=("chat.jsonl", UPLOAD.encode()), purpose="fine-tune")
    created = client.post("/datasets", body={"file_id": upload.id, "pipeline": "chat"},
                          cast_to=object)
    assert created["status"] == "queued" and created["input_file_id"] == upload.id
    ds = wait_for(client, created["id"])
    assert ds["status"] == "succeeded", ds["error"]
    report = ds["report"]
    assert (report["lines"], report["kept"], report["rejected"]) == (8, 3, 5)
    steps = {s["name"]: s for s in report["steps"]}
    for step, reason, line in PLANTED:
        assert steps[step]["reasons"][reason]["count"] == 1, (step, reason)
        example = steps[step]["reasons"][reason]["examples"][0]
        lines = UPLOAD.splitlines()
        assert example["line"] == len(lines) - lines[::-1].index(line)  # the planted copy
    assert steps["pii"]["changes"] == {"email": 1}

    cleaned = [json.loads(x) for x in client.files.content(ds["cleaned_file_id"]).text.splitlines()]
    assert len(cleaned) == 3
    assert "jane.doe@example.com" not in json.dumps(cleaned) and "<EMAIL>" in json.dumps(cleaned)
    rejected = [json.loads(x) for x in client.files.content(ds["rejected_file_id"]).text.splitlines()]
    assert sorted((r["step"], r["reason"]) for r in rejected) == sorted(
        (step, reason) for step, reason, _ in PLANTED)
    assert client.files.retrieve(ds["rejected_file_id"]).purpose == "user_data"
    # The input is untouched and still downloadable.
    assert client.files.content(upload.id).text == UPLOAD


def test_upload_and_clean_in_one_multipart_call(http: httpx.Client, client: openai.OpenAI
                                                ) -> None:
    body = "\n".join(json.dumps({"text": f"Document number {i} says something different, "
                                         f"about topic {i * 7} and the weather in city {i}."})
                     for i in range(20))
    reply = http.post("/v1/datasets", files={"file": ("docs.jsonl", body.encode())}, data={
        "pipeline": "text", "purpose": "user_data",
        "overrides": json.dumps({"gopher_quality": {"enabled": False},
                                 "gopher_repetition": {"enabled": False}})})
    assert reply.status_code == 200, reply.text
    ds = wait_for(client, reply.json()["id"])
    assert ds["status"] == "succeeded", ds["error"]
    assert ds["report"]["lines"] == 20 and ds["pipeline"] == "text"
    assert "gopher_quality" not in {s["name"] for s in ds["report"]["steps"]}
    listed = client.get("/datasets", cast_to=object, options={"params": {"limit": 100}})
    assert ds["id"] in [d["id"] for d in listed["data"]]


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"pipeline": "chat"}, "file_id", "missing_required_parameter"),
        ({"file_id": "file-missing"}, "file_id", "not_found"),
        ({"file_id": "FILE", "pipeline": "poetry"}, "pipeline", "invalid_value"),
        ({"file_id": "FILE", "overrides": {"no_such_step": {}}}, "overrides.no_such_step",
         "invalid_value"),
        ({"file_id": "FILE", "pipeline": "text",
          "overrides": {"minhash_dedup": {"thresold": 0.8}}}, "overrides.minhash_dedup.thresold",
         "invalid_value"),
        ({"file_id": "FILE", "pipeline": "text",
          "overrides": {"minhash_dedup": {"threshold": "high"}}},
         "overrides.minhash_dedup.threshold", "invalid_value"),
        ({"file_id": "FILE", "colour": "red"}, "colour", "unknown_parameter"),
    ],
)
def test_bad_dataset_requests_are_400s(http: httpx.Client, client: openai.OpenAI, body: dict,
                                       param: str, code: str) -> None:
    file_id = client.files.create(file=("a.jsonl", b"{}\n"), purpose="fine-tune").id
    body = {k: (file_id if v == "FILE" else v) for k, v in body.items()}
    reply = http.post("/v1/datasets", json=body)
    assert reply.status_code in (400, 404), reply.text
    error = reply.json()["error"]
    assert (error["param"], error["code"]) == (param, code), error


def test_unknown_dataset_is_404(http: httpx.Client) -> None:
    reply = http.get("/v1/datasets/ds-nope")
    assert reply.status_code == 404 and reply.json()["error"]["param"] == "dataset_id"


STORY = ("Mara kept a small bakery at the end of Willow Lane, where she baked rye loaves before "
         "dawn and sold them to the miners on their way up the hill. Her brother Tomas fixed "
         "the old oven twice a year and complained each time about the cracked firebrick. ")
OTHER = ("Quarterly revenue for the semiconductor division declined four percent, driven by "
         "weaker demand for memory chips in data centres and a stronger currency in Asia. "
         "The committee will meet on Thursday to review the proposed zoning changes for the "
         "river district, including new height limits and a public park near the ferry dock. ")


def test_long_context_perplexity_gain_is_scored_by_the_served_model(
        http: httpx.Client, client: openai.OpenAI) -> None:
    # A story whose second half retells the first is easier to predict after it (kept: a gain
    # of ~2.6 nats/token measured); a second half about something else gains little from the
    # first (~0.24; removed at 1.0). Equal halves, so the filter's split falls at the seam.
    first = STORY * 2
    repeated, unrelated = first + first, first + (OTHER * 2)[:len(first)]
    body = "\n".join(json.dumps({"text": t}) for t in (repeated, unrelated)) + "\n"
    overrides = {"length": {"min_bytes": 500},
                 "long_stats": {"min_word_entropy_bits": 4.0, "min_distinct_ratio": 0.1},
                 "perplexity_gain": {"min_gain": 1.0}}
    reply = http.post("/v1/datasets", files={"file": ("long.jsonl", body.encode())},
                      data={"pipeline": "long_context", "overrides": json.dumps(overrides)})
    assert reply.status_code == 200, reply.text
    ds = wait_for(client, reply.json()["id"], timeout=300)
    assert ds["status"] == "succeeded", ds["error"]
    step = {s["name"]: s for s in ds["report"]["steps"]}["perplexity_gain"]
    assert (step["docs_in"], step["kept"]) == (2, 1)
    assert step["reasons"]["no_context_gain"]["examples"][0]["line"] == 2


def test_wrong_encoding_is_a_per_line_rejection(client: openai.OpenAI) -> None:
    good = json.dumps(GOOD[1]).encode()
    latin1 = '{"messages": [{"role": "user", "content": "café olé"}, '.encode("latin-1") + \
        b'{"role": "assistant", "content": "ok"}]}'
    upload = client.files.create(file=("mixed.jsonl", good + b"\n" + latin1 + b"\n"),
                                 purpose="fine-tune")
    created = client.post("/datasets", body={"file_id": upload.id}, cast_to=object)
    ds = wait_for(client, created["id"])
    assert ds["status"] == "succeeded" and (ds["report"]["kept"], ds["report"]["rejected"]) == (1, 1)
    read = ds["report"]["steps"][0]
    assert read["reasons"]["invalid_utf8"]["examples"][0]["line"] == 2
    rejected = json.loads(client.files.content(ds["rejected_file_id"]).text)
    assert rejected["reason"] == "invalid_utf8" and "caf\\xe9" in rejected["raw"]
