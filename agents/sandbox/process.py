"""Spawns the sandbox and proves it is up: the launcher writes "ok" on a pipe only after the
seccomp filter is loaded, so a missing "ok" means the code never ran, and nothing runs unsandboxed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

from agents.sandbox.command import SandboxCommand, sandbox_command
from agents.sandbox.config import SandboxConfig, SandboxLimits
from agents.sandbox.records import SandboxUnavailable
from agents.sandbox.uids import children_of, pid_namespace, processes_in
from agents.sandbox.workspace import Workspace

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


def _memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _argv(command: SandboxCommand, fds: list[int]) -> list[str]:
    """bwrap --args FD -- command: the options (and the files written inside) through memfds,
    opened here and appended to `fds` for the caller to pass and close."""
    options = list(command.options)
    for dest, data in command.files.items():
        fds.append(_memfd("sandbox-file", data))
        options += ["--perms", "0644", "--ro-bind-data", str(fds[-1]), dest]
    fds.append(_memfd("sandbox-args", b"".join(o.encode() + b"\0" for o in options)))
    return [command.bwrap, "--args", str(fds[-1]), "--", *command.command]


async def spawn(config: SandboxConfig, limits: SandboxLimits, *, workspace: Workspace,
                rundir: Path, tmpdir: Path, rundir_writable: bool, program: list[str],
                stdin: int | None = asyncio.subprocess.DEVNULL,
                stdout: int | None = asyncio.subprocess.PIPE,
                stderr: int | None = asyncio.subprocess.PIPE) -> Sandboxed:
    """Starts the sandbox with `workspace`'s uid and work folder, `rundir` at /sandbox/run and
    `tmpdir` (a folder of the workspace's tmpfs) at /tmp."""
    if not workspace.bounded:
        raise SandboxUnavailable("the workspace's tmpfs could not be mounted (the server needs "
                                 "CAP_SYS_ADMIN): code does not run without a size on its disk")
    read_fd, write_fd = os.pipe()
    fds = [write_fd]
    try:
        argv = _argv(sandbox_command(
            config, limits, uid=workspace.uid, workdir=workspace.folder, rundir=rundir,
            tmpdir=tmpdir, rundir_writable=rundir_writable, ready_fd=write_fd,
            program=program, view=workspace.view), fds)
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=stdin, stdout=stdout, stderr=stderr, pass_fds=fds,
            start_new_session=True)
    except OSError as exc:
        os.close(read_fd)
        raise SandboxUnavailable(f"cannot start bwrap: {exc.strerror or exc}") from exc
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        for fd in fds:
            os.close(fd)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                                os.fdopen(read_fd, "rb"))
    return Sandboxed(proc, reader, transport)
