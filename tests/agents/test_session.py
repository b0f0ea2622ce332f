"""Session mode: an ipykernel inside the sandbox keeps state across cells, survives an
interrupted cell, returns produced files, and stays inside the same walls as one-shot runs."""

from __future__ import annotations

from agents.sandbox import SandboxConfig, SandboxSession, Workspace
from agents.sandbox.uids import processes_of


async def test_state_persists_and_interrupt_keeps_the_session(sandbox_config: SandboxConfig) -> None:
    with Workspace(sandbox_config) as workspace:
        async with SandboxSession(config=sandbox_config, workspace=workspace) as session:
            first = await session.execute("x = 41\nimport os\npid = os.getpid()")
            assert first.ok, first.error
            value = await session.execute("x + 1")
            assert value.result == "42"
            printed = await session.execute("import sys; print('out'); print('err', file=sys.stderr)")
            assert (printed.stdout, printed.stderr) == ("out\n", "err\n")

            stuck = await session.execute("while True:\n    x = x", timeout=1.0)
            assert stuck.timed_out and not stuck.restarted
            assert stuck.error.startswith("KeyboardInterrupt")

            after = await session.execute("print(x, os.getpid() == pid)")
            assert after.stdout == "41 True\n"  # same kernel, same variables

            failing = await session.execute("1 / 0")
            assert failing.error.startswith("ZeroDivisionError") and not failing.timed_out
            assert (await session.execute("x")).result == "41"
        assert processes_of(workspace.uid) == []  # closing leaves nothing behind


async def test_session_files_and_walls(sandbox_config: SandboxConfig) -> None:
    async with SandboxSession(config=sandbox_config) as session:
        wrote = await session.execute("open('table.csv', 'w').write('a,b\\n')")
        assert [(f.path, f.data) for f in wrote.files] == [("table.csv", b"a,b\n")]
        unchanged = await session.execute("y = 1")
        assert unchanged.files == []  # only files new or changed by this cell
        walls = await session.execute(
            "import socket, os\n"
            "try:\n    socket.create_connection(('127.0.0.1', 1))\nexcept OSError as e:\n    print(e.errno)\n"
            "print(os.path.exists('/etc/shadow'), os.getuid() != 0)")
        assert walls.stdout == "13\nFalse True\n", walls.error


async def test_a_kernel_killed_by_a_limit_is_restarted(sandbox_config: SandboxConfig) -> None:
    async with SandboxSession(config=sandbox_config) as session:
        await session.execute("x = 1")
        # SIGKILL from inside: the kernel dies mid-cell; the session reports it and restarts
        died = await session.execute("import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
        assert died.restarted and "died" in died.error
        fresh = await session.execute("print('x' in globals())")
        assert fresh.stdout == "False\n"
