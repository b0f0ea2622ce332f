"""`GET /v1/tools` (the built-in tools' JSON Schemas, in Chat Completions' `tools` shape) and
`POST /v1/tools/{name}/invoke` (arguments -> output, is_error, duration, files). Each invocation
gets a fresh sandbox work folder; files the tool produces there are stored as Files (purpose
`user_data`, within the sandbox config's caps on count and bytes) and returned by id."""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import msgspec
from litestar import get, post

from agents.sandbox import SandboxConfig, Workspace, WorkspaceError
from agents.tools import WorkspaceTools
from server.errors import ERROR_RESPONSES, APIError
from server.protocol import Request
from server.state.blobs import DiskFull, Staged
from server.state.files import FileStore
from server.uploads import disk_full


class ToolList(msgspec.Struct, kw_only=True):
    object: str = "list"
    data: list[dict[str, Any]]


class InvokeRequest(Request):
    # A JSON object, or its text as a model would write it.
    arguments: dict[str, Any] | str = {}


class ProducedFile(msgspec.Struct, kw_only=True):
    path: str  # relative to the work folder
    file_id: str
    bytes: int


class InvokeResult(msgspec.Struct, kw_only=True):
    object: str = "tool.invocation"
    name: str
    output: str
    is_error: bool
    duration_s: float
    files: list[ProducedFile]


@functools.cache
def builtin_specs() -> tuple[dict[str, Any], ...]:
    # The specs depend only on the tools' signatures, not on a work folder: built once.
    return tuple(WorkspaceTools(None).toolbox().specs())  # type: ignore[arg-type]


@get("/v1/tools", summary="List the built-in tools", responses=ERROR_RESPONSES)
async def list_tools() -> ToolList:
    return ToolList(data=list(builtin_specs()))


@post("/v1/tools/{name:str}/invoke", status_code=200, summary="Invoke a built-in tool",
      responses=ERROR_RESPONSES)
async def invoke_tool(name: str, data: InvokeRequest, files: FileStore) -> InvokeResult:
    if name not in {spec["function"]["name"] for spec in builtin_specs()}:
        raise APIError(f"No such tool: {name}", status_code=404, param="name",
                       code="tool_not_found")
    config = SandboxConfig.from_env()
    # One-shot: a stateless HTTP call gets a fresh work folder and a process per snippet.
    workspace = await anyio.to_thread.run_sync(Workspace, config)
    tools = WorkspaceTools(workspace, config, stateful=False)
    try:
        start = time.monotonic()
        observation = await tools.toolbox().invoke(name, data.arguments)
        duration = time.monotonic() - start
        produced, unstored = await _store_all(files, workspace, observation.files, config)
    finally:
        await tools.aclose()
        await anyio.to_thread.run_sync(workspace.close)
    output = "\n".join([observation.content, *unstored]) if unstored else observation.content
    return InvokeResult(name=name, output=output, is_error=observation.is_error,
                        duration_s=round(duration, 4), files=produced)


async def _store_all(files: FileStore, workspace: Workspace, paths: list[str],
                     config: SandboxConfig) -> tuple[list[ProducedFile], list[str]]:
    """Stores produced files while the config's caps (count, total bytes) allow, whole or not
    at all: (stored, a line for each file not stored, saying why), so nothing is dropped unsaid."""
    kept: list[tuple[str, bytes]] = []
    unstored: list[str] = []
    left = config.produced_bytes
    for index, path in enumerate(paths):
        if len(kept) >= config.produced_files:
            unstored.append(f"[not stored: {len(paths) - index} more files, past the cap of "
                            f"{config.produced_files} files a call]")
            break
        try:
            content, size = await anyio.to_thread.run_sync(workspace.read_bytes, path, left)
        except (WorkspaceError, OSError):
            unstored.append(f"[not stored: {path}: gone, or not a regular file]")
            continue
        if size > len(content):
            unstored.append(f"[not stored: {path} ({size} bytes): past the cap of "
                            f"{config.produced_bytes} bytes of files a call]")
            continue
        kept.append((path, content))
        left -= len(content)
    return await _store(files, kept), unstored


async def _store(files: FileStore, kept: list[tuple[str, bytes]]) -> list[ProducedFile]:
    """One transaction for all of a call's files: a failure (a full disk) stores none."""
    if not kept:
        return []
    staged: list[tuple[Staged, str, str]] = []
    try:
        for path, content in kept:
            blob = await files.blobs.stage(_once(content), len(content))
            staged.append((blob, path.rsplit("/", 1)[-1], "user_data"))
        rows = await files.create_many(staged)
    except BaseException as exc:
        for blob, _name, _purpose in staged:
            blob.path.unlink(missing_ok=True)
        if isinstance(exc, DiskFull):
            raise disk_full() from None
        raise
    return [ProducedFile(path=path, file_id=row.id, bytes=row.bytes)
            for (path, _content), row in zip(kept, rows, strict=True)]


async def _once(content: bytes) -> AsyncIterator[bytes]:
    yield content
