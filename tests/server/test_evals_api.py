"""OpenAI's Evals API through the official SDK, live server, real default model: completions runs,
jsonl runs graded to exact counts by every grader type, file_id sources, errors, pages, cancel,
delete; and a stopped run resuming where it stopped (in-process, real SQLite, no model)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import sacrebleu
from openai.types.graders import StringCheckGrader
from rapidfuzz import fuzz
from rouge_score.rouge_scorer import RougeScorer

FINAL = ("completed", "failed", "canceled")
QA_SCHEMA = {"type": "object", "properties": {"question": {"type": "string"},
                                              "answer": {"type": "string"}},
             "required": ["question", "answer"]}
ANSWER_SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}},
                 "required": ["answer"]}
# Fixed samples: what each grader makes of them is known without a model.
ROWS = [
    {"item": {"answer": "Paris"}, "sample": {"output_text": "Paris"}},
    {"item": {"answer": "Paris"}, "sample": {"output_text": "The capital is paris."}},
    {"item": {"answer": "Berlin"}, "sample": {"output_text": "Berlin is the capital of Germany"}},
    {"item": {"answer": "Rome"}, "sample": {"output_text": "Madrid"}},
]


@pytest.fixture(scope="module")
def sandbox() -> None:
    """Python graders run in the agents sandbox: skip (naming the install) where it cannot."""
    has_seccomp = shutil.which("python3", path="/usr/bin") and subprocess.run(
        ["/usr/bin/python3", "-c", "import seccomp"], capture_output=True).returncode == 0
    if shutil.which("bwrap") is None or not has_seccomp:
        pytest.skip("python graders need the sandbox: apt-get install bubblewrap python3-seccomp")


def _check(name: str, operation: str) -> dict[str, Any]:
    return {"type": "string_check", "name": name, "input": "{{sample.output_text}}",
            "reference": "{{ item.answer }}", "operation": operation}


def _similar(name: str, metric: str, bar: float) -> dict[str, Any]:
    return {"type": "text_similarity", "name": name, "input": "{{sample.output_text}}",
            "reference": "{{item.answer}}", "evaluation_metric": metric, "pass_threshold": bar}


def _python(name: str, body: str) -> dict[str, Any]:
    return {"type": "python", "name": name, "source": f"def grade(sample, item):\n{body}\n"}


def _eval(client: openai.OpenAI, criteria: list[dict[str, Any]],
          schema: dict[str, Any] = ANSWER_SCHEMA, **kw: Any) -> str:
    config = {"type": "custom", "item_schema": schema, "include_sample_schema": True}
    return client.evals.create(data_source_config=config, testing_criteria=criteria, **kw).id


def _jsonl(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "jsonl", "source": {"type": "file_content", "content": rows}}


def _wait(client: openai.OpenAI, eval_id: str, run_id: str, until: tuple[str, ...] = FINAL,
          timeout: float = 300) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.evals.runs.retrieve(run_id, eval_id=eval_id)
        if run.status in until:
            return run
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} still {run.status} after {timeout}s")


def _items(client: openai.OpenAI, eval_id: str, run_id: str) -> list[Any]:
    return list(client.evals.runs.output_items.list(run_id, eval_id=eval_id, limit=100))


def _per_grader(run: Any) -> dict[str, tuple[int, int]]:
    return {r.testing_criteria: (r.passed, r.failed) for r in run.per_testing_criteria_results}


def _counts(run: Any) -> tuple[int, int, int, int]:
    c = run.result_counts
    assert c.passed + c.failed + c.errored == c.total
    return c.total, c.passed, c.failed, c.errored


# ---- completions runs: the served model answers each item --------------------------------------


def test_completions_run_samples_the_served_model(client: openai.OpenAI, model: str) -> None:
    eval_id = _eval(client, [_check("exact", "eq"),
                             {**_check("never", "ne"), "reference": "\u0000 impossible \u0000"},
                             _similar("fuzzy", "fuzzy_match", 0.0)], schema=QA_SCHEMA,
                    name="arithmetic")
    questions = [("What is 2+2?", "4"), ("What is the capital of France?", "Paris"),
                 ("Name a primary colour.", "red")]
    run = client.evals.runs.create(eval_id, name="smoke", data_source={
        "type": "completions", "model": model,
        "input_messages": {"type": "template", "template": [
            {"role": "system", "content": "Answer in one word."},
            {"role": "user", "content": "Question: {{item.question}}"}]},
        "sampling_params": {"temperature": 0, "max_completion_tokens": 6, "seed": 3},
        "source": {"type": "file_content",
                   "content": [{"item": {"question": q, "answer": a}} for q, a in questions]}})
    assert (run.object, run.status, run.model) == ("eval.run", "queued", model)
    run = _wait(client, eval_id, run.id)
    assert run.status == "completed", run.error
    assert _counts(run)[0] == 3 and run.result_counts.errored == 0
    per = _per_grader(run)
    assert per["never"] == (3, 0) and per["fuzzy"] == (3, 0)  # true whatever the model says
    assert sum(per["exact"]) == 3
    items = _items(client, eval_id, run.id)
    assert [i.datasource_item_id for i in items] == [0, 1, 2]
    usage = run.per_model_usage[0]
    assert (usage.model_name, usage.invocation_count) == (model, 3)
    assert usage.total_tokens == sum(i.sample.usage.total_tokens for i in items)
    for item, (question, answer) in zip(items, questions, strict=True):
        assert item.object == "eval.run.output_item" and item.run_id == run.id
        assert item.sample.input[-1].content == f"Question: {question}"
        assert item.sample.input[0].role == "system"
        text = item.sample.output[0].content
        assert item.sample.output[0].role == "assistant" and text
        assert item.sample.model == model and item.sample.temperature == 0
        assert item.sample.max_completion_tokens == 6 and item.sample.seed == 3
        assert item.sample.usage.completion_tokens <= 6
        results = {r.name: r for r in item.results}
        assert results["exact"].passed is (text == answer)  # eq, on the model's own answer
        assert results["never"].passed and results["never"].score == 1.0
        assert results["fuzzy"].score == pytest.approx(fuzz.ratio(text, answer) / 100)
        assert item.status == ("pass" if text == answer else "fail")


def test_item_reference_input_messages(client: openai.OpenAI, model: str) -> None:
    schema = {"type": "object", "required": ["messages"]}
    eval_id = _eval(client, [{**_check("any", "ne"), "reference": "\u0000",
                              "input": "{{sample.output_text}}"}], schema=schema)
    messages = [{"role": "user", "content": "Say hello."}]
    run = client.evals.runs.create(eval_id, data_source={
        "type": "completions", "model": model,
        "input_messages": {"type": "item_reference", "item_reference": "item.messages"},
        "sampling_params": {"temperature": 0, "max_completion_tokens": 3},
        "source": {"type": "file_content", "content": [{"item": {"messages": messages}},
                                                       {"item": {"messages": "not a list"}}]}})
    run = _wait(client, eval_id, run.id)
    assert _counts(run) == (2, 1, 0, 1)
    good, bad = _items(client, eval_id, run.id)
    assert good.sample.input[0].content == "Say hello." and good.status == "pass"
    assert bad.status == "error" and bad.results == []
    assert bad.sample.error.code == "invalid_input_messages"


# ---- jsonl runs: fixed samples, exact counts ----------------------------------------------------


def _expected_similarity(metric: str, bar: float) -> list[bool]:
    """Worked out with the libraries directly, not through the server's code."""
    scores = []
    for row in ROWS:
        hyp, ref = row["sample"]["output_text"], row["item"]["answer"]
        if metric == "fuzzy_match":
            scores.append(fuzz.ratio(hyp, ref) / 100)
        elif metric == "bleu":
            scores.append(min(1.0, sacrebleu.sentence_bleu(hyp, [ref]).score / 100))
        else:
            scores.append(RougeScorer(["rougeL"]).score(ref, hyp)["rougeL"].fmeasure)
    return [s >= bar for s in scores]


