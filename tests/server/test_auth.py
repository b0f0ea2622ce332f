"""API keys, scopes, ownership and limits against live servers of their own (keys would lock the
shared test server). Every operation of the OpenAPI document is covered, so a new route is too:
no key -> 401, a user key on an admin route -> 403, another key's object -> 404. Limits: 429 and
503 with `retry-after`. Keys are made with `hanlin keys` straight in the database."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from server.app import ROUTES
from tests.server.conftest import launch, new_key, stop

PUBLIC = {"/health"}


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    home = tmp_path_factory.mktemp("secured-home")
    keys = {"admin": new_key(home, "ops", "admin"), "alice": new_key(home, "alice", "user"),
            "bob": new_key(home, "bob", "user")}
    proc, url = launch(home, tmp_path_factory.mktemp("secured") / "server.log")
    try:
        yield url, keys
    finally:
        stop(proc)


def _operations() -> list[tuple[str, str, bool]]:
    """(method, path with dummy ids, admin-only) for every route the app serves."""
    found = []
    for handler in ROUTES:
        for path in handler.paths:
            concrete = re.sub(r"\{[^}:]+(:[a-z]+)?\}", "x", path)
            for method in handler.http_methods:
                found.append((method, concrete, handler.opt.get("scope") == "admin"))
    return found


OPERATIONS = _operations()


def test_every_route_but_health_needs_a_key(secured) -> None:  # noqa: ANN001
    url, keys = secured
    with httpx.Client(base_url=url, timeout=60) as http:
        assert http.get("/health").status_code == 200
        for method, path, _ in OPERATIONS:
            if path in PUBLIC:
                continue
            for headers in ({}, {"Authorization": "Bearer hl-not-a-key"}):
                r = http.request(method, path, headers=headers,
                                 json={} if method in ("POST", "PUT", "PATCH") else None)
                assert r.status_code == 401, (method, path, r.text)
                assert r.json()["error"]["type"] == "authentication_error"
                assert r.headers["www-authenticate"].startswith("Bearer")
        schema = http.get("/schema/openapi.json").status_code
        assert schema == 401


def test_user_keys_cannot_use_admin_routes(secured) -> None:  # noqa: ANN001
    url, keys = secured
    admin_routes = [(m, p) for m, p, admin in OPERATIONS if admin]
    assert ("POST", "/v1/keys") in admin_routes
    # A fine-tuned model's owner deletes it too (tests/security/test_model_ownership.py).
    assert ("DELETE", "/v1/models/x") not in admin_routes
    with httpx.Client(base_url=url, timeout=60,
                      headers={"Authorization": f"Bearer {keys['alice']}"}) as http:
        for method, path in admin_routes:
            r = http.request(method, path, json={} if method == "POST" else None)
            assert r.status_code == 403, (method, path, r.text)
            assert r.json()["error"]["type"] == "permission_error"


def _client(url: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0)


def test_one_key_cannot_see_anothers_objects(secured, model: str) -> None:  # noqa: ANN001
    url, keys = secured
    alice, bob, admin = (_client(url, keys[k]) for k in ("alice", "bob", "admin"))
    file = alice.files.create(file=("a.jsonl", b'{"text": "hi"}\n'), purpose="user_data")
    response = alice.responses.create(model=model, input="Hi", max_output_tokens=2)
    ev = alice.evals.create(name="mine", data_source_config={
        "type": "custom", "item_schema": {"type": "object"}}, testing_criteria=[
        {"type": "string_check", "name": "eq", "input": "{{item.a}}", "reference": "x",
         "operation": "eq"}])
    for fetch in (lambda c: c.files.retrieve(file.id), lambda c: c.files.content(file.id),
                  lambda c: c.responses.retrieve(response.id),
                  lambda c: c.responses.input_items.list(response.id),
                  lambda c: c.evals.retrieve(ev.id), lambda c: c.evals.runs.list(ev.id),
                  lambda c: c.files.delete(file.id), lambda c: c.evals.delete(ev.id)):
        with pytest.raises(openai.NotFoundError):  # 404, not 403: ids do not leak
            fetch(bob)
    assert file.id not in {f.id for f in bob.files.list()}
    assert ev.id not in {e.id for e in bob.evals.list()}
    assert file.id in {f.id for f in admin.files.list()}  # admins see every owner's objects
    assert alice.files.retrieve(file.id).id == file.id  # and the owner, of course
    assert alice.evals.retrieve(ev.id).id == ev.id
    alice.files.delete(file.id)


def test_keys_routes_and_revocation(secured) -> None:  # noqa: ANN001
    url, keys = secured
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    with httpx.Client(base_url=url, timeout=60) as http:
        made = http.post("/v1/keys", json={"name": "ci", "scope": "user"}, headers=admin).json()
        assert made["key"].startswith("hl-") and made["scope"] == "user"
        listed = http.get("/v1/keys", headers=admin).json()["data"]
        assert made["id"] in {k["id"] for k in listed}
        assert all(k["key"] is None for k in listed)  # shown once, at creation
        user = {"Authorization": f"Bearer {made['key']}"}
        assert http.get("/v1/models", headers=user).status_code == 200
        assert http.delete(f"/v1/keys/{made['id']}", headers=admin).json()["revoked_at"]
        assert http.get("/v1/models", headers=user).status_code == 401


def _listening_on(port: int) -> set[str]:
    """The IPv4 addresses a socket listens on at `port`, from /proc/net/tcp."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if int(hex_port, 16) == port and state == "0A":  # LISTEN
            found.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def test_no_keys_binds_loopback_only(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    proc, url = launch(tmp_path / "home", log, host="0.0.0.0")
    try:
        assert "no API keys exist, so the server binds to 127.0.0.1 only" in log.read_text()
        assert _listening_on(int(url.rsplit(":", 1)[1])) == {"127.0.0.1"}
    finally:
        stop(proc)


# ---- limits -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("limited-home")
    proc, url = launch(home, tmp_path_factory.mktemp("limited") / "server.log",
                       HANLIN_RATE_LIMIT_RPM="4", HANLIN_MAX_STREAMS_PER_KEY="1",
                       HANLIN_MAX_IN_FLIGHT="2")
    try:
        yield url
    finally:
        stop(proc)


def _chat(model: str, *, stream: bool = False, max_tokens: int = 1) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": "Count to a hundred."}],
            "max_tokens": max_tokens, "stream": stream, "ignore_eos": True}


