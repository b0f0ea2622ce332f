"""One-shot sandbox: each escape or exhaustion attempt is refused, and the ordinary outputs
(stdout, stderr, exit code, produced files) come back."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import textwrap
from pathlib import Path

import msgspec
import pytest

from agents.sandbox import SandboxConfig, SandboxUnavailable, Workspace, run_code
from agents.sandbox.uids import UidLease, processes_of
from tests.agents.conftest import FAST


def dedent(code: str) -> str:
    return textwrap.dedent(code).strip() + "\n"


async def test_stdout_stderr_and_exit_code(sandbox_config: SandboxConfig) -> None:
    result = await run_code("import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)",
                            config=sandbox_config)
    assert (result.stdout, result.stderr, result.exit_code) == ("out\n", "err\n", 3)
    assert not result.timed_out and result.signal is None


async def test_produced_files_are_returned(sandbox_config: SandboxConfig) -> None:
    code = dedent("""
        import os
        os.makedirs("plots", exist_ok=True)
        open("plots/data.csv", "w").write("a,b\\n1,2\\n")
        open("notes.txt", "w").write("hello")
        os.symlink("/etc/passwd", "link")  # a symlink is never followed by the host
    """)
    result = await run_code(code, config=sandbox_config)
    assert result.exit_code == 0, result.stderr
    files = {f.path: f.data for f in result.files}
    assert files == {"notes.txt": b"hello", "plots/data.csv": b"a,b\n1,2\n"}


async def test_runs_unprivileged(sandbox_config: SandboxConfig) -> None:
    code = dedent("""
        import os
        status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
        print(os.getuid(), os.getgid(), status["CapEff"].strip(), status["CapBnd"].strip(), status["NoNewPrivs"].strip(), status["Seccomp"].strip())
        print(sorted(os.listdir("/proc")) == sorted(p for p in os.listdir("/proc") if not p.isdigit() or int(p) < 10))
    """)
    with Workspace(sandbox_config) as workspace:
        result = await run_code(code, config=sandbox_config, workspace=workspace)
        uid = workspace.uid
    first, second = result.stdout.splitlines()
    # the workspace's own uid, no capability at all, no_new_privs, a seccomp filter (mode 2)
    assert first.split() == [str(uid), str(uid), "0000000000000000", "0000000000000000", "1", "2"]
    assert second == "True"  # a pid namespace: only the sandbox's few processes are visible


async def test_cannot_read_shadow_or_host_home(sandbox_config: SandboxConfig) -> None:
    secret = Path.home() / f".hanlin-sandbox-test-{os.getpid()}"
    secret.write_text("host secret")
    try:
        code = dedent(f"""
            for path in ["/etc/shadow", {str(secret)!r}, "/etc/passwd"]:
                try:
                    print(path, open(path).read()[:20])
                except OSError as exc:
                    print(path, "refused", type(exc).__name__)
        """)
        result = await run_code(code, config=sandbox_config)
    finally:
        secret.unlink()
    assert result.exit_code == 0, result.stderr
    assert "host secret" not in result.stdout
    assert result.stdout.splitlines() == [
        "/etc/shadow refused FileNotFoundError",
        f"{secret} refused FileNotFoundError",
        "/etc/passwd refused FileNotFoundError"]


async def test_cannot_write_outside_work_folder(sandbox_config: SandboxConfig, tmp_path: Path) -> None:
    import sys
    targets = ["/usr/evil", "/etc/evil", "/evil", "/proc/evil", f"{sys.prefix}/evil",
               str(tmp_path / "evil")]
    code = dedent(f"""
        for path in {targets!r}:
            try:
                open(path, "w").write("x")
                print(path, "WRITTEN")
            except OSError as exc:
                print(path, "refused")
        open("/tmp/private", "w").write("only in the sandbox's own /tmp")
        open("/workspace/ok.txt", "w").write("fine")
    """)
    result = await run_code(code, config=sandbox_config)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [f"{t} refused" for t in targets]
    assert not any(Path(t).exists() for t in targets)
    assert not Path("/tmp/private").exists()
    assert [f.path for f in result.files] == ["ok.txt"]


async def test_tcp_to_host_listener_refused(sandbox_config: SandboxConfig) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    code = dedent(f"""
        import socket
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=2)
            print("CONNECTED")
        except OSError as exc:
            print("refused", exc.errno)
        try:
            socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            print("INET6")
        except OSError as exc:
            print("refused", exc.errno)
    """)
    try:
        result = await run_code(code, config=sandbox_config)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody came
    finally:
        listener.close()
    assert result.stdout.splitlines() == ["refused 13", "refused 13"]  # EACCES from seccomp


async def test_fork_bomb_contained_and_other_runs_unaffected(sandbox_config: SandboxConfig) -> None:
    bomb = dedent("""
        import os, time
        made = 0
        while True:
            try:
                pid = os.fork()
            except BlockingIOError:
                print("refused after", made, flush=True)
                break
            if pid == 0:
                while True:  # every child keeps forking too: a real bomb
                    try:
                        os.fork()
                    except OSError:
                        time.sleep(0.05)
            made += 1
        time.sleep(30)
    """)
    limits = msgspec.structs.replace(FAST, wall_seconds=3.0)
    with Workspace(sandbox_config) as bombed:
        bomb_run = asyncio.create_task(
            run_code(bomb, config=sandbox_config, limits=limits, workspace=bombed))
        await asyncio.sleep(1.0)
        # another workspace leases another uid: RLIMIT_NPROC does not count the bomb against it
        other = await run_code("import os\npid = os.fork()\nos._exit(0) if pid == 0 else print(os.waitpid(pid, 0)[1])",
                               config=sandbox_config)
        result = await bomb_run
        left = processes_of(bombed.uid)
    assert other.stdout == "0\n", other.stderr
    assert result.timed_out
    made = int(result.stdout.split()[-1])
    assert made < FAST.processes
    assert left == []


async def test_cpu_loop_killed(sandbox_config: SandboxConfig) -> None:
    result = await run_code("while True:\n    pass", config=sandbox_config)
    assert not result.timed_out  # the CPU limit ended it, long before the 10 s wall clock
    assert result.signal in ("SIGXCPU", "SIGKILL")
    assert result.duration_s < 5


async def test_memory_limit(sandbox_config: SandboxConfig) -> None:
    code = dedent("""
        try:
            block = bytearray(1 << 30)
            print("ALLOCATED", len(block))
        except MemoryError:
            print("refused")
    """)
    result = await run_code(code, config=sandbox_config)
    assert result.stdout == "refused\n", result.stderr


async def test_file_size_limit(sandbox_config: SandboxConfig) -> None:
    code = dedent("""
        import os
        chunk = b"x" * (1 << 20)
        try:
            with open("big.bin", "wb") as f:
                for _ in range(20):
                    f.write(chunk)
                    f.flush()
            print("WROTE 20 MiB")
        except OSError as exc:
            print("refused", exc.errno)
        print(os.path.getsize("big.bin"))
    """)
    result = await run_code(code, config=sandbox_config)
    assert result.stdout.splitlines() == ["refused 27", str(10 << 20)], result.stderr  # EFBIG


async def test_wall_clock_kills_the_whole_tree(sandbox_config: SandboxConfig) -> None:
    code = dedent("""
        import subprocess, time
        subprocess.Popen(["sleep", "60"])
        subprocess.Popen(["sh", "-c", "sleep 60 & sleep 60"], start_new_session=True)
        print("started", flush=True)
        time.sleep(60)
    """)
    limits = msgspec.structs.replace(FAST, wall_seconds=2.0)
    with Workspace(sandbox_config) as workspace:
        result = await run_code(code, config=sandbox_config, limits=limits, workspace=workspace)
        left = processes_of(workspace.uid)
    assert result.timed_out and result.exit_code is None
    assert result.stdout == "started\n"
    assert 2 <= result.duration_s < 5
    assert left == []


async def test_cannot_signal_or_trace_other_processes(sandbox_config: SandboxConfig) -> None:
    victim = subprocess.Popen(["sleep", "30"])
    try:
        code = dedent(f"""
            import ctypes, os, signal
            try:
                os.kill({victim.pid}, signal.SIGKILL)
                print("kill host pid: DONE")
            except OSError as exc:
                print("kill host pid:", type(exc).__name__)
            try:
                os.kill(1, signal.SIGKILL)
                print("kill init: DONE")
            except OSError as exc:
                print("kill init:", type(exc).__name__)
            libc = ctypes.CDLL(None, use_errno=True)
            for name, args in [("ptrace", (16, 1, 0, 0)), ("ptrace", (0, 0, 0, 0)), ("unshare", (0x10000000,)), ("mount", (b"none", b"/tmp", b"tmpfs", 0, None))]:
                rc = getattr(libc, name)(*args)
                print(name, rc, ctypes.get_errno())
        """)
        result = await run_code(code, config=sandbox_config)
        assert victim.poll() is None  # still running
    finally:
        victim.kill()
        victim.wait()
    assert result.stdout.splitlines() == [
        "kill host pid: ProcessLookupError",  # the pid namespace hides it
        "kill init: PermissionError",
        "ptrace -1 1", "ptrace -1 1", "unshare -1 1", "mount -1 1"], result.stderr  # EPERM


async def test_refuses_to_run_without_a_working_sandbox(sandbox_config: SandboxConfig,
                                                        tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    # `false` stands in for a bwrap whose namespaces the kernel refuses: it exits before the
    # launcher reports its filter, so the code must not run at all.
    broken = msgspec.structs.replace(sandbox_config, bwrap="false")
    with pytest.raises(SandboxUnavailable):
        await run_code(f"open({str(marker)!r}, 'w')", config=broken)
    assert not marker.exists()


async def test_refuses_when_the_seccomp_filter_cannot_load(sandbox_config: SandboxConfig) -> None:
    # The venv's python cannot import Debian's python3-seccomp: as the launcher it fails before
    # reporting "ok", and the snippet never runs.
    import sys
    broken = msgspec.structs.replace(sandbox_config, launcher_python=sys.executable)
    with pytest.raises(SandboxUnavailable, match="seccomp"):
        await run_code("print('ran')", config=broken)


def test_each_workspace_leases_its_own_uid(sandbox_config: SandboxConfig) -> None:
    with Workspace(sandbox_config) as a, Workspace(sandbox_config) as b:
        assert a.uid != b.uid
        assert a.folder.stat().st_uid == a.uid and oct(a.folder.stat().st_mode)[-3:] == "700"
        uid = a.uid
        with pytest.raises(RuntimeError):
            UidLease(sandbox_config.uid_locks, uid, 1)  # held: nobody else gets it
    UidLease(sandbox_config.uid_locks, uid, 1).release()  # released: leased again
