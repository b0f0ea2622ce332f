"""One-shot mode: a fresh sandboxed process per snippet, killed with its whole tree at the wall
clock; returns stdout, stderr, the exit status and the files it produced."""

from __future__ import annotations

import asyncio
import os
import time

from agents.sandbox.command import RUN_INSIDE
from agents.sandbox.config import SandboxConfig, SandboxLimits
from agents.sandbox.process import spawn
from agents.sandbox.records import RunResult, SandboxUnavailable, signal_name
from agents.sandbox.tree import remove_tree
from agents.sandbox.workspace import Workspace, WorkspaceError

DRAIN_SECONDS = 5.0  # after the kill, how long the pipes may take to reach EOF


async def read_capped(stream: asyncio.StreamReader | None, cap: int) -> tuple[str, bool]:
    """Keeps the first `cap` bytes and keeps draining, so a chatty child never blocks."""
    kept, truncated = bytearray(), False
    while stream is not None and (chunk := await stream.read(65536)):
        room = cap - len(kept)
        truncated |= len(chunk) > room
        kept += chunk[:max(room, 0)]
    return kept.decode("utf-8", errors="replace"), truncated


async def run_code(code: str, *, config: SandboxConfig | None = None,
                   limits: SandboxLimits | None = None,
                   workspace: Workspace | None = None) -> RunResult:
    """Runs `code` as a script in a new sandbox. Without a workspace a temporary one is made
    and removed, and every file it produced comes back in `files`."""
    config = config or SandboxConfig()
    limits = limits or config.limits
    own = workspace is None
    workspace = workspace or await asyncio.to_thread(Workspace, config)
    try:
        rundir = workspace.run_folder("run-")
    except WorkspaceError as exc:
        if own:
            await asyncio.to_thread(workspace.close)
        raise SandboxUnavailable(str(exc)) from None
    try:
        rundir.chmod(0o755)
        tmpdir = rundir / "tmp"  # the sandbox's /tmp, in the workspace's tmpfs
        try:
            (rundir / "main.py").write_text(code, encoding="utf-8")
            tmpdir.mkdir(mode=0o700)
        except OSError as exc:
            raise SandboxUnavailable(f"the workspace is full: {exc.strerror}") from None
        os.chown(tmpdir, workspace.uid, workspace.uid)
        before = {} if own else await asyncio.to_thread(workspace.snapshot)
        start = time.monotonic()
        sandbox = await spawn(config, limits, workspace=workspace, rundir=rundir,
                              tmpdir=tmpdir, rundir_writable=False,
                              program=["-I", "-B", "-u", f"{RUN_INSIDE}/main.py"])
        ready_task = asyncio.create_task(sandbox.ready())  # notes the namespace while it lives
        try:
            streams = asyncio.gather(read_capped(sandbox.proc.stdout, limits.output_bytes),
                                     read_capped(sandbox.proc.stderr, limits.output_bytes))
            timed_out = False
            try:
                await asyncio.wait_for(sandbox.proc.wait(), limits.wall_seconds)
            except TimeoutError:
                timed_out = True
            duration = time.monotonic() - start
            ready = await ready_task
            await sandbox.kill_and_reap()  # also ends what the snippet left running
            (stdout, cut_out), (stderr, cut_err) = await asyncio.wait_for(streams, DRAIN_SECONDS)
        finally:
            ready_task.cancel()
            sandbox.kill()  # a no-op once it has exited; frees everything on cancellation
            sandbox.close()
        if not ready:
            raise SandboxUnavailable(f"the sandbox did not start: {stderr.strip()[-2000:]}")
        code_ = None if timed_out else sandbox.proc.returncode
        produced = await asyncio.to_thread(workspace.produced_since, before,
                                           config.produced_files, config.produced_bytes)
        return RunResult(stdout=stdout, stderr=stderr, exit_code=code_,
                         signal="SIGKILL" if timed_out else signal_name(code_ or 0),
                         timed_out=timed_out, duration_s=duration, truncated=cut_out or cut_err,
                         produced=produced)
    finally:
        await asyncio.to_thread(remove_tree, rundir)  # sandboxed code may have nested it deep
        if own:
            await asyncio.to_thread(workspace.close)