def test_jsonl_run_grades_fixed_samples_exactly(client: openai.OpenAI) -> None:
    similar = [("fuzzy", "fuzzy_match", 0.5), ("bleu", "bleu", 0.5), ("rouge", "rouge_l", 0.3)]
    criteria = [_check("eq", "eq"), _check("ne", "ne"), _check("like", "like"),
                _check("ilike", "ilike"), *[_similar(*s) for s in similar]]
    eval_id = _eval(client, criteria)
    run = _wait(client, eval_id, client.evals.runs.create(eval_id, data_source=_jsonl(ROWS)).id)
    assert run.status == "completed" and run.model is None
    # By hand: eq only row 0; like (case-sensitive contains) rows 0 and 2; ilike rows 0-2.
    passes = {"eq": [True, False, False, False], "ne": [False, True, True, True],
              "like": [True, False, True, False], "ilike": [True, True, True, False]}
    passes |= {name: _expected_similarity(metric, bar) for name, metric, bar in similar}
    assert passes["fuzzy"] == [True, False, False, False]  # the libraries agree with intuition
    assert _per_grader(run) == {n: (sum(p), len(p) - sum(p)) for n, p in passes.items()}
    items = _items(client, eval_id, run.id)
    wanted = ["pass" if all(p[i] for p in passes.values()) else "fail" for i in range(4)]
    assert [i.status for i in items] == wanted
    assert _counts(run) == (4, wanted.count("pass"), wanted.count("fail"), 0)
    assert items[0].datasource_item == ROWS[0]["item"]
    assert items[0].sample.output[0].content == "Paris"


