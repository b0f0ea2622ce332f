"""The built-in tools of a run, bound to its work folder: `code_interpreter` (Python in the
sandbox, a stateful session by default), `calculator` (a budgeted child process), and `read_file`
/ `write_file` (bounded I/O on a thread, inside the work folder and its sized tmpfs). None of
them computes on the event loop, and each has a CPU, memory and size bound."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from agents.records import Observation
from agents.sandbox import (
    CellResult,
    RunResult,
    SandboxConfig,
    SandboxLimits,
    SandboxSession,
    SandboxUnavailable,
    Workspace,
    run_code,
)
from agents.sandbox.workspace import MAX_DEPTH
from agents.tools import calculator as _calculator
from agents.tools.base import Tool, Toolbox, clip
from agents.tools.budget import ToolError, run_script

MAX_READ_BYTES = 256 << 10
CALCULATOR_SCRIPT = Path(_calculator.__file__)
# Ordinary expressions take ~30 ms (mostly the child's start); comb(3000000, 1500000) would take
# a minute of GIL-holding CPU in-process.
CALCULATOR_BUDGET = SandboxLimits(cpu_seconds=2, memory_bytes=256 << 20, wall_seconds=5.0,
                           output_bytes=256 << 10)


async def calculator(expression: Annotated[str, "an arithmetic expression, e.g. (3 + 4) ** 2 / sqrt(2)"]) -> Observation:
    """Evaluate an arithmetic expression exactly: + - * / // % **, parentheses, pi, e, and
    math functions (sqrt, log, exp, sin, cos, tan, factorial, comb, gcd, floor, ceil, ...)."""
    try:
        value = await run_script(CALCULATOR_SCRIPT, {"expression": expression}, CALCULATOR_BUDGET)
    except ToolError as exc:
        return Observation(content=f"CalculatorError: {exc}", is_error=True)
    return Observation(content=clip(str(value)))


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
    # The files' lines come after the clipped output: a long output never hides them.
    notes, files, produced = [], [f.path for f in result.files], result.produced
    if files:
        notes.append(f"[files written: {', '.join(files)}]")
    if produced.left_out:
        more = ", ..." if produced.left_out > len(produced.left_out_names) else ""
        notes.append(f"[{produced.left_out} more files written, not returned (past the cap of "
                     f"{len(files)} files a run): {', '.join(produced.left_out_names)}{more}]")
    if produced.too_deep:
        notes.append(f"[files in {produced.too_deep} folders nested deeper than {MAX_DEPTH} "
                     "levels were not looked at]")
    content = "\n".join([clip("\n".join(parts)), *notes]) if parts else "\n".join(notes)
    return Observation(content=content or "[no output]", is_error=failed, files=files)


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
