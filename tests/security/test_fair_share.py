"""W13: one key's giant request cannot starve another key's small one (the scheduler's fair share
between keys), and one request cannot ask for more than the per-request token budget (a 400 in
OpenAI's envelope on every generation route and on embeddings). Live servers, the real model."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from engine.config import DEFAULT_MODEL
from tests.security.conftest import Secured, api_key
from tests.server.conftest import launch, new_key, stop

BUDGET = 1024  # the small server's per-request token budget
STEP = 32  # and its tokens per engine step: a 1000-token prefill is 32 steps
CONTEXT = 8192  # the default model's
HI = [{"role": "user", "content": "Hi"}]


def _post(server: Secured, who: str, path: str, body: dict, timeout: float = 120) -> httpx.Response:
    return httpx.post(server.url + path, json=body, headers=server.headers(who), timeout=timeout)


def _refused(r: httpx.Response, param: str, *numbers: int | str) -> None:
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "request_budget_exceeded" and error["param"] == param
    assert error["type"] == "invalid_request_error"
    for number in numbers:  # the budget and what was asked, so the caller knows what to cut
        assert str(number) in error["message"], error["message"]


# -- the per-request budget --------------------------------------------------------------------


def test_the_default_budget_refuses_the_issues_request(secured: Secured) -> None:
    """n=16 choices of a prompt near the context: 16 x 8192 tokens against 4 x 8192, on the
    package's server (the default settings)."""
    prompt = [17] * (CONTEXT - 200)
    r = _post(secured, "alice", "/v1/completions",
              {"model": DEFAULT_MODEL, "prompt": prompt, "n": 16, "max_tokens": 100})
    _refused(r, "n", 4 * CONTEXT, 16 * (CONTEXT - 100))
    r = _post(secured, "alice", "/v1/chat/completions",
              {"model": DEFAULT_MODEL, "messages": HI, "n": 5})
    _refused(r, "n", 4 * CONTEXT, 5 * CONTEXT)
    r = _post(secured, "alice", "/v1/chat/completions",  # within the budget: served
              {"model": DEFAULT_MODEL, "messages": HI, "n": 4, "max_tokens": 2})
    assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    """A keyed server whose per-request budget is 1024 tokens (an eighth of the context) and
    whose engine steps compute 32 tokens each (a long prefill is many cheap steps)."""
    home = tmp_path_factory.mktemp("budget-home")
    admin = new_key(home, "ops", "admin")
    log = tmp_path_factory.mktemp("budget") / "server.log"
    proc, url = launch(home, log, HANLIN_REQUEST_TOKEN_BUDGET=str(BUDGET),
                       HANLIN_MAX_BATCHED_TOKENS=str(STEP))
    try:
        keys = {"admin": admin} | {who: api_key(url, admin, who) for who in ("alice", "bob")}
        yield Secured(url, home, keys)
    finally:
        stop(proc)


@pytest.mark.parametrize("stream", [False, True])
def test_chat_n_times_the_room_left_is_refused(small: Secured, stream: bool) -> None:
    # No max_tokens: each choice may run to the end of the context, which is what is counted.
    body = {"model": DEFAULT_MODEL, "messages": HI, "n": 2, "stream": stream}
    r = _post(small, "alice", "/v1/chat/completions", body)
    _refused(r, "n", BUDGET, 2 * CONTEXT)


def test_chat_within_the_budget_runs_and_past_it_is_refused(small: Secured) -> None:
    ok = {"model": DEFAULT_MODEL, "messages": HI, "n": 3, "max_tokens": 4}
    r = _post(small, "bob", "/v1/chat/completions", ok)
    assert r.status_code == 200 and len(r.json()["choices"]) == 3
    _refused(_post(small, "bob", "/v1/chat/completions", ok | {"max_tokens": 400}), "n", BUDGET)
    # One choice: the messages themselves are the lever.
    _refused(_post(small, "bob", "/v1/chat/completions",
                   {"model": DEFAULT_MODEL, "messages": HI, "max_completion_tokens": 1500}),
             "messages", BUDGET, 1500)


