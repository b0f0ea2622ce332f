"""Session mode: an ipykernel inside the sandbox, spoken to over Unix sockets (Jupyter's `ipc`
transport, the only socket family the seccomp filter lets through). Variables persist across
cells; a cell past its timeout is interrupted and the session kept."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import re
import secrets
import time
from pathlib import Path
from typing import Any

from agents.sandbox.command import RUN_INSIDE
from agents.sandbox.config import SandboxConfig, SandboxLimits
from agents.sandbox.process import Sandboxed, spawn
from agents.sandbox.records import CellResult, SandboxUnavailable, signal_name
from agents.sandbox.tree import remove_tree
from agents.sandbox.workspace import Workspace, WorkspaceError

STARTUP_SECONDS = 60.0
INTERRUPT_GRACE_SECONDS = 3.0  # after the interrupt, how long a cell may take to stop
POLL_SECONDS = 0.25  # how often a waiting cell checks that the kernel is still alive
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class _Cell:
    """What the iopub channel said about one execute request."""

    def __init__(self) -> None:
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.result: str | None = None
        self.error: str | None = None
        self.display: list[str] = []
        self.idle = False

    def take(self, msg: dict[str, Any]) -> None:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            (self.stdout if content["name"] == "stdout" else self.stderr).append(content["text"])
        elif kind == "execute_result":
            self.result = content["data"].get("text/plain")
        elif kind == "display_data":
            self.display += [m for m in content["data"] if m != "text/plain"]
            if "text/plain" in content["data"]:
                self.stdout.append(content["data"]["text/plain"] + "\n")
        elif kind == "error":
            trace = _ANSI.sub("", "\n".join(content.get("traceback", [])))
            self.error = f"{content['ename']}: {content['evalue']}\n{trace}".strip()
        elif kind == "status" and content["execution_state"] == "idle":
            self.idle = True


class SandboxSession:
    """`async with SandboxSession() as s: await s.execute("x = 1")`. One cell at a time."""

    def __init__(self, *, config: SandboxConfig | None = None,
                 limits: SandboxLimits | None = None, workspace: Workspace | None = None):
        self.config = config or SandboxConfig()
        self.limits = limits or self.config.session_limits
        self._own_workspace = workspace is None
        self.workspace = workspace or Workspace(self.config)
        self._lock = asyncio.Lock()
        self._sandbox: Sandboxed | None = None
        self._client: Any = None
        self._rundir: Path | None = None

    async def __aenter__(self) -> SandboxSession:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        from jupyter_client.asynchronous import AsyncKernelClient

        try:
            self._rundir = rundir = self.workspace.run_folder("kernel-")
        except WorkspaceError as exc:
            raise SandboxUnavailable(str(exc)) from None
        uid = self.workspace.uid
        info = {"transport": "ipc", "ip": f"{RUN_INSIDE}/k", "shell_port": 1, "iopub_port": 2,
                "stdin_port": 3, "control_port": 4, "hb_port": 5, "key": secrets.token_hex(32),
                "signature_scheme": "hmac-sha256", "kernel_name": "python3"}
        try:
            (rundir / "connection.json").write_text(json.dumps(info))
            (rundir / "tmp").mkdir(mode=0o700)  # the sandbox's /tmp, in the workspace's tmpfs
        except OSError as exc:
            remove_tree(rundir)
            raise SandboxUnavailable(f"the workspace is full: {exc.strerror}") from None
        for path in (rundir, rundir / "connection.json", rundir / "tmp"):
            os.chown(path, uid, uid)  # the kernel makes its sockets here
        # The kernel's stdout and stderr: in the run folder, so the workspace's size bounds it.
        with open(rundir / "kernel.log", "wb") as log:
            self._sandbox = await spawn(
                self.config, self.limits, workspace=self.workspace, rundir=rundir,
                tmpdir=rundir / "tmp", rundir_writable=True, stdout=log.fileno(),
                stderr=log.fileno(),
                program=["-I", "-B", "-m", "ipykernel_launcher", "-f",
                         f"{RUN_INSIDE}/connection.json", "--HistoryManager.enabled=False"])
        if not await self._sandbox.ready():
            await self._stop_kernel()
            raise SandboxUnavailable(f"the sandbox did not start: {self._log()}")
        client = AsyncKernelClient()
        client.load_connection_info({**info, "ip": str(rundir / "k")})
        # No heartbeat: on a loaded host a beat late by a second reads as a dead kernel, and the
        # sandbox's process already says whether the kernel lives.
        client.start_channels(hb=False)
        self._client = client
        ready = asyncio.ensure_future(client.wait_for_ready(timeout=STARTUP_SECONDS))
        exited = asyncio.ensure_future(self._sandbox.proc.wait())
        try:
            await asyncio.wait({ready, exited}, timeout=STARTUP_SECONDS,
                               return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                raise RuntimeError("the kernel exited" if exited.done()
                                   else f"no reply in {STARTUP_SECONDS:g} s")
            ready.result()
        except (RuntimeError, TimeoutError) as exc:
            log = self._log()
            await self._stop_kernel()
            raise RuntimeError(f"the sandboxed kernel did not come up: {exc}; {log}") from exc
        finally:
            ready.cancel()
            exited.cancel()

    def _log(self) -> str:
        assert self._rundir is not None
        try:
            return (self._rundir / "kernel.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    async def interrupt(self) -> None:
        """Jupyter's interrupt_request on the control channel: ipykernel raises
        KeyboardInterrupt in the running cell, inside the sandbox, and keeps its state."""
        client = self._client
        client.control_channel.send(client.session.msg("interrupt_request", {}))

    async def execute(self, code: str, timeout: float | None = None) -> CellResult:
        async with self._lock:
            if self._sandbox is None or self._sandbox.proc.returncode is not None:
                await self.restart()
            before = await asyncio.to_thread(self.workspace.snapshot)
            start = time.monotonic()
            cell, timed_out, died = await self._run_cell(code, timeout or self.limits.wall_seconds)
            duration = time.monotonic() - start
            restarted = False
            if died is not None or (timed_out and not cell.idle):
                restarted = True
                cell.error = cell.error or (f"the kernel died ({died}); its state is lost"
                                            if died else "the interrupt did not stop the cell; "
                                            "the kernel was restarted and its state is lost")
                await self.restart()
            produced = await asyncio.to_thread(self.workspace.produced_since, before,
                                               self.config.produced_files,
                                               self.config.produced_bytes)
            return CellResult(stdout="".join(cell.stdout), stderr="".join(cell.stderr),
                              result=cell.result, error=cell.error, display=cell.display,
                              timed_out=timed_out, restarted=restarted, duration_s=duration,
                              produced=produced)

    async def _run_cell(self, code: str, timeout: float) -> tuple[_Cell, bool, str | None]:
        """(outputs, timed out, why the kernel died or None)."""
        client, proc = self._client, self._sandbox.proc
        msg_id = client.execute(code, allow_stdin=False, stop_on_error=False)
        cell, timed_out = _Cell(), False
        deadline = time.monotonic() + timeout
        while not cell.idle:
            if proc.returncode is not None:
                return cell, timed_out, signal_name(proc.returncode) or f"exit {proc.returncode}"
            left = deadline - time.monotonic()
            if left <= 0:
                if timed_out:
                    return cell, True, None  # the interrupt's grace is over
                timed_out = True
                await self.interrupt()
                deadline = time.monotonic() + INTERRUPT_GRACE_SECONDS
                continue
            try:
                msg = await client.get_iopub_msg(timeout=min(left, POLL_SECONDS))
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                cell.take(msg)
        await self._drain_reply(msg_id)
        return cell, timed_out, None

    async def _drain_reply(self, msg_id: str) -> None:
        """Consume the shell reply so the next cell does not read it as its own."""
        deadline = time.monotonic() + INTERRUPT_GRACE_SECONDS
        while time.monotonic() < deadline:
            try:
                reply = await self._client.get_shell_msg(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return

    async def restart(self) -> None:
        await self._stop_kernel()
        await self.start()

    async def _stop_kernel(self) -> None:
        if self._client is not None:
            self._client.stop_channels()
            self._client = None
        if self._sandbox is not None:
            await self._sandbox.kill_and_reap()
            self._sandbox.close()
            self._sandbox = None
        if self._rundir is not None:
            await asyncio.to_thread(remove_tree, self._rundir)  # the kernel may have nested it
            self._rundir = None

    async def close(self) -> None:
        await self._stop_kernel()
        if self._own_workspace:
            await asyncio.to_thread(self.workspace.close)