def test_python_graders_run_in_the_sandbox(client: openai.OpenAI, sandbox: None) -> None:
    eval_id = _eval(client, [
        _python("contains", "    return float(item['answer'].lower() in "
                            "sample['output_text'].lower())"),
        _python("raises", "    if item['answer'] == 'Rome':\n        raise KeyError('no')\n"
                          "    return 1.0"),
        _python("loops", "    while item['answer'] == 'Berlin':\n        pass\n    return 0.9"),
    ])
    run = _wait(client, eval_id, client.evals.runs.create(eval_id, data_source=_jsonl(ROWS)).id)
    assert run.status == "completed"
    # Rows 0 and 1 pass everything; row 2 loops until killed, row 3 raises: errored, not failed.
    assert _counts(run) == (4, 2, 0, 2)
    errored = {r.testing_criteria: r.errored for r in run.per_testing_criteria_results}
    assert _per_grader(run) == {"contains": (3, 1), "raises": (3, 0), "loops": (3, 0)}
    assert errored == {"contains": 0, "raises": 1, "loops": 1}
    items = _items(client, eval_id, run.id)
    assert [i.status for i in items] == ["pass", "pass", "error", "error"]
    loops = {r.name: r for r in items[2].results}["loops"]
    assert not loops.passed and loops.score is None and "time" in loops.error
    raises = {r.name: r for r in items[3].results}["raises"]
    assert "KeyError" in raises.error
    assert {r.name: r.score for r in items[0].results} == {"contains": 1.0, "raises": 1.0,
                                                          "loops": 0.9}


def test_file_id_source(client: openai.OpenAI) -> None:
    eval_id = _eval(client, [_check("ilike", "ilike")])
    text = "\n".join(json.dumps(r) for r in ROWS) + "\n\n"
    file_id = client.files.create(file=("rows.jsonl", text.encode()), purpose="evals").id
    run = client.evals.runs.create(eval_id, data_source={
        "type": "jsonl", "source": {"type": "file_id", "id": file_id}})
    client.files.delete(file_id)  # the items were read when the run was created
    run = _wait(client, eval_id, run.id)
    assert _counts(run) == (4, 3, 1, 0)
    assert run.data_source.source.id == file_id


# ---- the error envelope -------------------------------------------------------------------------


def _refused(call: Any, status: int, param: str | None, text: str = "") -> dict[str, Any]:
    with pytest.raises(openai.APIStatusError) as refused:
        call()
    error = refused.value.response.json()["error"]
    assert refused.value.status_code == status, error
    assert error["param"] == param and error["type"] == "invalid_request_error"
    assert text in error["message"], error
    return error


