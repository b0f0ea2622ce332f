"""F5 and W10 (sandbox): every place sandboxed code can write is the workspace's sized tmpfs (work
folder, /tmp, a kernel's run folder), so filling it fails inside with ENOSPC and holds no more
host memory than its size; and nothing inside names a host path: not bwrap's arguments, not the
checkout, the venv, the server's home or the sandbox's root."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import msgspec
import pytest

from agents.sandbox import SandboxConfig, SandboxLimits, SandboxSession, Workspace, run_code
from agents.tools import WorkspaceTools
from tests.agents.conftest import sandbox_config  # noqa: F401  (the fixture)
from tests.security.conftest import Secured

REPO = str(Path(__file__).resolve().parents[2])
SIZE = 24 << 20
FILES = 512


@pytest.fixture
def small(sandbox_config: SandboxConfig) -> SandboxConfig:  # noqa: F811
    """A small workspace, and per-file and memory limits above it, so only the size stops."""
    return msgspec.structs.replace(
        sandbox_config, workspace_bytes=SIZE, workspace_files=FILES,
        limits=SandboxLimits(cpu_seconds=10, memory_bytes=512 << 20, file_size_bytes=64 << 20,
                             processes=32, open_files=64, wall_seconds=30.0),
        session_limits=SandboxLimits(cpu_seconds=60, memory_bytes=1 << 30,
                                     file_size_bytes=64 << 20, wall_seconds=30.0))


# Tries to create a file at every mount point and a few usual places: which are writable, and
# what filesystem (and size) holds each.
PROBE = """
import json, os
points = [line.split()[4] for line in open('/proc/self/mountinfo')]
found = {}
for place in sorted(set(points) | {'/', '/dev/shm', '/opt', '/opt/venv', '/sandbox', '/etc',
                                    '/var/tmp', '/run', '/home'}):
    try:
        with open(os.path.join(place, '.probe'), 'w') as f:
            f.write('x')
        os.unlink(os.path.join(place, '.probe'))
    except OSError:
        continue
    best = max((l.split() for l in open('/proc/self/mountinfo')
                if place == l.split()[4] or place.startswith(l.split()[4].rstrip('/') + '/')),
               key=lambda f: len(f[4]))
    found[place] = best[best.index('-') + 1:]
print(json.dumps(found))
"""


def _sized(found: dict[str, list[str]]) -> None:
    for place, (fstype, _source, options) in found.items():
        assert fstype == "tmpfs" and f"size={SIZE >> 10}k" in options.split(","), (place, options)


async def test_every_writable_place_is_the_sized_tmpfs(small: SandboxConfig) -> None:
    result = await run_code(PROBE, config=small)
    found = json.loads(result.stdout)
    assert set(found) == {"/tmp", "/workspace"}, found
    _sized(found)
    async with SandboxSession(config=small) as session:
        cell = await session.execute(PROBE)
    found = json.loads(cell.stdout)
    assert set(found) == {"/tmp", "/workspace", "/sandbox/run"}, found  # the kernel's sockets
    _sized(found)


FILL = """
import errno, os
written = 0
try:
    for i in range(64):  # 64 MiB: well past the workspace's 24
        with open(os.path.join({place!r}, f'fill-{{i}}'), 'wb') as f:
            for _ in range(16):
                f.write(b'x' * (64 << 10))
                f.flush()
                written += 64 << 10
    print('wrote everything', written)
except OSError as exc:
    print(errno.errorcode[exc.errno], written)
"""

MANY = """
import errno, os
made = 0
try:
    for i in range(100000):
        open(os.path.join({place!r}, f'empty-{{i}}'), 'w').close()
        made += 1
    print('made everything', made)
except OSError as exc:
    print(errno.errorcode[exc.errno], made)
