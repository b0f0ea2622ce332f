"""`GET /v1/tools` (the built-in tools' JSON Schemas, in Chat Completions' `tools` shape) and
`POST /v1/tools/{name}/invoke` (arguments -> output, is_error, duration, files). Each invocation
gets a fresh sandbox work folder; files the tool produces there are stored as Files (purpose
`user_data`) and returned by id."""

from __future__ import annotations

import functools
import time
from typing import Any

import anyio
import msgspec
from litestar import get, post

from agents.sandbox import SandboxConfig, Workspace, WorkspaceError
from agents.tools import WorkspaceTools
from server.errors import ERROR_RESPONSES, APIError
from server.protocol import Request
from server.state.files import FileStore

MAX_RETURNED_FILE_BYTES = 64 << 20


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
        produced = [await _store(files, workspace, path) for path in observation.files]
    finally:
        await tools.aclose()
        await anyio.to_thread.run_sync(workspace.close)
    return InvokeResult(name=name, output=observation.content, is_error=observation.is_error,
                        duration_s=round(duration, 4),
                        files=[p for p in produced if p is not None])


async def _store(files: FileStore, workspace: Workspace, path: str) -> ProducedFile | None:
    try:
        content, size = await anyio.to_thread.run_sync(
            workspace.read_bytes, path, MAX_RETURNED_FILE_BYTES)
    except (WorkspaceError, OSError):
        return None  # gone, or not a regular file: nothing to return
    if size > len(content):
        return None

    async def one():
        yield content

    row = await files.create_from_stream(one(), filename=path.rsplit("/", 1)[-1],
                                         purpose="user_data", max_bytes=MAX_RETURNED_FILE_BYTES)
    return ProducedFile(path=path, file_id=row.id, bytes=row.bytes)