@pytest.mark.parametrize(("grader", "param", "text"), [
    ({"type": "label_model", "name": "judge", "model": "m", "input": [], "labels": ["a"],
      "passing_labels": ["a"]}, "testing_criteria[0].type", "label_model"),
    ({"type": "score_model", "name": "judge", "model": "m", "input": []},
     "testing_criteria[0].type", "score_model"),
    (_similar("m", "meteor", 0.5), "testing_criteria[0].evaluation_metric", "meteor"),
    (_similar("g", "gleu", 0.5), "testing_criteria[0].evaluation_metric", "gleu"),
    (_python("p", "    return ("), "testing_criteria[0].source", "does not parse"),
])
def test_graders_that_cannot_run_are_refused(client: openai.OpenAI, grader: dict[str, Any],
                                             param: str, text: str) -> None:
    error = _refused(lambda: _eval(client, [grader]), 400, param, text)
    assert error["code"] == "invalid_value"


def test_eval_definition_errors(client: openai.OpenAI) -> None:
    _refused(lambda: _eval(client, [_check("a", "eq"), _check("a", "ne")]), 400,
             "testing_criteria[1].name", "unique")
    _refused(lambda: _eval(client, [_check("a", "eq")], schema={"type": "nonsense"}), 400,
             "data_source_config.item_schema")
    _refused(lambda: client.evals.create(data_source_config={"type": "logs"},
                                         testing_criteria=[_check("a", "eq")]),
             400, "data_source_config.type", "logs")


def test_run_errors(client: openai.OpenAI, model: str) -> None:
    eval_id = _eval(client, [_check("eq", "eq")])
    rows = [{"item": {"answer": "ok"}}, {"item": {"answer": 5}}]
    error = _refused(lambda: client.evals.runs.create(eval_id, data_source=_jsonl(rows)), 400,
                     "data_source.source.content[1].item", "item_schema")
    assert error["code"] == "invalid_value" and "5 is not of type 'string'" in error["message"]
    completions = {"type": "completions", "model": "no-such-model",
                   "input_messages": {"type": "template",
                                      "template": [{"role": "user", "content": "hi"}]},
                   "source": {"type": "file_content", "content": rows[:1]}}
    error = _refused(lambda: client.evals.runs.create(eval_id, data_source=completions), 404,
                     "data_source.model", "no-such-model")
    assert error["code"] == "model_not_found"
    _refused(lambda: client.evals.runs.create(eval_id, data_source={
        "type": "jsonl", "source": {"type": "file_id", "id": "file-nope"}}), 404,
        "data_source.source.id")
    bad = client.files.create(file=("bad.jsonl", b'{"item": {"answer": "a"}}\nnot json\n'),
                              purpose="evals").id
    _refused(lambda: client.evals.runs.create(eval_id, data_source={
        "type": "jsonl", "source": {"type": "file_id", "id": bad}}), 400,
        "data_source.source.id", "Line 2")
    _refused(lambda: client.evals.runs.create(eval_id, data_source=_jsonl([])), 400,
             "data_source.source", "no items")


def test_unknown_ids_are_404(client: openai.OpenAI, http: httpx.Client) -> None:
    eval_id = _eval(client, [_check("eq", "eq")])
    run_id = client.evals.runs.create(eval_id, data_source=_jsonl(ROWS[:1])).id
    _refused(lambda: client.evals.retrieve("eval_nope"), 404, "eval_id")
    _refused(lambda: client.evals.delete("eval_nope"), 404, "eval_id")
    _refused(lambda: client.evals.update("eval_nope", name="x"), 404, "eval_id")
    _refused(lambda: client.evals.runs.create("eval_nope", data_source=_jsonl(ROWS)), 404,
             "eval_id")
    _refused(lambda: client.evals.runs.retrieve("evalrun_nope", eval_id=eval_id), 404, "run_id")
    _refused(lambda: client.evals.runs.output_items.retrieve(
        "outputitem_nope", eval_id=eval_id, run_id=run_id), 404, "output_item_id")
    other = _eval(client, [_check("eq", "eq")])
    _refused(lambda: client.evals.runs.retrieve(run_id, eval_id=other), 404, "run_id")
    answer = http.get("/v1/evals", params={"after": "eval_nope"})
    assert answer.status_code == 404 and answer.json()["error"]["param"] == "after"


# ---- lists, update, cancel, delete --------------------------------------------------------------


