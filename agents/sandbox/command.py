"""The sandbox's command line: bwrap (namespaces, a read-only /usr, the interpreter at neutral
paths, only the workspace's sized tmpfs writable) -> prlimit -> setpriv (the workspace's uid, no
capabilities, no_new_privs) -> the seccomp launcher -> the interpreter. bwrap's options, which
name host paths, travel through `--args FD`, so /proc/1/cmdline inside shows none of them; the
interpreter's trees are bound from the workspace's overlay views of them, so mountinfo does not
either."""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import msgspec

from agents.sandbox.config import SandboxConfig, SandboxLimits
from agents.sandbox.records import SandboxUnavailable
from agents.sandbox.workspace import INSIDE

LAUNCHER = Path(__file__).with_name("launcher.py")
RUN_INSIDE = "/sandbox/run"  # the run folder: the snippet, or the kernel's sockets
LAUNCHER_INSIDE = "/sandbox/launcher.py"
PYTHON_INSIDE = "/opt/python"  # the base interpreter's prefix when it is not under /usr
VENV_INSIDE = "/opt/venv"  # a virtualenv, rebuilt from its lib/ and a pyvenv.cfg of ours
ENV = {
    "PATH": "/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
    "MALLOC_ARENA_MAX": "2",  # glibc reserves 64 MiB of address space per arena: RLIMIT_AS
    "MPLBACKEND": "Agg", "IPYTHONDIR": "/tmp/.ipython", "JUPYTER_PLATFORM_DIRS": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
# Namespaces: mount, pid, net, ipc, uts (and cgroup where possible). No user namespace: we
# start as root, and setpriv then takes a real unprivileged uid the host's rlimits count.
NAMESPACES = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
              "--unshare-cgroup-try"]


class Interpreter(msgspec.Struct, frozen=True, kw_only=True):
    """Where the sandbox's python lives on the host, and what it needs bound inside."""

    base: str  # sys.base_prefix, resolved
    venv: str | None  # sys.prefix when it is a virtualenv
    executable: str  # the base interpreter's binary, resolved (under base)
    version: str  # "3.11"

    @property
    def base_inside(self) -> str:
        return self.base if _under_usr(self.base) else PYTHON_INSIDE

    def inside(self, host: str) -> str | None:
        """Where a host file under /usr or the base prefix appears inside; None if nowhere."""
        path = Path(host).resolve()
        if _under_usr(str(path)):
            return str(path)
        if path.is_relative_to(self.base):
            return str(PurePosixPath(self.base_inside, path.relative_to(self.base)))
        return None

    @property
    def python_inside(self) -> str:
        return f"{VENV_INSIDE}/bin/python" if self.venv else self.inside(self.executable) or ""


def _under_usr(path: str) -> bool:
    return path == "/usr" or path.startswith("/usr/")


@functools.cache
def interpreter(python: str) -> Interpreter:
    try:
        out = subprocess.run(
            [python, "-I", "-c", "import os, sys; print(sys.prefix, sys.base_prefix, "
             "os.path.realpath(getattr(sys, '_base_executable', sys.executable)), "
             "'%d.%d' % sys.version_info[:2], sep='\\n')"],
            capture_output=True, text=True, timeout=30, check=True).stdout
        prefix, base, executable, version = out.split("\n")[:4]
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise SandboxUnavailable(f"cannot run the sandbox's python {python}: {exc}") from exc
    base = str(Path(base).resolve())
    found = Interpreter(base=base, venv=str(Path(prefix).resolve()) if prefix != base else None,
                        executable=executable, version=version)
    if found.inside(executable) is None:
        raise SandboxUnavailable(f"the sandbox's python {python} is not under its prefix")
    return found


@functools.cache
def host_tool(name: str, inside: bool = True) -> str:
    """Absolute path of a helper; one run inside must live under /usr, the tree mounted there."""
    path = shutil.which(name)
    if path is None or (inside and not Path(path).resolve().is_relative_to("/usr")):
        raise SandboxUnavailable(f"{name} is missing (or not under /usr): install it")
    return str(Path(path).resolve()) if inside else path


def _launcher_python(config: SandboxConfig, python: Interpreter) -> str:
    """The launcher's interpreter, as seen inside: under /usr or the bound base prefix."""
    path = shutil.which(config.launcher_python)
    inside = python.inside(path) if path else None
    if inside is None:
        raise SandboxUnavailable(f"{config.launcher_python} is missing or not under /usr")
    return inside


def _dirs_for(dest: str, made: set[str]) -> list[str]:
    """bwrap makes missing parents mode 0700, unreadable to the sandbox's uid: make them 0755."""
    args = []
    for parent in reversed(PurePosixPath(dest).parents):
        key = str(parent)
        if key != "/" and key not in made:
            made.add(key)
            args += ["--perms", "0755", "--dir", key]
    return args