def test_limits_answer_with_retry_after(limited: str, model: str) -> None:
    opened, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_stream, args=(limited, model, opened, release))
    long_one = threading.Thread(target=lambda: httpx.post(
        f"{limited}/v1/chat/completions", json=_chat(model, max_tokens=256), timeout=300))
    with httpx.Client(base_url=limited, timeout=120) as http:
        holder.start()
        try:
            assert opened.wait(120)
            # One stream per key: a second one is refused, and is not counted against the minute.
            second = http.post("/v1/chat/completions", json=_chat(model, stream=True))
            assert second.status_code == 429, second.text
            assert second.json()["error"]["code"] == "too_many_streams"
            assert int(second.headers["retry-after"]) >= 1
            long_one.start()
            _wait_for_running(http, 2)
            # Two requests in flight is the server's bound: the next one is a 503.
            full = http.post("/v1/chat/completions", json=_chat(model))
            assert full.status_code == 503, full.text
            assert full.json()["error"]["code"] == "server_overloaded"
            assert int(full.headers["retry-after"]) >= 1
        finally:
            release.set()
            holder.join()
            if long_one.is_alive() or long_one.ident:
                long_one.join()
        # 2 of the minute's 4 requests are spent: two more pass, the fifth is a 429.
        assert [http.post("/v1/chat/completions", json=_chat(model)).status_code
                for _ in range(2)] == [200, 200]
        refused = http.post("/v1/chat/completions", json=_chat(model))
        assert refused.status_code == 429 and refused.json()["error"]["type"] == "rate_limit_error"
        assert refused.json()["error"]["code"] == "rate_limit_exceeded"
        assert 1 <= int(refused.headers["retry-after"]) <= 60


def _wait_for_running(http: httpx.Client, n: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        stats = http.get("/health").json()
        if stats["running"] + stats["waiting"] >= n:
            return
        time.sleep(0.05)
    pytest.fail(f"{n} requests never ran at once")


def _hold_stream(url: str, model: str, opened: threading.Event,
                 release: threading.Event) -> None:
    """A stream kept open (unread, so the server waits on it) until the test releases it."""
    with httpx.Client(base_url=url, timeout=300) as http, http.stream(
            "POST", "/v1/chat/completions", json=_chat(model, stream=True, max_tokens=1500)) as r:
        assert r.status_code == 200
        lines = r.iter_lines()  # kept: a dropped iterator closes the response
        next(lines)
        opened.set()
        release.wait(120)
        lines.close()
