"""Runs a tool's computation in a child process under a CPU-time and address-space budget, killed
at its wall clock: no input can hold the server's event loop or its GIL (a thread cannot be
stopped, and big-integer work holds the GIL). The child runs a stdlib-only script: JSON in, out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from agents.sandbox.config import SandboxLimits
from agents.sandbox.oneshot import read_capped


class ToolError(RuntimeError):
    """The computation failed, or ran past its budget; the message is for the model."""


# The child limits itself before it reads a byte of input: -I -S, so it imports nothing but the
# standard library, and no file may be written (RLIMIT_FSIZE 0).
_BOOT = """\
import resource, runpy, sys
cpu, memory = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
sys.argv = sys.argv[3:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _why(returncode: int, budget: SandboxLimits, stderr: str) -> str:
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return f"stopped: it used its CPU budget ({budget.cpu_seconds} s)"
    if "MemoryError" in stderr:
        return f"stopped: it needed more than its memory budget ({budget.memory_bytes >> 20} MiB)"
    if returncode < 0:
        return f"stopped by {signal.Signals(-returncode).name}"
    return f"the computation failed (exit {returncode})"


async def run_script(script: Path, arguments: dict[str, Any], budget: SandboxLimits) -> Any:
    """`script` reads a JSON object on stdin and writes {"value": ...} or {"error": "..."}:
    the value, or ToolError with the error or the budget it ran past. Of the sandbox's limits
    the child takes cpu_seconds (RLIMIT_CPU: SIGXCPU, then SIGKILL a second later), memory_bytes
    (RLIMIT_AS), wall_seconds and output_bytes (more on stdout is a failure)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-I", "-S", "-c", _BOOT, str(budget.cpu_seconds),
        str(budget.memory_bytes), str(script), stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=True,
        env={"PATH": os.defpath, "LANG": "C.UTF-8"})
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        proc.stdin.write(json.dumps(arguments).encode())
        proc.stdin.close()
        (out, cut), (err, _), _ = await asyncio.wait_for(asyncio.gather(
            read_capped(proc.stdout, budget.output_bytes),
            read_capped(proc.stderr, 64 << 10), proc.wait()), budget.wall_seconds)
    except TimeoutError:
        raise ToolError(f"stopped: it ran past its time budget ({budget.wall_seconds:g} s)") from None
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
    if proc.returncode != 0:
        raise ToolError(_why(proc.returncode, budget, err))
    if cut:
        raise ToolError(f"stopped: its result is larger than {budget.output_bytes} bytes")
    try:
        reply = json.loads(out)
    except ValueError:
        raise ToolError("the computation gave no result") from None
    if "error" in reply:
        raise ToolError(str(reply["error"]))
    return reply["value"]