"""


@pytest.mark.parametrize("place", ["/tmp", "/workspace"])
async def test_filling_a_writable_place_fails_at_the_size(small: SandboxConfig, place: str) -> None:
    with Workspace(small) as workspace:
        result = await run_code(FILL.format(place=place), config=small, workspace=workspace)
        why, written = result.stdout.split()
        assert why == "ENOSPC" and int(written) <= SIZE, result
        # The host's side of it: one tmpfs of the configured size, full, nothing beyond.
        stat = os.statvfs(workspace.scratch)
        assert stat.f_blocks * stat.f_frsize == SIZE
        result = await run_code(MANY.format(place=place), config=small, workspace=workspace)
        assert result.stdout.split()[0] == "ENOSPC", result  # full of bytes, or of inodes


async def test_many_empty_files_stop_at_the_inode_count(small: SandboxConfig) -> None:
    for place in ("/tmp", "/workspace"):
        result = await run_code(MANY.format(place=place), config=small)
        why, made = result.stdout.split()
        assert why == "ENOSPC" and int(made) < FILES, result


async def test_a_kernel_filling_its_run_folder_or_tmp_fails_at_the_size(small: SandboxConfig) -> None:
    async with SandboxSession(config=small) as session:
        for place in ("/sandbox/run", "/tmp"):
            cell = await session.execute(FILL.format(place=place))
            why, written = cell.stdout.split()
            assert why == "ENOSPC" and int(written) <= SIZE, cell
            await session.execute(f"import glob, os\nfor p in glob.glob('{place}/fill-*'): os.unlink(p)")


async def test_host_side_write_file_stops_at_the_size(small: SandboxConfig) -> None:
    """The write_file tool writes on the host (as root), into the same tmpfs: past its size
    it is an error observation, and the host holds no more than the size."""
    with Workspace(small) as workspace:
        box = WorkspaceTools(workspace, small, stateful=False).toolbox()
        for path, size in [("big.txt", SIZE + 1), ("a/b/c.txt", 2 * SIZE)]:
            wrote = await box.invoke("write_file", {"path": path, "content": "x" * size})
            assert wrote.is_error and "No space left" in wrote.content, wrote
            assert str(workspace.scratch) not in wrote.content
        used = os.statvfs(workspace.scratch)
        assert (used.f_blocks - used.f_bfree) * used.f_frsize <= SIZE


# A tree deeper than Python's recursion limit and than PATH_MAX, in every writable place: the
# host walks it (produced files) and removes it (run folders, the workspace) without recursing.
DEEP = """
import os
for place in ('/workspace/deep', '/tmp/deep'):
    os.mkdir(place)
    os.chdir(place)
    for i in range(1500):  # 1500 levels of 4 characters: past 1000 frames and 4096 bytes
        os.mkdir('dir')
        os.chdir('dir')
        if i in (2, 1499):
            open('f.txt', 'w').write(str(i))
os.chdir('/workspace')
open('top.txt', 'w').write('top')
print('built')
"""


@pytest.mark.parametrize("stateful", [False, True], ids=["one-shot", "session"])
async def test_a_tree_deeper_than_recursion_and_path_max(small: SandboxConfig,
                                                         stateful: bool) -> None:
    roomy = msgspec.structs.replace(small, workspace_files=4096)
    workspace = Workspace(roomy)
    tools = WorkspaceTools(workspace, roomy, stateful=stateful)
    try:
        observation = await tools.toolbox().invoke("code_interpreter", {"code": DEEP})
    finally:
        await tools.aclose()
        workspace.close()
    assert not observation.is_error and observation.content.startswith("built"), observation
    assert observation.files == ["deep/dir/dir/dir/f.txt", "top.txt"]
    assert "[files in 1 folders nested deeper than 32 levels were not looked at]" in \
        observation.content
    assert not workspace.scratch.exists()


def test_closing_a_workspace_unmounts_its_tmpfs(small: SandboxConfig) -> None:
    workspace = Workspace(small)
    scratch = workspace.scratch
    assert workspace.bounded and os.path.ismount(scratch)
    workspace.close()
    assert not os.path.ismount(scratch) and not scratch.exists()


# --- W10: no host path inside ---

LOOK = """
import json, os, sys
def read(path):
    try:
        return open(path, 'rb').read().decode(errors='replace').replace('\\0', ' ')
    except OSError as exc:
        return f'unreadable: {exc.strerror}'