def test_completions_count_every_prompt_and_choice(small: Secured) -> None:
    base = {"model": DEFAULT_MODEL, "max_tokens": 100}
    r = _post(small, "alice", "/v1/completions", base | {"prompt": ["a", "b"], "n": 2,
                                                          "max_tokens": 3})
    assert r.status_code == 200 and len(r.json()["choices"]) == 4
    _refused(_post(small, "alice", "/v1/completions",
                   base | {"prompt": ["a b c"] * 6, "n": 2}), "n", BUDGET, "6 prompts",
             "600 completion tokens")
    # Token-id prompts, one choice: 900 prompt tokens + 200 past the budget.
    _refused(_post(small, "alice", "/v1/completions",
                   {"model": DEFAULT_MODEL, "prompt": [17] * 900, "max_tokens": 200}),
             "prompt", BUDGET, 900)
    _refused(_post(small, "alice", "/v1/completions",
                   base | {"prompt": "a", "n": 12, "stream": True}), "n", BUDGET)


def test_responses_are_held_to_the_budget(small: Secured) -> None:
    body = {"model": DEFAULT_MODEL, "input": "Hi", "max_output_tokens": 4}
    r = _post(small, "bob", "/v1/responses", body)
    assert r.status_code == 200, r.text
    _refused(_post(small, "bob", "/v1/responses", body | {"max_output_tokens": 2000}),
             "input", BUDGET, 2000)
    _refused(_post(small, "bob", "/v1/responses", {"model": DEFAULT_MODEL, "input": "Hi"}),
             "input", BUDGET)  # no max_output_tokens: the whole context counts
    _refused(_post(small, "bob", "/v1/responses", body | {"max_output_tokens": 2000,
                                                          "stream": True}), "input", BUDGET)


def test_embeddings_count_every_input_token(small: Secured) -> None:
    r = _post(small, "alice", "/v1/embeddings", {"model": DEFAULT_MODEL, "input": ["hi"] * 8})
    assert r.status_code == 200 and len(r.json()["data"]) == 8
    _refused(_post(small, "alice", "/v1/embeddings",
                   {"model": DEFAULT_MODEL, "input": [[5] * 300] * 4}), "input", BUDGET, 1200)


# -- the fair share between keys ---------------------------------------------------------------


def _running(server: Secured) -> float:
    text = httpx.get(server.url + "/metrics", headers=server.headers("admin"), timeout=30).text
    return float(re.search(r"^hanlin_requests_running (\S+)$", text, re.M).group(1))


def test_a_small_request_finishes_while_another_keys_giant_one_runs(small: Secured) -> None:
    """Alice's 1000-token prompt (32 steps of prefill) is running when Bob asks for 4 tokens.
    First come, first served, Bob waited for the whole prefill and Alice's answer (1 token) came
    first; with the fair share Bob's prompt and decode steps run beside Alice's prefill chunks
    (Bob's half of each step first, Alice's prefill the rest) and his answer comes back some 5
    steps later, while hers is still being computed. Steps, not seconds, decide the order."""
    giant = {"model": DEFAULT_MODEL, "prompt": [(7 * i) % 5000 + 100 for i in range(1000)],
             "max_tokens": 1, "temperature": 0}
    done: dict[str, float] = {}
    statuses: dict[str, int] = {}

    def alice() -> None:
        r = _post(small, "alice", "/v1/completions", giant, timeout=900)
        statuses["alice"] = r.status_code
        done["alice"] = time.monotonic()

    thread = threading.Thread(target=alice)
    thread.start()
    deadline = time.monotonic() + 300
    while _running(small) < 1:  # Alice's prompt is in the engine, its prefill under way
        assert thread.is_alive() and time.monotonic() < deadline, statuses
        time.sleep(0.02)
    chat = {"model": DEFAULT_MODEL, "messages": [{"role": "user", "content": "Count to ten."}],
            "max_tokens": 4, "temperature": 0, "ignore_eos": True}
    r = _post(small, "bob", "/v1/chat/completions", chat, timeout=900)
    done["bob"] = time.monotonic()
    assert r.status_code == 200 and r.json()["usage"]["completion_tokens"] == 4
    thread.join(timeout=900)
    assert statuses.get("alice") == 200
    assert done["bob"] < done["alice"], "Bob's 4 tokens waited for Alice's giant request"
