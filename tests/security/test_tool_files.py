"""F6 (produced files): one tool call stores at most HANLIN_SANDBOX_PRODUCED_FILES files and
HANLIN_SANDBOX_PRODUCED_BYTES bytes, on the HTTP invoke and in the code interpreter the agent and
Responses paths run; what is past the caps is named in the output, never dropped unsaid."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from agents.sandbox import SandboxConfig, SandboxSession, Workspace, mounts
from agents.tools import WorkspaceTools
from server.errors import APIError
from server.routes.tools import _store
from server.state.blobs import BlobStore
from server.state.db import Database
from server.state.files import FileStore
from server.state.tables import FileRow
from tests.agents.conftest import sandbox_config  # noqa: F401  (the fixture)
from tests.server.conftest import launch, stop

MAX_FILES, MAX_BYTES = 4, 3 << 20


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A server whose caps come from the environment, as an operator would set them."""
    home = tmp_path_factory.mktemp("files-home")
    proc, url = launch(home, tmp_path_factory.mktemp("files") / "server.log",
                       HANLIN_SANDBOX_PRODUCED_FILES=str(MAX_FILES),
                       HANLIN_SANDBOX_PRODUCED_BYTES=str(MAX_BYTES))
    try:
        with httpx.Client(base_url=url, timeout=120) as http:
            yield http
    finally:
        stop(proc)


def _write(count: int, size: int) -> str:
    return (f"for i in range({count}):\n"
            f"    open(f'out-{{i:03}}.bin', 'wb').write(b'x' * {size})\n")


def _invoke(http: httpx.Client, code: str) -> dict:
    reply = http.post("/v1/tools/code_interpreter/invoke", json={"arguments": {"code": code}})
    assert reply.status_code == 200, reply.text
    return reply.json()


def _stored_files(http: httpx.Client) -> int:
    return len(http.get("/v1/files", params={"limit": 10000}).json()["data"])


def test_thirty_large_files_are_capped_in_count_and_bytes(capped: httpx.Client) -> None:
    before = _stored_files(capped)
    body = _invoke(capped, _write(30, 2 << 20))  # the issue's: 30 x 2 MiB
    assert len(body["files"]) <= MAX_FILES
    assert sum(f["bytes"] for f in body["files"]) <= MAX_BYTES
    assert _stored_files(capped) - before == len(body["files"])
    assert f"26 more files written, not returned (past the cap of {MAX_FILES}" in body["output"]
    assert "[not stored: out-001.bin (2097152 bytes): past the cap" in body["output"], body
    for produced in body["files"]:
        assert capped.get(f"/v1/files/{produced['file_id']}/content").content == b"x" * (2 << 20)


def test_many_small_files_are_capped_in_count(capped: httpx.Client) -> None:
    body = _invoke(capped, _write(200, 10))
    assert [f["path"] for f in body["files"]] == [f"out-{i:03}.bin" for i in range(MAX_FILES)]
    assert f"{200 - MAX_FILES} more files written, not returned" in body["output"], body


def test_one_file_past_the_bytes_cap_is_reported_not_stored(capped: httpx.Client) -> None:
    body = _invoke(capped, _write(1, MAX_BYTES + 1))
    assert body["files"] == []
    assert f"[not stored: out-000.bin ({MAX_BYTES + 1} bytes): past the cap" in body["output"]


def test_a_file_within_the_caps_is_stored(capped: httpx.Client) -> None:
    body = _invoke(capped, _write(2, 1000))
    assert [(f["path"], f["bytes"]) for f in body["files"]] == [("out-000.bin", 1000),
                                                                ("out-001.bin", 1000)]
    assert "not stored" not in body["output"] and "not returned" not in body["output"]


async def test_a_session_holds_at_most_the_caps_in_memory(
        sandbox_config: SandboxConfig) -> None:  # noqa: F811
    """The stateful interpreter (Responses' code_interpreter, the agent loop): its cell result
    carries at most produced_files files and produced_bytes of their bytes."""
    config = SandboxConfig(limits=sandbox_config.limits,
                           session_limits=sandbox_config.session_limits)
    async with SandboxSession(config=config) as session:
        cell = await session.execute(_write(30, 2 << 20))
    assert len(cell.files) == config.produced_files
    assert sum(len(f.data or b"") for f in cell.files) <= config.produced_bytes
    assert cell.produced.left_out == 30 - config.produced_files
    assert cell.produced.left_out_names[0] == f"out-{config.produced_files:03}.bin"


async def test_the_interpreter_observation_names_what_was_left_out(
        sandbox_config: SandboxConfig) -> None:  # noqa: F811
    with Workspace(sandbox_config) as workspace:
        tools = WorkspaceTools(workspace, sandbox_config, stateful=True)
        try:
            observation = await tools.toolbox().invoke(
                "code_interpreter", {"code": _write(40, 1) + "print('x' * 20000)"})
        finally:
            await tools.aclose()
    assert len(observation.files) == sandbox_config.produced_files
    # after a long output, which is clipped: the note on the files is never cut away
    assert observation.content.endswith(
        f"[{40 - sandbox_config.produced_files} more files written, not returned (past the cap "
        f"of {sandbox_config.produced_files} files a run): out-016.bin, out-017.bin, out-018.bin,"
        " out-019.bin, out-020.bin, ...]"), observation.content[-400:]
    assert Path(workspace.folder).exists() is False


async def test_a_full_disk_stores_none_of_a_calls_files(tmp_path: Path) -> None:
    """The route's storing step (`_store`) against a blob folder on a 1 MiB tmpfs: the second
    of two 600 KiB files finds no room, and neither is kept (no row, no blob, no temp file)."""
    blob_root = tmp_path / "blobs"
    blob_root.mkdir()
    try:
        mounts.mount(blob_root, 1 << 20, 64)
    except OSError as exc:
        pytest.skip(f"cannot mount a tmpfs here ({exc.strerror}); the caps above are tested")
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'state.db'}")
    try:
        files = FileStore(db, BlobStore(blob_root))
        with pytest.raises(APIError) as refused:
            await _store(files, [("a.bin", b"a" * (600 << 10)), ("b.bin", b"b" * (600 << 10))])
        assert refused.value.status_code == 507
        async with db.session() as session:
            assert await session.scalar(select(func.count()).select_from(FileRow)) == 0
        assert [p for p in blob_root.rglob("*") if p.is_file()] == []
        stored = await _store(files, [("c.bin", b"c" * 1000)])  # room again: it stores
        assert [(f.path, f.bytes) for f in stored] == [("c.bin", 1000)]
    finally:
        await db.close()
        mounts.unmount_all(blob_root)
