"""Sandbox overhead: one-shot start-up and a session's per-cell cost, median of N runs, against
peers measured in the same run: plain `subprocess` python (no sandbox, the floor) and an
unsandboxed jupyter_client kernel (what Lagent's IPythonInterpreter uses). Prints a markdown table.
Run: .venv/bin/python bench/sandbox.py [--runs 50]"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.sandbox import SandboxConfig, SandboxSession, Workspace, run_code  # noqa: E402

SNIPPET = "print(1)"


async def median_ms(fn: Callable[[], Awaitable[object]], runs: int) -> float:
    await fn()  # warm-up: first-use probes and page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


async def plain_subprocess(python: str) -> None:
    proc = await asyncio.create_subprocess_exec(python, "-I", "-B", "-u", "-c", SNIPPET,
                                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, _ = await proc.communicate()
    assert out == b"1\n"


async def sandboxed(config: SandboxConfig, workspace: Workspace) -> None:
    result = await run_code(SNIPPET, config=config, workspace=workspace)
    assert result.stdout == "1\n", result


async def session_rows(runs: int) -> list[tuple[str, float, float]]:
    """(name, start-up ms (median of 5), per-cell ms)."""
    from jupyter_client.manager import AsyncKernelManager

    rows = []
    starts, cell = [], 0.0
    for i in range(5):
        begin = time.perf_counter()
        session = SandboxSession()
        await session.start()
        starts.append(time.perf_counter() - begin)
        if i == 0:
            cell = await median_ms(lambda s=session: s.execute("pass"), runs)
        await session.close()
    rows.append(("hanlin sandboxed ipykernel (ipc)", 1000 * statistics.median(starts), cell))

    starts = []
    for i in range(5):
        begin = time.perf_counter()
        manager = AsyncKernelManager(kernel_name="python3")
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        starts.append(time.perf_counter() - begin)
        if i == 0:
            cell = await median_ms(lambda c=client: c.execute_interactive("pass", timeout=30), runs)
        client.stop_channels()
        await manager.shutdown_kernel(now=True)
    rows.append(("jupyter_client kernel, unsandboxed (tcp)", 1000 * statistics.median(starts), cell))
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    venv = SandboxConfig()
    system = SandboxConfig(python="/usr/bin/python3")
    print(f"one-shot `{SNIPPET}`, median of {args.runs} runs, wall clock\n")
    print("| one-shot | python | ms | over the floor |\n|---|---|---:|---:|")
    with Workspace(venv) as workspace:
        for python, config in ((sys.executable, venv), ("/usr/bin/python3", system)):
            floor = await median_ms(lambda p=python: plain_subprocess(p), args.runs)
            ours = await median_ms(lambda c=config: sandboxed(c, workspace), args.runs)
            label = "venv" if python == sys.executable else "system"
            print(f"| plain subprocess (no sandbox) | {label} | {floor:.1f} | 1.00x |")
            print(f"| hanlin sandbox (bwrap + prlimit + setpriv + seccomp) | {label} | "
                  f"{ours:.1f} | {ours / floor:.2f}x (+{ours - floor:.1f} ms) |")
    print(f"\nsession: start-up (median of 5) and a `pass` cell (median of {args.runs})\n")
    print("| session | start-up ms | per-cell ms |\n|---|---:|---:|")
    for name, start, cell in await session_rows(args.runs):
        print(f"| {name} | {start:.0f} | {cell:.2f} |")


if __name__ == "__main__":
    asyncio.run(main())
