"""Tool invocations are admitted like generation (issue 19, F6): against a live server with keys
and small limits, `POST /v1/tools/{name}/invoke` counts against its key's requests per minute
(shared with generation), its key's requests in flight, and the server's (429 / 503 with
`retry-after`), whichever tool it is; other keys are not held back by one key's limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from engine.config import DEFAULT_MODEL
from tests.security.conftest import Secured, api_key
from tests.server.conftest import launch, new_key, stop

RPM = 5


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    home = tmp_path_factory.mktemp("f6-home")
    admin = new_key(home, "admin", "admin")
    proc, url = launch(home, tmp_path_factory.mktemp("f6") / "server.log",
                       HANLIN_RATE_LIMIT_RPM=str(RPM), HANLIN_MAX_IN_FLIGHT_PER_KEY="1",
                       HANLIN_MAX_IN_FLIGHT="2")
    try:  # users' keys through the API (not an admitted request: no minute is spent)
        users = {who: api_key(url, admin, who) for who in ("alice", "bob", "carol")}
        yield Secured(url, home, {"admin": admin} | users)
    finally:
        stop(proc)


CALC = {"arguments": {"expression": "6*7"}}
INVOCATIONS = [("calculator", CALC), ("write_file", {"arguments": {"path": "a.txt",
                                                                     "content": "hi"}}),
               ("read_file", {"arguments": {"path": "missing.txt"}}), ("calculator", CALC),
               ("calculator", {"arguments": "{\"expression\": \"1+1\"}"})]


def _refused(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and set(error) == {"message", "type", "param", "code"}
    assert int(r.headers["retry-after"]) >= 1


def test_tool_invocations_count_against_the_keys_minute(limited: Secured) -> None:
    with httpx.Client(base_url=limited.url, timeout=120) as http:
        alice = limited.headers("alice")
        for name, body in INVOCATIONS:  # any tool, the minute's RPM requests
            r = http.post(f"/v1/tools/{name}/invoke", json=body, headers=alice)
            assert r.status_code == 200, (name, r.text)
        for name, body in INVOCATIONS[:3]:  # then each is refused, whichever tool
            refused = http.post(f"/v1/tools/{name}/invoke", json=body, headers=alice)
            _refused(refused, 429, "rate_limit_exceeded")
            assert refused.json()["error"]["type"] == "rate_limit_error"
        # The minute is the key's, generation included.
        chat = http.post("/v1/chat/completions", headers=alice, json={
            "model": DEFAULT_MODEL, "messages": [{"role": "user", "content": "hi"}],
            "max_tokens": 1})
        _refused(chat, 429, "rate_limit_exceeded")
        # Another key is not held back.
        ok = http.post("/v1/tools/calculator/invoke", json=CALC, headers=limited.headers("admin"))
        assert ok.status_code == 200 and ok.json()["output"] == "42"


def _hold_stream(url: str, headers: dict[str, str], opened: threading.Event,
                 release: threading.Event) -> None:
    """A generation stream kept open (unread) until released: it holds its key's ticket."""
    body = {"model": DEFAULT_MODEL, "messages": [{"role": "user", "content": "Count on."}],
            "max_tokens": 1500, "stream": True, "ignore_eos": True}
    with httpx.Client(base_url=url, timeout=300, headers=headers) as http, http.stream(
            "POST", "/v1/chat/completions", json=body) as r:
        assert r.status_code == 200
        lines = r.iter_lines()
        next(lines)
        opened.set()
        release.wait(120)
        lines.close()


class Holders:
    """Streams held open for some keys, released on leaving."""

    def __init__(self, url: str, headers: list[dict[str, str]]) -> None:
        self.release = threading.Event()
        self.opened = [threading.Event() for _ in headers]
        self.threads = [threading.Thread(target=_hold_stream, args=(url, h, o, self.release))
                        for h, o in zip(headers, self.opened, strict=True)]

    def __enter__(self) -> Holders:
        for t, opened in zip(self.threads, self.opened, strict=True):
            t.start()
            assert opened.wait(120), "a holding stream never opened"
        return self

    def __exit__(self, *_: object) -> None:
        self.release.set()
        for t in self.threads:
            t.join()


def test_tool_invocations_share_the_keys_requests_in_flight(limited: Secured) -> None:
    with httpx.Client(base_url=limited.url, timeout=120) as http:
        with Holders(limited.url, [limited.headers("bob")]):
            refused = http.post("/v1/tools/calculator/invoke", json=CALC,
                                headers=limited.headers("bob"))
            _refused(refused, 429, "too_many_in_flight")
            # Carol is not bob.
            assert http.post("/v1/tools/calculator/invoke", json=CALC,
                             headers=limited.headers("carol")).status_code == 200
        # The stream is gone, its ticket with it (and the refusal did not spend bob's minute):
        # the server learns of the closed stream a moment later, so give it a few seconds.
        deadline = time.monotonic() + 20
        while (status := http.post("/v1/tools/calculator/invoke", json=CALC,
                                   headers=limited.headers("bob")).status_code) == 429 \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == 200


def test_tool_invocations_wait_for_room_on_the_server(limited: Secured) -> None:
    with httpx.Client(base_url=limited.url, timeout=120) as http:
        with Holders(limited.url, [limited.headers("bob"), limited.headers("carol")]):
            for name, body in INVOCATIONS[:2]:
                _refused(http.post(f"/v1/tools/{name}/invoke", json=body,
                                   headers=limited.headers("admin")), 503, "server_overloaded")
        assert http.post("/v1/tools/calculator/invoke", json=CALC,
                         headers=limited.headers("admin")).status_code == 200
