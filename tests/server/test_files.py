"""The Files API against the live server with the official SDK (and raw httpx where the SDK
cannot send what we test): upload, pages, content, delete, and every malformed upload."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import httpx
import openai
import pytest

from tests.server.conftest import UPLOAD_CAP

BODY = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}\n'


def _error(reply: httpx.Response) -> dict:
    return reply.json()["error"]


def test_sdk_upload_retrieve_download_delete(client: openai.OpenAI) -> None:
    made = client.files.create(file=("chat.jsonl", BODY * 3), purpose="fine-tune")
    assert made.id.startswith("file-") and made.object == "file"
    assert (made.bytes, made.filename, made.purpose) == (len(BODY) * 3, "chat.jsonl", "fine-tune")
    assert client.files.retrieve(made.id) == made
    assert client.files.content(made.id).read() == BODY * 3
    assert client.files.delete(made.id).deleted
    with pytest.raises(openai.NotFoundError) as err:
        client.files.retrieve(made.id)
    assert err.value.body["param"] == "file_id"


def test_sdk_pages_through_every_file(client: openai.OpenAI) -> None:
    made = {client.files.create(file=(f"p{i}.jsonl", BODY), purpose="batch").id
            for i in range(5)}
    page = client.files.list(limit=2, purpose="batch")
    assert len(page.data) == 2 and page.has_more
    listed = [f.id for f in client.files.list(limit=2, purpose="batch")]  # auto-paginates
    assert made <= set(listed) and len(listed) == len(set(listed))
    oldest_first = [f.id for f in client.files.list(limit=2, purpose="batch", order="asc")]
    assert oldest_first == listed[::-1]


@pytest.mark.parametrize(
    ("files", "data", "param", "code"),
    [
        ({"file": ("a.jsonl", BODY)}, {"purpose": "nonsense"}, "purpose", "invalid_value"),
        ({"file": ("a.jsonl", b"")}, {"purpose": "fine-tune"}, "file", "empty_file"),
        ({"purpose": (None, "fine-tune")}, {}, "file", "missing_required_parameter"),
        ({"file": ("a.jsonl", BODY)}, {}, "purpose", "missing_required_parameter"),
        ({"file": ("a.jsonl", BODY)}, {"purpose": "evals", "color": "red"}, "color",
         "unknown_parameter"),
    ],
)
def test_bad_uploads_are_400s(http: httpx.Client, files, data, param, code) -> None:  # noqa: ANN001
    reply = http.post("/v1/files", files=files, data=data)
    assert reply.status_code == 400, reply.text
    assert (_error(reply)["param"], _error(reply)["code"]) == (param, code)


def test_not_multipart_is_a_400(http: httpx.Client) -> None:
    reply = http.post("/v1/files", json={"purpose": "fine-tune"})
    assert reply.status_code == 400 and _error(reply)["param"] == "file"


def test_truncated_multipart_is_a_400_and_keeps_nothing(http: httpx.Client,
                                                        server_home: Path) -> None:
    head = (b"--xyz\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
            b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n"
            b"\r\n" + BODY)  # no closing boundary
    reply = http.post("/v1/files", content=head,
                      headers={"content-type": "multipart/form-data; boundary=xyz"})
    assert reply.status_code == 400, reply.text
    assert list((server_home / "blobs" / "tmp").iterdir()) == []


def test_announced_2gb_against_the_cap_is_refused_before_reading(server_url: str) -> None:
    # A raw socket: HTTP clients refuse to send less than the Content-Length they announce.
    host, port = server_url.removeprefix("http://").split(":")
    head = (f"POST /v1/files HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: multipart/form-data; boundary=xyz\r\n"
            f"Content-Length: {2 * 1024**3}\r\n\r\n--xyz\r\n").encode()
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(head)
        received = b""
        while b"file_too_large" not in received and (chunk := conn.recv(65536)):
            received += chunk  # headers and body may come in separate reads
        reply = received.decode(errors="replace")
    status_line, _, rest = reply.partition("\r\n")
    assert " 413 " in status_line, reply
    assert '"file_too_large"' in rest


def test_streamed_past_the_cap_is_413_and_keeps_nothing(http: httpx.Client,
                                                        server_home: Path) -> None:
    chunk = b"x" * (1 << 20)

    def body():  # chunked: no content-length, so the cap is enforced on the bytes themselves
        yield (b"--xyz\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
               b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; "
               b"filename=\"big.jsonl\"\r\n\r\n")
        for _ in range(UPLOAD_CAP // len(chunk) + 2):
            yield chunk
        yield b"\r\n--xyz--\r\n"

    before = {f.name for f in (server_home / "blobs" / "objects").glob("*/*")}
    try:
        reply = http.post("/v1/files", content=body(),
                          headers={"content-type": "multipart/form-data; boundary=xyz"})
        assert reply.status_code == 413 and _error(reply)["code"] == "file_too_large"
    except httpx.TransportError:
        pass  # the server may close before the client has sent everything: also a refusal
    assert list((server_home / "blobs" / "tmp").iterdir()) == []
    assert {f.name for f in (server_home / "blobs" / "objects").glob("*/*")} == before


def test_upload_is_stored_byte_for_byte(client: openai.OpenAI, server_home: Path) -> None:
    # Not UTF-8, no newline at the end, a NUL: stored and returned as sent, judged later.
    raw = bytes(range(256)) * 300
    made = client.files.create(file=("odd.bin", raw), purpose="user_data")
    assert client.files.content(made.id).read() == raw
    blobs = list((server_home / "blobs" / "objects").glob("*/*"))
    assert any(hashlib.sha256(b.read_bytes()).digest() == hashlib.sha256(raw).digest()
               for b in blobs)


def test_unknown_ids_are_404_in_the_envelope(http: httpx.Client) -> None:
    for method, path in [("GET", "/v1/files/file-nope"), ("GET", "/v1/files/file-nope/content"),
                         ("DELETE", "/v1/files/file-nope"), ("GET", "/v1/files?after=file-nope")]:
        reply = http.request(method, path)
        assert reply.status_code == 404, (method, path, reply.text)
        assert _error(reply)["type"] == "invalid_request_error"
