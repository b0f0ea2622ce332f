"""Read deadlines (issue 19, W9) against a live `hanlin serve` with small limits, over raw sockets:
headers trickled in (slow loris), a silent connection, bodies that stall or never end (announced
or chunked), on generation, tool and key routes, and a body nobody reads. A stalled body holds no
admission ticket, so it cannot starve requests that are ready (`server_overloaded`); a body that
arrives in time, and an upload under its own longer deadline, are served."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from engine.config import DEFAULT_MODEL
from server.limits import LimitSettings
from server.settings import ServerSettings
from tests.server.conftest import launch, stop

HEADER_S, BODY_S, UPLOAD_S = 1, 2, 60
GIVE_UP_S = 30  # far past every deadline: a connection still open then was never cut


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("w9-home")
    proc, url = launch(home, tmp_path_factory.mktemp("w9") / "server.log",
                       HANLIN_HEADER_TIMEOUT_S=str(HEADER_S), HANLIN_BODY_TIMEOUT_S=str(BODY_S),
                       HANLIN_UPLOAD_TIMEOUT_S=str(UPLOAD_S), HANLIN_MAX_IN_FLIGHT="2")
    try:
        yield url
    finally:
        stop(proc)


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=GIVE_UP_S)


def _trickle_until_closed(sock: socket.socket, pieces: Iterator[bytes],
                          every_s: float = 0.25) -> bytes:
    """Send a piece every `every_s` until the server answers and closes; what it sent. Fails if
    the connection is still open after GIVE_UP_S."""
    received, deadline = b"", time.monotonic() + GIVE_UP_S
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], every_s)
        if readable:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return received
            if not chunk:
                return received  # closed
            received += chunk
            continue
        try:
            sock.sendall(next(pieces))
        except (BrokenPipeError, ConnectionResetError):
            return received + _rest(sock)
    pytest.fail(f"the connection was still open after {GIVE_UP_S}s; received {received[:200]!r}")


def _rest(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except OSError:
        pass
    return data


def _forever(piece: bytes) -> Iterator[bytes]:
    while True:
        yield piece


def _status_and_error(raw: bytes) -> tuple[int, dict]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)["error"] if body.startswith(b"{") else {}


def _assert_timed_out(raw: bytes, variable: str) -> None:
    status, error = _status_and_error(raw)
    assert status == 408, raw[:300]
    assert error["code"] == "request_timeout" and variable in error["message"], error
    assert set(error) == {"message", "type", "param", "code"}


def _head(method: str, path: str, *lines: str) -> bytes:
    return "\r\n".join([f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *lines, "", ""]).encode()


def test_headers_trickled_in_are_cut(url: str) -> None:
    with _connect(url) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        raw = _trickle_until_closed(sock, (f"X-Slow-{i}: a\r\n".encode() for i in range(10**6)))
    _assert_timed_out(raw, "HANLIN_HEADER_TIMEOUT_S")
    # A byte at a time, inside the request line itself.
    with _connect(url) as sock:
        raw = _trickle_until_closed(sock, (bytes([c]) for c in b"GET /health HTTP/1.1\r\n" * 99))
    assert raw.startswith(b"HTTP/1.1 408")


def test_a_silent_connection_is_closed(url: str) -> None:
    with _connect(url) as sock:
        sock.settimeout(GIVE_UP_S)
        assert sock.recv(1) == b""  # closed without a word: it never asked anything


def test_the_next_request_on_a_kept_alive_connection_has_a_header_deadline_too(url: str) -> None:
    with _connect(url) as sock:
        sock.sendall(_head("GET", "/health"))
        first = b""
        while b'"status"' not in first:
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        raw = _trickle_until_closed(sock, (f"X-{i}: b\r\n".encode() for i in range(10**6)))
    assert raw.startswith(b"HTTP/1.1 408")


CHAT_BODY = json.dumps({"model": "x", "messages": [{"role": "user", "content": "hi"}],
                        "max_tokens": 1}).encode()
ROUTES_WITH_BODIES = [("/v1/chat/completions", CHAT_BODY), ("/v1/completions", CHAT_BODY),
                      ("/v1/tools/calculator/invoke", b'{"arguments": {"expression": "1"}}'),
                      ("/v1/keys", b'{"name": "slow", "scope": "admin"}'),
                      ("/v1/evals", b'{"name": "slow"}')]


@pytest.mark.parametrize(("path", "body"), ROUTES_WITH_BODIES)
def test_a_body_that_stalls_is_a_408(url: str, path: str, body: bytes) -> None:
    # Announced, then only part of it sent, then nothing.
    with _connect(url) as sock:
        sock.sendall(_head("POST", path, "Content-Type: application/json",
                           f"Content-Length: {len(body) + 100}") + body[:10])
        raw = _trickle_until_closed(sock, _forever(b""), every_s=0.5)
    _assert_timed_out(raw, "HANLIN_BODY_TIMEOUT_S")
    # Chunked and never ending: a byte of whitespace at a time.
    with _connect(url) as sock:
        sock.sendall(_head("POST", path, "Content-Type: application/json",
                           "Transfer-Encoding: chunked") + b"1\r\n{\r\n")
        raw = _trickle_until_closed(sock, _forever(b"1\r\n \r\n"))
    _assert_timed_out(raw, "HANLIN_BODY_TIMEOUT_S")


def test_stalled_bodies_hold_no_ticket(url: str) -> None:
    """More stalled generation and tool bodies than the server's requests in flight (2): a
    ready request is still served; before, each stalled body held a ticket (503)."""
    stalled = []
    try:
        for path, body in ROUTES_WITH_BODIES[:3] * 2:
            sock = _connect(url)
            sock.sendall(_head("POST", path, "Content-Type: application/json",
                               f"Content-Length: {len(body)}") + body[:-1])
            stalled.append(sock)
        time.sleep(0.5)  # let each reach the server's guard
        with httpx.Client(base_url=url, timeout=120) as http:
            chat = http.post("/v1/chat/completions", json={
                "model": DEFAULT_MODEL, "messages": [{"role": "user", "content": "hi"}],
                "max_tokens": 1})
            assert chat.status_code == 200, chat.text
            tool = http.post("/v1/tools/calculator/invoke",
                             json={"arguments": {"expression": "6*7"}})
            assert tool.status_code == 200 and tool.json()["output"] == "42", tool.text
        for sock in stalled:
            _assert_timed_out(_trickle_until_closed(sock, _forever(b""), every_s=0.5),
                              "HANLIN_BODY_TIMEOUT_S")
    finally:
        for sock in stalled:
            sock.close()


def test_a_body_nobody_reads_does_not_keep_its_connection(url: str) -> None:
    """The route answers without reading (a 404, a 405): the body may not trickle on forever."""
    for method, path in [("POST", "/v1/no-such-route"), ("PATCH", "/v1/models")]:
        with _connect(url) as sock:
            sock.sendall(_head(method, path, "Content-Type: application/json",
                               "Transfer-Encoding: chunked") + b"1\r\n{\r\n")
            raw = _trickle_until_closed(sock, _forever(b"1\r\n \r\n"))
        assert raw.split(b" ", 2)[1] in (b"404", b"405"), raw[:200]


def test_a_body_in_pieces_within_the_deadline_is_served(url: str) -> None:
    body = json.dumps({"model": DEFAULT_MODEL, "messages": [{"role": "user", "content": "hi"}],
                       "max_tokens": 1}).encode()
    with _connect(url) as sock:
        sock.sendall(_head("POST", "/v1/chat/completions", "Content-Type: application/json",
                           f"Content-Length: {len(body)}", "Connection: close"))
        third = len(body) // 3
        for piece in (body[:third], body[third:2 * third], body[2 * third:]):
            time.sleep(0.1)
            sock.sendall(piece)
        raw = _rest(sock)
    assert raw.startswith(b"HTTP/1.1 200"), raw[:300]


def test_an_upload_has_its_own_longer_deadline(url: str) -> None:
    """A multipart upload paused past the JSON body deadline (but within the upload one) is
    stored; the JSON deadline would have cut it."""
    boundary = "hanlinboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
            f"user_data\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"slow.jsonl\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    tail = f'{{"text": "hi"}}\n\r\n--{boundary}--\r\n'.encode()
    done: dict[str, httpx.Response] = {}

    def parts() -> Iterator[bytes]:
        yield head
        time.sleep(BODY_S + 1.5)
        yield tail

    def upload() -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            done["r"] = http.post("/v1/files", content=parts(), headers={
                "content-type": f"multipart/form-data; boundary={boundary}"})

    worker = threading.Thread(target=upload)
    worker.start()
    worker.join(GIVE_UP_S)
    assert done["r"].status_code == 200, done["r"].text
    assert done["r"].json()["filename"] == "slow.jsonl"


def test_the_deadlines_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = LimitSettings()
    assert (defaults.header_timeout_s, defaults.body_timeout_s, defaults.upload_timeout_s) == (
        10, 60, 3600)
    monkeypatch.setenv("HANLIN_HEADER_TIMEOUT_S", "3")
    monkeypatch.setenv("HANLIN_BODY_TIMEOUT_S", "4.5")
    monkeypatch.setenv("HANLIN_UPLOAD_TIMEOUT_S", "100")
    limits = ServerSettings.from_env().limits
    assert (limits.header_timeout_s, limits.body_timeout_s, limits.upload_timeout_s) == (
        3, 4.5, 100)
