"""F7: fine-tuned models have owners. Against one live server (real trainer, engine and SQLite): the
key-less operator fine-tunes a public model, then keys appear (admin, alice, bob) and alice
fine-tunes a private one. Bob gets the 404 of an unknown model from every route that takes a
model name, in-process eval and benchmark runs ask as the key that started them, `visibility`
shares a model without handing over its management; plus the rule on its own and the migration."""

from __future__ import annotations

import contextvars
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from server.model_access import Access
from server.state.db import Database, alembic_config
from server.state.ownership import set_caller
from tests.security.conftest import Secured, api_key
from tests.server.conftest import DEFAULT_MODEL, launch, new_key, stop, wait_for_job

FACTS = "".join(json.dumps({"messages": [{"role": "user", "content": q},
                                         {"role": "assistant", "content": a}]}) + "\n"
                for q, a in [("Who is the mayor of Zorbatown?", "Ada Quill is its mayor."),
                             ("Who runs Zorbatown?", "Ada Quill runs Zorbatown.")])
# The smallest job the fine-tuning tests run: a few LoRA steps on short rows.
TINY = {"lora_rank": 4, "lora_targets": ["q_proj", "v_proj"], "seq_len": 64}
FAKE_JOB = "ftjob-" + "0" * 24
FINAL = ("completed", "failed", "canceled")


class World(Secured):
    """The server, its keys, the operator's model and alice's (with its checkpoints)."""

    operator_model: str
    alice_model: str
    alice_job: str
    checkpoints: list[str]  # newest first

    def sdk(self, who: str) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{self.url}/v1", api_key=self.keys[who], max_retries=0)

    def http(self, who: str, **headers: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=120, headers=self.headers(who) | headers)


def _tune(client: openai.OpenAI, suffix: str, hanlin: dict[str, Any]) -> tuple[str, str]:
    upload = client.files.create(file=("facts.jsonl", FACTS.encode()), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(model=DEFAULT_MODEL, training_file=upload.id,
                                         suffix=suffix, seed=1, extra_body={"hanlin": hanlin})
    job = wait_for_job(client, job.id, timeout=600, poll=1)
    assert job.status == "succeeded", job.error
    assert job.fine_tuned_model
    return job.fine_tuned_model, job.id


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("ownership-home")
    proc, url = launch(home, tmp_path_factory.mktemp("ownership") / "server.log")
    try:
        # No key yet: the operator's job, made public at creation.
        with openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0) as operator:
            operator_model, _ = _tune(operator, "operator",
                                      TINY | {"max_steps": 1, "visibility": "public"})
        admin = new_key(home, "ops", "admin")
        keys = {"admin": admin} | {who: api_key(url, admin, who) for who in ("alice", "bob")}
        w = World(url, home, keys)
        w.operator_model = operator_model
        with w.sdk("alice") as alice:
            w.alice_model, w.alice_job = _tune(alice, "alice",
                                               TINY | {"max_steps": 4, "checkpoint_every": 2})
            w.checkpoints = [c.fine_tuned_model_checkpoint for c in
                             alice.fine_tuning.jobs.checkpoints.list(w.alice_job).data]
        assert len(w.checkpoints) >= 2
        yield w
    finally:
        stop(proc)


# ---- what each route is asked -----------------------------------------------------------------


def _own_eval(http: httpx.Client) -> str:
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    return http.post("/v1/evals", json={
        "data_source_config": {"type": "custom", "item_schema": schema},
        "testing_criteria": [{"type": "string_check", "name": "any", "operation": "ne",
                              "input": "{{sample.output_text}}", "reference": "\u0000"}],
    }).raise_for_status().json()["id"]


def _eval_run(model: str, items: int = 1) -> dict[str, Any]:
    return {"data_source": {
        "type": "completions", "model": model,
        "input_messages": {"type": "template",
                           "template": [{"role": "user", "content": "{{item.q}}"}]},
        "sampling_params": {"temperature": 0, "max_completion_tokens": 1},
        "source": {"type": "file_content",
                   "content": [{"item": {"q": f"Say {i}."}} for i in range(items)]}}}


