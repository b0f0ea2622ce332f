"""The built-in tools of a run, bound to its work folder: `code_interpreter` (Python in the
sandbox, a stateful session by default), `calculator`, and `read_file` / `write_file`, which
cannot reach outside the work folder."""

from __future__ import annotations

from typing import Annotated

from agents.records import Observation
from agents.sandbox import (
    CellResult,
    RunResult,
    SandboxConfig,
    SandboxSession,
    SandboxUnavailable,
    Workspace,
    run_code,
)
from agents.tools.base import Tool, Toolbox, clip
from agents.tools.calculator import evaluate

MAX_READ_BYTES = 256 << 10


def calculator(expression: Annotated[str, "an arithmetic expression, e.g. (3 + 4) ** 2 / sqrt(2)"]) -> str:
    """Evaluate an arithmetic expression exactly: + - * / // % **, parentheses, pi, e, and
    math functions (sqrt, log, exp, sin, cos, tan, factorial, comb, gcd, floor, ceil, ...)."""
    return repr(evaluate(expression))


def _code_observation(result: RunResult | CellResult) -> Observation:
    parts = []
    if result.stdout:
        parts.append(result.stdout.rstrip("\n"))
    if result.stderr:
        parts.append(f"[stderr]\n{result.stderr.rstrip()}")
    if isinstance(result, CellResult):
        if result.result is not None:
            parts.append(result.result)
        if result.error:
            parts.append(result.error)
        failed = not result.ok
    else:
        failed = not result.ok
        if result.exit_code not in (0, None):
            parts.append(f"[exit code {result.exit_code}{f', {result.signal}' if result.signal else ''}]")
    if result.timed_out:
        parts.append("[timed out: the run was stopped]")
    files = [f.path for f in result.files]
    if files:
        parts.append(f"[files written: {', '.join(files)}]")
    return Observation(content=clip("\n".join(parts) or "[no output]"), is_error=failed, files=files)


class WorkspaceTools:
    """The built-in tools over one workspace; `aclose()` stops the interpreter's kernel."""

    def __init__(self, workspace: Workspace, config: SandboxConfig | None = None,
                 *, stateful: bool = True) -> None:
        self.workspace, self.config, self.stateful = workspace, config or SandboxConfig(), stateful
        self._session: SandboxSession | None = None

    async def code_interpreter(self, code: Annotated[str, "Python source to run"]) -> Observation:
        """Run Python code in a sandboxed interpreter whose working directory is the work folder.
        Variables persist between calls. Print what you need to see; there is no network."""
        try:
            if not self.stateful:
                return _code_observation(await run_code(code, config=self.config,
                                                        workspace=self.workspace))
            if self._session is None:
                session = SandboxSession(config=self.config, workspace=self.workspace)
                await session.start()
                self._session = session
            return _code_observation(await self._session.execute(code))
        except SandboxUnavailable as exc:
            return Observation(content=f"the code sandbox is unavailable: {exc}", is_error=True)

    def read_file(self, path: Annotated[str, "a path relative to the work folder"]) -> str:
        """Read a UTF-8 text file from the work folder."""
        data, size = self.workspace.read_bytes(path, MAX_READ_BYTES)
        text = data.decode("utf-8", errors="replace")
        return text if size <= MAX_READ_BYTES else f"{text}\n... [{size - len(data)} more bytes]"

    def write_file(self, path: Annotated[str, "a path relative to the work folder"],
                   content: Annotated[str, "the text to write"]) -> Observation:
        """Write a UTF-8 text file in the work folder, replacing it if it exists."""
        written = self.workspace.write_bytes(path, content.encode("utf-8"))
        rel = str(self.workspace.relative(path))
        return Observation(content=f"wrote {written} bytes to {rel}", files=[rel])

    def tools(self) -> list[Tool]:
        return [Tool(self.code_interpreter), Tool(calculator), Tool(self.read_file),
                Tool(self.write_file)]

    def toolbox(self) -> Toolbox:
        return Toolbox(self.tools())

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