def test_lists_page_by_cursor(client: openai.OpenAI) -> None:
    mine = [_eval(client, [_check("eq", "eq")], name=f"page-{i}") for i in range(3)]
    newest = client.evals.list(limit=2, order="desc")
    assert [e.id for e in newest.data] == mine[:0:-1] and newest.has_more
    rest = client.evals.list(limit=2, order="desc", after=newest.data[-1].id)
    assert rest.data[0].id == mine[0]
    everything = [e.id for e in client.evals.list(limit=2, order="asc")]  # every page
    assert everything[-3:] == mine and len(everything) == len(set(everything))
    assert everything[::-1] == [e.id for e in client.evals.list(limit=2, order="desc")]

    runs = [client.evals.runs.create(mine[0], data_source=_jsonl(ROWS)).id for _ in range(3)]
    first = client.evals.runs.list(mine[0], limit=2)
    assert [r.id for r in first.data] == runs[:2] and first.has_more
    second = client.evals.runs.list(mine[0], limit=2, after=first.data[-1].id)
    assert [r.id for r in second.data] == runs[2:] and not second.has_more
    _wait(client, mine[0], runs[0])
    assert [r.id for r in client.evals.runs.list(mine[0], order="desc")] == runs[::-1]
    page = client.evals.runs.output_items.list(runs[0], eval_id=mine[0], limit=3)
    assert [i.datasource_item_id for i in page.data] == [0, 1, 2] and page.has_more
    tail = client.evals.runs.output_items.list(runs[0], eval_id=mine[0], after=page.data[-1].id)
    assert [i.datasource_item_id for i in tail.data] == [3]
    passed = client.evals.runs.output_items.list(runs[0], eval_id=mine[0], status="pass")
    assert [i.datasource_item_id for i in passed.data] == [0]


def test_update_and_retrieve(client: openai.OpenAI) -> None:
    eval_id = _eval(client, [_check("eq", "eq")], name="before", metadata={"team": "a"})
    updated = client.evals.update(eval_id, name="after", metadata={"team": "b"})
    assert (updated.name, updated.metadata) == ("after", {"team": "b"})
    got = client.evals.retrieve(eval_id)
    assert (got.name, got.metadata, got.object) == ("after", {"team": "b"}, "eval")
    assert isinstance(got.testing_criteria[0], StringCheckGrader)
    assert got.data_source_config.schema_["properties"]["item"] == ANSWER_SCHEMA


def _long_run(client: openai.OpenAI, eval_id: str, model: str, n: int = 24) -> str:
    return client.evals.runs.create(eval_id, data_source={
        "type": "completions", "model": model,
        "input_messages": {"type": "template",
                           "template": [{"role": "user",
                                         "content": "Tell a story about {{item.question}}."}]},
        "sampling_params": {"max_completion_tokens": 48},
        "source": {"type": "file_content",
                   "content": [{"item": {"question": f"ship {i}", "answer": "-"}}
                               for i in range(n)]}}).id


def test_cancel_stops_a_running_run(client: openai.OpenAI, http: httpx.Client,
                                    model: str) -> None:
    eval_id = _eval(client, [_check("eq", "eq")], schema=QA_SCHEMA)
    running, queued = _long_run(client, eval_id, model), _long_run(client, eval_id, model)
    _wait(client, eval_id, running, until=("in_progress",))
    # OpenAI's documented path for the queued one, the SDK's `/cancel` for the running one.
    answer = http.post(f"/v1/evals/{eval_id}/runs/{queued}")
    assert answer.status_code == 200 and answer.json()["status"] == "canceled"
    run = client.evals.runs.cancel(running, eval_id=eval_id)
    assert run.status == "canceled"
    time.sleep(2)  # an item still in flight would be recorded by now
    after = client.evals.runs.retrieve(running, eval_id=eval_id)
    assert after.status == "canceled" and after.result_counts.total < 24
    assert after.result_counts == client.evals.runs.retrieve(running, eval_id=eval_id).result_counts
    assert len(_items(client, eval_id, running)) == after.result_counts.total
    assert client.evals.runs.retrieve(queued, eval_id=eval_id).result_counts.total == 0
    _refused(lambda: client.evals.runs.cancel(running, eval_id=eval_id), 400, "run_id",
             "canceled")
    assert http.get("/health").json()["running"] == 0  # its generations were aborted


