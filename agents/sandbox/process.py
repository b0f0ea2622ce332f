"""Spawns the sandbox and proves it is up: the launcher writes "ok" on a pipe only after the
seccomp filter is loaded, so a missing "ok" means the code never ran, and nothing runs unsandboxed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

from agents.sandbox.command import sandbox_argv
from agents.sandbox.config import SandboxConfig, SandboxLimits
from agents.sandbox.records import SandboxUnavailable
from agents.sandbox.uids import children_of, pid_namespace, processes_in

REAP_POLLS = 500  # 5 s


class Sandboxed:
    """A spawned sandbox: the bwrap process (leader of its own process group) and the ready pipe."""

    def __init__(self, proc: asyncio.subprocess.Process, ready: asyncio.StreamReader,
                 transport: asyncio.BaseTransport) -> None:
        self.proc, self._ready, self._transport = proc, ready, transport
        self.namespace: str | None = None  # the sandbox's pid namespace, once it is up

    async def ready(self) -> bool:
        """True once the launcher is about to exec the program; False if it died before."""
        try:
            ok = await self._ready.readexactly(2) == b"ok"
        except asyncio.IncompleteReadError:
            return False
        # bwrap's child is the namespace's init; its namespace names every process to reap.
        for child in children_of(self.proc.pid):
            self.namespace = self.namespace or pid_namespace(child)
        return ok

    def kill(self) -> None:
        """SIGKILL the outer bwrap's group; --die-with-parent then kills the namespace's init,
        and the kernel kills every process left in a pid namespace whose init dies."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    async def kill_and_reap(self) -> None:
        """kill(), then wait until no process of the namespace is left (the kernel's teardown
        is asynchronous); stragglers are killed by pid."""
        self.kill()
        await self.proc.wait()
        for _ in range(REAP_POLLS):
            left = processes_in(self.namespace) if self.namespace else []
            if not left:
                return
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            await asyncio.sleep(0.01)

    def close(self) -> None:
        self._transport.close()


async def spawn(config: SandboxConfig, limits: SandboxLimits, *, uid: int, workdir: Path,
                rundir: Path, rundir_writable: bool, program: list[str],
                stdin: int | None = asyncio.subprocess.DEVNULL,
                stdout: int | None = asyncio.subprocess.PIPE,
                stderr: int | None = asyncio.subprocess.PIPE) -> Sandboxed:
    read_fd, write_fd = os.pipe()
    try:
        argv = sandbox_argv(config, limits, uid=uid, workdir=workdir, rundir=rundir,
                            rundir_writable=rundir_writable, ready_fd=write_fd, program=program)
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=stdin, stdout=stdout, stderr=stderr, pass_fds=(write_fd,),
            start_new_session=True)
    except OSError as exc:
        os.close(read_fd)
        raise SandboxUnavailable(f"cannot start bwrap: {exc}") from exc
    finally:
        os.close(write_fd)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                                os.fdopen(read_fd, "rb"))
    return Sandboxed(proc, reader, transport)