print(json.dumps({
    'pid1_cmdline': read('/proc/1/cmdline'), 'self_cmdline': read('/proc/self/cmdline'),
    'pid1_environ': read('/proc/1/environ'), 'self_environ': read('/proc/self/environ'),
    'mountinfo': read('/proc/self/mountinfo'), 'environ': dict(os.environ),
    'path': sys.path, 'executable': sys.executable, 'prefix': sys.prefix,
    'base_prefix': sys.base_prefix, 'cwd': os.getcwd(), 'argv': sys.argv,
}))
"""


def _host_paths(config: SandboxConfig, workspace: Workspace | None = None) -> list[str]:
    paths = [REPO, sys.prefix, str(Path(sys.prefix).resolve()), config.root,
             str(Path(config.root).resolve())]
    return paths + ([str(workspace.scratch)] if workspace else [])


def _assert_hidden(seen: dict, hidden: list[str]) -> None:
    lines = seen["mountinfo"].splitlines()
    # The interpreter's trees come from overlay views named by file descriptor: a bind mount's
    # line would name the host folder it was taken from.
    interpreter = [line.split() for line in lines
                   if line.split()[4] in ("/opt/python", "/opt/venv/lib")]
    assert all(fields[3] == "/" and " overlay sandbox " in " ".join(fields)
               for fields in interpreter), interpreter
    assert len(interpreter) == 2 or seen["executable"].startswith("/usr/"), interpreter
    text = json.dumps(seen)
    for path in [*hidden, "/root/", "/home/"]:
        assert path not in text, (path, text)
    assert "--bind" not in seen["pid1_cmdline"] and "--args" in seen["pid1_cmdline"]
    assert seen["executable"].startswith(("/opt/venv/", "/usr/"))


async def test_no_host_path_inside_a_one_shot_run(sandbox_config: SandboxConfig) -> None:  # noqa: F811
    with Workspace(sandbox_config) as workspace:
        result = await run_code(LOOK, config=sandbox_config, workspace=workspace)
        _assert_hidden(json.loads(result.stdout), _host_paths(sandbox_config, workspace))


async def test_no_host_path_inside_a_session(sandbox_config: SandboxConfig) -> None:  # noqa: F811
    with Workspace(sandbox_config) as workspace:
        tools = WorkspaceTools(workspace, sandbox_config, stateful=True)
        try:
            observation = await tools.toolbox().invoke("code_interpreter", {"code": LOOK})
        finally:
            await tools.aclose()
        _assert_hidden(json.loads(observation.content), _host_paths(sandbox_config, workspace))


async def test_an_interpreter_at_a_neutral_path_leaves_mountinfo_clean(
        sandbox_config: SandboxConfig) -> None:  # noqa: F811
    system = msgspec.structs.replace(sandbox_config, python="/usr/bin/python3")
    with Workspace(system) as workspace:
        result = await run_code(LOOK, config=system, workspace=workspace)
        seen = json.loads(result.stdout)
        assert "/opt/" not in seen["mountinfo"]
        _assert_hidden(seen, _host_paths(system, workspace))


def test_no_server_path_reaches_the_code_interpreter(secured: Secured) -> None:
    import httpx

    reply = httpx.post(f"{secured.url}/v1/tools/code_interpreter/invoke",
                       headers=secured.headers("alice"), timeout=120,
                       json={"arguments": {"code": LOOK}})
    body = reply.json()
    assert reply.status_code == 200 and not body["is_error"], body
    seen = json.loads(body["output"].split("\n[files")[0])
    _assert_hidden(seen, [str(secured.home), str(secured.home.resolve()), REPO, sys.prefix])