def test_delete_run_and_eval(client: openai.OpenAI) -> None:
    eval_id = _eval(client, [_check("eq", "eq")])
    run_id = client.evals.runs.create(eval_id, data_source=_jsonl(ROWS)).id
    _wait(client, eval_id, run_id)
    item_id = _items(client, eval_id, run_id)[0].id
    deleted = client.evals.runs.delete(run_id, eval_id=eval_id)
    assert (deleted.run_id, deleted.deleted, deleted.object) == (run_id, True, "eval.run.deleted")
    _refused(lambda: client.evals.runs.retrieve(run_id, eval_id=eval_id), 404, "run_id")
    _refused(lambda: client.evals.runs.output_items.retrieve(
        item_id, eval_id=eval_id, run_id=run_id), 404, "run_id")
    other = client.evals.runs.create(eval_id, data_source=_jsonl(ROWS)).id
    gone = client.evals.delete(eval_id)
    assert (gone.eval_id, gone.deleted, gone.object) == (eval_id, True, "eval.deleted")
    _refused(lambda: client.evals.retrieve(eval_id), 404, "eval_id")
    _refused(lambda: client.evals.runs.retrieve(other, eval_id=eval_id), 404, "eval_id")


# ---- restarts (in-process: the runner and a real SQLite file, no model) -------------------------


async def _store(tmp_path: Path) -> Any:
    from server.state.db import Database
    from server.state.evals import EvalStore

    return EvalStore(await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'state.db'}"))


async def _jsonl_run(store: Any, criteria: list[dict[str, Any]], n: int) -> Any:
    rows = [{"item": {"answer": str(i)}, "sample": {"output_text": str(i)}} for i in range(n)]
    row = await store.create_eval(name="e", meta=None, testing_criteria=criteria,
                                  data_source_config={"item_schema": {}})
    return await store.create_run(eval_id=row.id, name="r", model=None, meta=None, items=rows,
                                  data_source=_jsonl(rows), tally={})


async def test_a_stopped_run_resumes_where_it_stopped(tmp_path: Path, sandbox: None) -> None:
    from server.jobs.evals import EvalConfig, EvalRunner

    store = await _store(tmp_path)
    slow = _python("slow", "    import time\n    time.sleep(0.4)\n    return 1.0")
    run = await _jsonl_run(store, [slow], 6)
    config = EvalConfig(items_in_flight=1)
    first = EvalRunner(store, config)
    await first.start(None)  # type: ignore[arg-type] (jsonl runs never sample)
    first.submit(run.id)
    while len(await store.recorded(run.id)) < 2:
        await asyncio.sleep(0.05)
    await first.stop()  # as a crash would: the run stays in_progress
    kept, _ = await store.list_items(run.id, after=None, limit=100, order="asc", status=None)
    assert (await store.get_run(run.id)).status == "in_progress"
    second = EvalRunner(store, config)
    await second.start(None)  # type: ignore[arg-type]
    while (await store.get_run(run.id)).status != "completed":
        await asyncio.sleep(0.1)
    await second.stop()
    done = await store.get_run(run.id)
    items, _ = await store.list_items(run.id, after=None, limit=100, order="asc", status=None)
    assert [i.datasource_item_id for i in items] == list(range(6))
    assert done.attempts == 2 and done.tally["result_counts"]["total"] == 6
    assert done.tally["result_counts"]["passed"] == 6
    before = {i.id: i.created_at for i in kept}
    assert {i.id: i.created_at for i in items if i.id in before} == before  # not graded again
    await store.db.close()


async def test_a_run_interrupted_too_often_fails_with_a_reason(tmp_path: Path) -> None:
    from server.jobs.evals import EvalRunner
    from server.jobs.run_queue import MAX_ATTEMPTS

    store = await _store(tmp_path)
    run = await _jsonl_run(store, [_check("eq", "eq")], 2)
    await store.move(run.id, ("queued",), status="in_progress", attempts=MAX_ATTEMPTS)
    runner = EvalRunner(store)
    await runner.start(None)  # type: ignore[arg-type]
    await runner.stop()
    failed = await store.get_run(run.id)
    assert (failed.status, failed.error_code) == ("failed", "interrupted")
    assert f"{MAX_ATTEMPTS} times" in failed.error_message
    await store.db.close()