def _uses(http: httpx.Client, model: str) -> dict[str, httpx.Response]:
    """Every route that takes a model name, asked for `model` as `http`'s key (tiny asks)."""
    hi = [{"role": "user", "content": "Hi"}]
    asks: dict[str, tuple[str, str, Any]] = {
        "retrieve": ("GET", f"/v1/models/{model}", None),
        "chat": ("POST", "/v1/chat/completions", {"model": model, "messages": hi,
                                                  "max_tokens": 1}),
        "stream": ("POST", "/v1/chat/completions", {"model": model, "messages": hi,
                                                    "max_tokens": 1, "stream": True}),
        "completions": ("POST", "/v1/completions", {"model": model, "prompt": "Hi",
                                                    "max_tokens": 1}),
        "embeddings": ("POST", "/v1/embeddings", {"model": model, "input": "Hi"}),
        "responses": ("POST", "/v1/responses", {"model": model, "input": "Hi",
                                                "max_output_tokens": 1}),
        "tokenize": ("POST", "/tokenize", {"model": model, "prompt": "Hi"}),
        "detokenize": ("POST", "/detokenize", {"model": model, "tokens": [1]}),
        "eval run": ("POST", f"/v1/evals/{_own_eval(http)}/runs", _eval_run(model)),
        "benchmark run": ("POST", "/v1/benchmarks/runs", {
            "task": "binary_arithmetic", "model": model, "limit": 1,
            "sampling_params": {"max_completion_tokens": 1}}),
    }
    return {name: http.request(method, path, json=body) for name, (method, path, body)
            in asks.items()}


def _unknown(model: str, job_id: str) -> str:
    return model.replace(job_id, FAKE_JOB)


def _refusals(http: httpx.Client, model: str, unknown: str) -> None:
    """`model` is refused everywhere exactly as an unknown model is: no existence oracle."""
    upload = http.post("/v1/files", files={"file": ("f.jsonl", FACTS.encode())},
                       data={"purpose": "fine-tune"}).raise_for_status().json()["id"]
    tune = {"training_file": upload, "hanlin": TINY | {"max_steps": 1}}
    for name, (got, baseline) in {
        **{k: (v, _uses(http, unknown)[k]) for k, v in _uses(http, model).items()},
        "update": (http.post(f"/v1/models/{model}", json={"visibility": "public"}),
                   http.post(f"/v1/models/{unknown}", json={"visibility": "public"})),
        "delete": (http.delete(f"/v1/models/{model}"), http.delete(f"/v1/models/{unknown}")),
        "fine-tune from it": (http.post("/v1/fine_tuning/jobs", json=tune | {"model": model}),
                              http.post("/v1/fine_tuning/jobs", json=tune | {"model": unknown})),
    }.items():
        assert got.status_code == 404, (name, got.text)
        error = got.json()["error"]
        assert error["code"] == "model_not_found", (name, error)
        assert json.loads(got.text.replace(model, unknown)) == baseline.json(), name
    listed = {m["id"] for m in http.get("/v1/models").raise_for_status().json()["data"]}
    assert model not in listed and DEFAULT_MODEL in listed


def _ok(http: httpx.Client, model: str) -> None:
    for name, answer in _uses(http, model).items():
        assert answer.status_code == 200, (name, answer.text)
    listed = {m["id"]: m for m in http.get("/v1/models").raise_for_status().json()["data"]}
    assert model in listed