def prlimit_args(limits: SandboxLimits) -> list[str]:
    return [host_tool("prlimit"),
            # soft then hard: SIGXCPU at the limit, SIGKILL a second later if it is caught
            f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 1}",
            f"--as={limits.memory_bytes}", f"--fsize={limits.file_size_bytes}",
            f"--nproc={limits.processes}", f"--nofile={limits.open_files}", "--core=0", "--"]


def setpriv_args(uid: int) -> list[str]:
    return [host_tool("setpriv"), f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


class SandboxCommand(msgspec.Struct, frozen=True, kw_only=True):
    """bwrap's `options` go through a file descriptor (they name host paths); `files` are
    written inside from memory (`--ro-bind-data`); `command` is bwrap's visible argv tail."""

    bwrap: str
    options: list[str]
    files: dict[str, bytes]  # path inside -> content
    command: list[str]


def _python_mounts(python: Interpreter, view: Callable[[str], str],
                   made: set[str]) -> tuple[list[str], dict[str, bytes]]:
    """The interpreter at neutral paths: base prefix at /opt/python, a venv rebuilt at /opt/venv
    from its lib/ (site-packages) and a pyvenv.cfg naming the inside base, each bound from
    `view(host tree)`. Editable installs' hooks point at host checkouts the sandbox cannot see:
    they are masked."""
    args: list[str] = []
    if not _under_usr(python.base):
        args += [*_dirs_for(PYTHON_INSIDE, made), "--ro-bind", view(python.base), PYTHON_INSIDE]
    if python.venv is None:
        return args, {}
    args += [*_dirs_for(f"{VENV_INSIDE}/bin/x", made),
             "--symlink", python.inside(python.executable) or "", f"{VENV_INSIDE}/bin/python",
             "--ro-bind", view(f"{python.venv}/lib"), f"{VENV_INSIDE}/lib"]
    site = f"lib/python{python.version}/site-packages"
    for hook in sorted(Path(python.venv, site).glob("__editable__*")):
        args += ["--ro-bind", "/dev/null", f"{VENV_INSIDE}/{site}/{hook.name}"]
    config = (f"home = {python.base_inside}/bin\ninclude-system-site-packages = false\n"
              f"version = {python.version}\n")
    return args, {f"{VENV_INSIDE}/pyvenv.cfg": config.encode()}


def sandbox_command(config: SandboxConfig, limits: SandboxLimits, *, uid: int, workdir: Path,
                    rundir: Path, tmpdir: Path, rundir_writable: bool, ready_fd: int,
                    program: list[str], view: Callable[[str], str]) -> SandboxCommand:
    """What to spawn on the host; `program` runs inside as `config.python program...`, that
    interpreter seen at /opt/venv/bin/python (or under /opt/python, or /usr, where it lives);
    `view` maps a host tree of the interpreter to the host path to bind it from."""
    python = interpreter(config.python)
    made = {"/usr", "/tmp", "/proc", "/dev"}
    opts = [*NAMESPACES, "--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr"]
    for link in ("bin", "sbin", "lib", "lib64"):
        if Path("/", link).is_symlink():
            opts += ["--symlink", f"usr/{link}", f"/{link}"]
    # /tmp is a folder of the workspace's tmpfs, under its size and inode count: bwrap's own
    # --tmpfs takes host memory without bound, and its --size cannot bound the inodes.
    opts += [*_dirs_for("/etc/x", made), "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
             "--proc", "/proc", "--dev", "/dev", "--bind", str(tmpdir), "/tmp"]
    mounts, files = _python_mounts(python, view, made)
    opts += mounts
    files[LAUNCHER_INSIDE] = LAUNCHER.read_bytes()
    opts += [*_dirs_for(RUN_INSIDE, made),
             "--bind" if rundir_writable else "--ro-bind", str(rundir), RUN_INSIDE,
             "--bind", str(workdir), INSIDE, "--chdir", INSIDE, "--clearenv"]
    env = dict(ENV)
    if not _under_usr(python.base):
        env["LD_LIBRARY_PATH"] = f"{PYTHON_INSIDE}/lib"  # its RUNPATH names the host prefix
    for key, value in env.items():
        opts += ["--setenv", key, value]
    command = [*prlimit_args(limits), *setpriv_args(uid), _launcher_python(config, python),
               LAUNCHER_INSIDE, str(ready_fd), python.python_inside, *program]
    return SandboxCommand(bwrap=host_tool(config.bwrap, inside=False), options=opts,
                          files=files, command=command)