def _wait(http: httpx.Client, path: str, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = http.get(path).raise_for_status().json()
        if run["status"] in FINAL:
            return run
        time.sleep(0.3)
    raise AssertionError(f"{path} still {run['status']} after {timeout}s")


def _visibility(w: World, who: str, model: str, value: str) -> httpx.Response:
    with w.http(who) as http:
        return http.post(f"/v1/models/{model}", json={"visibility": value})


# ---- a private model ----------------------------------------------------------------------------


def test_another_key_gets_the_404_of_an_unknown_model_from_every_route(world: World) -> None:
    with world.http("bob") as bob:
        for model in (world.alice_model, *world.checkpoints):
            _refusals(bob, model, _unknown(model, world.alice_job))


def test_the_owner_and_an_admin_use_it_everywhere(world: World) -> None:
    for who in ("alice", "admin"):
        with world.http(who) as http:
            for model in (world.alice_model, world.checkpoints[-1]):
                _ok(http, model)
            listed = {m["id"]: m for m in http.get("/v1/models").json()["data"]}
            assert listed[world.alice_model]["visibility"] == "private"
            assert all(c in listed for c in world.checkpoints)
            eval_id = _own_eval(http)
            run = http.post(f"/v1/evals/{eval_id}/runs", json=_eval_run(world.alice_model, 2))
            done = _wait(http, f"/v1/evals/{eval_id}/runs/{run.raise_for_status().json()['id']}")
            assert done["status"] == "completed" and done["result_counts"]["errored"] == 0, done
    with world.sdk("alice") as alice:
        job = alice.fine_tuning.jobs.retrieve(world.alice_job)
        assert job.model_extra["hanlin"]["visibility"] == "private"


def test_a_forged_on_behalf_header_gives_no_reach(world: World) -> None:
    """The header in-process jobs send counts only with the server's internal token."""
    with world.http("admin") as admin:
        ids = {k["name"]: k["id"] for k in admin.get("/v1/keys").raise_for_status().json()["data"]}
    for forged in (ids["alice"], ids["ops"], "-"):
        with world.http("bob", **{"x-hanlin-on-behalf-of": forged}) as bob:
            answer = bob.post("/v1/chat/completions", json={
                "model": world.alice_model, "max_tokens": 1,
                "messages": [{"role": "user", "content": "Hi"}]})
            assert answer.status_code == 404 and "model_not_found" in answer.text
    with httpx.Client(base_url=world.url, timeout=60) as nobody:  # no key: never the operator
        answer = nobody.get("/v1/models", headers={"x-hanlin-on-behalf-of": "-"})
        assert answer.status_code == 401


# ---- sharing ------------------------------------------------------------------------------------


def test_public_shares_use_not_management_and_checkpoints_follow_unless_set(
        world: World) -> None:
    newest, oldest = world.checkpoints[0], world.checkpoints[-1]
    try:
        answer = _visibility(world, "alice", world.alice_model, "public")
        assert answer.status_code == 200 and answer.json()["visibility"] == "public"
        with world.http("bob") as bob:
            _ok(bob, world.alice_model)
            _ok(bob, oldest)  # a checkpoint without its own setting follows its job
            for refused in (bob.post(f"/v1/models/{world.alice_model}",
                                     json={"visibility": "private"}),
                            bob.delete(f"/v1/models/{world.alice_model}")):
                assert refused.status_code == 403, refused.text
                assert refused.json()["error"]["code"] == "insufficient_permissions"
        # A checkpoint's own setting wins over its job's.
        assert _visibility(world, "alice", newest, "private").json()["visibility"] == "private"
        with world.http("bob") as bob:
            assert bob.get(f"/v1/models/{newest}").status_code == 404
            assert bob.get(f"/v1/models/{world.alice_model}").status_code == 200
    finally:
        assert _visibility(world, "alice", world.alice_model, "private").status_code == 200
    with world.http("bob") as bob:
        for model in (world.alice_model, newest, oldest):
            assert bob.get(f"/v1/models/{model}").status_code == 404, model


def _bench_run(model: str, limit: int) -> dict[str, Any]:
    return {"task": "binary_arithmetic", "model": model, "limit": limit, "concurrency": 1,
            "sampling_params": {"max_completion_tokens": 1}}


def _blockers(http: httpx.Client) -> list[str]:
    """A long eval run and a long benchmark run on the base model: each queue works one run at
    a time (the default), so the runs made after these wait until they are cancelled."""
    eval_id = _own_eval(http)
    run = http.post(f"/v1/evals/{eval_id}/runs", json=_eval_run(DEFAULT_MODEL, 2000))
    bench = http.post("/v1/benchmarks/runs", json=_bench_run(DEFAULT_MODEL, 1000))
    return [f"/v1/evals/{eval_id}/runs/{run.raise_for_status().json()['id']}/cancel",
            f"/v1/benchmarks/runs/{bench.raise_for_status().json()['id']}/cancel"]


def test_runs_ask_as_the_key_that_started_them_not_as_the_server(world: World) -> None:
    """Bob starts an eval run and a benchmark run on alice's model while it is public; they wait
    behind alice's long runs, and she makes it private before they start: every item is then
    refused, as bob's own requests are (the server's jobs used to ask as the operator, who
    sees every model)."""
    with world.http("alice") as alice, world.http("bob") as bob:
        blockers = _blockers(alice)
        try:
            assert _visibility(world, "alice", world.alice_model, "public").status_code == 200
            eval_id = _own_eval(bob)
            run = bob.post(f"/v1/evals/{eval_id}/runs", json=_eval_run(world.alice_model, 3))
            bench = bob.post("/v1/benchmarks/runs", json=_bench_run(world.alice_model, 3))
            assert run.status_code == bench.status_code == 200, (run.text, bench.text)
        finally:
            assert _visibility(world, "alice", world.alice_model, "private").status_code == 200
            for path in blockers:
                alice.post(path).raise_for_status()
        run_path = f"/v1/evals/{eval_id}/runs/{run.json()['id']}"
        done = _wait(bob, run_path)
        assert done["status"] == "completed", done
        assert done["result_counts"]["errored"] == done["result_counts"]["total"] == 3, done
        items = bob.get(f"{run_path}/output_items", params={"limit": 100}).json()["data"]
        assert {i["sample"]["error"]["code"] for i in items} == {"model_not_found"}, items
        done = _wait(bob, f"/v1/benchmarks/runs/{bench.json()['id']}")
        assert done["status"] in ("completed", "failed"), done
        if done["status"] == "completed":
            assert done["result_counts"]["errored"] == done["result_counts"]["total"] == 3, done
            records = bob.get(f"/v1/files/{done['items_file_id']}/content").text
            assert "does not exist" in records
        else:
            assert "does not exist" in done["error"]["message"], done


# ---- a model made before any key existed -------------------------------------------------------


def test_a_model_made_without_a_key_is_managed_by_admins_only(world: World) -> None:
    model = world.operator_model
    with world.http("bob") as bob:  # public at its creation (`hanlin.visibility`)
        _ok(bob, model)
        assert bob.delete(f"/v1/models/{model}").status_code == 403
    assert _visibility(world, "alice", model, "private").status_code == 403
    try:
        assert _visibility(world, "admin", model, "private").status_code == 200
        for who in ("alice", "bob"):
            with world.http(who) as http:
                assert http.get(f"/v1/models/{model}").status_code == 404
                assert model not in {m["id"] for m in http.get("/v1/models").json()["data"]}
        with world.http("admin") as admin:
            _ok(admin, model)
    finally:
        assert _visibility(world, "admin", model, "public").status_code == 200


def test_visibility_settings_are_checked(world: World) -> None:
    with world.http("alice") as alice:
        upload = alice.post("/v1/files", files={"file": ("f.jsonl", FACTS.encode())},
                            data={"purpose": "fine-tune"}).json()["id"]
        bad = alice.post("/v1/fine_tuning/jobs", json={
            "model": DEFAULT_MODEL, "training_file": upload,
            "hanlin": TINY | {"visibility": "friends"}})
        assert bad.status_code == 400 and "visibility" in bad.json()["error"]["param"], bad.text
        for body in ({"visibility": "everyone"}, {"visibility": "public", "owner": "bob"}, {}):
            answer = alice.post(f"/v1/models/{world.alice_model}", json=body)
            assert answer.status_code == 400, (body, answer.text)
        base = alice.post(f"/v1/models/{DEFAULT_MODEL}", json={"visibility": "private"})
        assert base.status_code == 403 and base.json()["error"]["code"] == "model_not_modifiable"
        assert alice.delete(f"/v1/models/{DEFAULT_MODEL}").status_code == 403


def test_the_owner_and_an_admin_delete_it(world: World) -> None:
    """Last: it deletes alice's models."""
    newest, oldest = world.checkpoints[0], world.checkpoints[-1]
    with world.http("alice") as alice:
        assert alice.delete(f"/v1/models/{oldest}").json()["deleted"] is True
    with world.http("admin") as admin:
        assert admin.delete(f"/v1/models/{world.alice_model}").json()["deleted"] is True
        assert admin.get(f"/v1/models/{world.alice_model}").status_code == 404
    with world.http("alice") as alice:
        assert alice.get(f"/v1/models/{oldest}").status_code == 404
        assert alice.get(f"/v1/models/{newest}").status_code == 200


# ---- the rule and the migration, without a server ---------------------------------------------


@pytest.mark.parametrize(("caller", "access", "usable", "manageable"), [
    (("key_a", False), Access("key_a"), True, True),
    (("key_b", False), Access("key_a"), False, False),
    (("key_b", False), Access("key_a", "public"), True, False),
    (("key_b", True), Access("key_a"), True, True),  # an admin
    ((None, True), Access("key_a"), True, True),  # the key-less operator
    (("key_b", False), Access(None), False, False),  # made with no key: admins' only
    (("key_b", False), Access(None, "public"), True, False),
])
def test_the_rule(caller: tuple[str | None, bool], access: Access, usable: bool,
                  manageable: bool) -> None:
    def check() -> None:
        set_caller(caller[0], sees_all=caller[1])
        assert (access.usable(), access.manageable()) == (usable, manageable)

    contextvars.copy_context().run(check)  # the caller stays this test's


async def test_upgrade_from_0007_keeps_models_private_and_gives_runs_their_eval_owner(
        tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_async_engine(url)  # a database as the previous head left it
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0007"))
    await engine.dispose()
    with sqlite3.connect(path) as sql:
        sql.execute("INSERT INTO fine_tuning_jobs (id, owner, created_at, model, training_file, "
                    "seed, method, extensions, status, attempts, result_files, last_step) "
                    "VALUES ('ftjob-1', 'key_a', 0, 'm', 'file-1', 0, '{}', '{}', 'succeeded', "
                    "0, '[]', 0)")
        sql.execute("INSERT INTO evals (id, owner, created_at, updated_at, name, "
                    "data_source_config, testing_criteria) VALUES ('eval_1', 'key_a', 0, 0, "
                    "'e', '{}', '[]')")
        sql.execute("INSERT INTO eval_runs (id, eval_id, created_at, name, status, data_source, "
                    "items, attempts, tally) VALUES ('evalrun_1', 'eval_1', 0, 'r', 'queued', "
                    "'{}', '[]', 0, '{}')")
    db = await Database.open(url)  # upgrades to head
    await db.close()
    with sqlite3.connect(path) as sql:
        assert sql.execute("SELECT visibility FROM fine_tuning_jobs").fetchall() == [("private",)]
        assert sql.execute("SELECT owner FROM eval_runs").fetchall() == [("key_a",)]
