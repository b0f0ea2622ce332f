"""The sandbox's command line: bwrap (namespaces, a read-only /usr, a private /tmp, only the work
folder writable) -> prlimit -> setpriv (the workspace's uid, no capabilities, no_new_privs) ->
the seccomp launcher -> the interpreter. A pure function of its inputs, bar one cached probe."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path, PurePosixPath

from agents.sandbox.config import SandboxConfig, SandboxLimits
from agents.sandbox.records import SandboxUnavailable
from agents.sandbox.workspace import INSIDE

LAUNCHER = Path(__file__).with_name("launcher.py")
RUN_INSIDE = "/sandbox/run"  # the run folder: the snippet, or the kernel's sockets
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


@functools.cache
def python_prefixes(python: str) -> tuple[str, ...]:
    """Folders the interpreter needs outside /usr (a venv and the Python it was made from)."""
    try:
        out = subprocess.run(
            [python, "-I", "-c", "import sys; print(sys.prefix, sys.base_prefix, sep='\\n')"],
            capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise SandboxUnavailable(f"cannot run the sandbox's python {python}: {exc}") from exc
    found = {str(Path(p).resolve()) for p in out.split()}
    found.add(str(Path(python).resolve().parent.parent))
    return tuple(sorted(p for p in found if not p.startswith("/usr/") and p != "/usr"))


@functools.cache
def host_tool(name: str, inside: bool = True) -> str:
    """Absolute path of a helper; one run inside must live under /usr, the tree mounted there."""
    path = shutil.which(name)
    if path is None or (inside and not Path(path).resolve().is_relative_to("/usr")):
        raise SandboxUnavailable(f"{name} is missing (or not under /usr): install it")
    return str(Path(path).resolve()) if inside else path


def _launcher_python(config: SandboxConfig) -> str:
    """The launcher's interpreter must be visible inside: under /usr or a bound python prefix."""
    path = shutil.which(config.launcher_python)
    resolved = Path(path).resolve() if path else None
    if resolved is None or not any(resolved.is_relative_to(p)
                                   for p in ("/usr", *python_prefixes(config.python))):
        raise SandboxUnavailable(f"{config.launcher_python} is missing or not under /usr")
    return str(resolved)


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


def sandbox_argv(config: SandboxConfig, limits: SandboxLimits, *, uid: int, workdir: Path,
                 rundir: Path, rundir_writable: bool, ready_fd: int,
                 program: list[str]) -> list[str]:
    """argv to spawn on the host; `program` runs inside as `config.python program...`."""
    made = {"/usr", "/tmp", "/proc", "/dev"}
    argv = [host_tool(config.bwrap, inside=False), *NAMESPACES, "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr"]
    for link in ("bin", "sbin", "lib", "lib64"):
        if Path("/", link).is_symlink():
            argv += ["--symlink", f"usr/{link}", f"/{link}"]
    argv += [*_dirs_for("/etc/x", made), "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
             "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
    for prefix in python_prefixes(config.python):
        argv += [*_dirs_for(prefix, made), "--ro-bind", prefix, prefix]
    argv += [*_dirs_for(RUN_INSIDE, made), "--ro-bind", str(LAUNCHER), "/sandbox/launcher.py",
             "--bind" if rundir_writable else "--ro-bind", str(rundir), RUN_INSIDE,
             "--bind", str(workdir), INSIDE, "--chdir", INSIDE, "--clearenv"]
    for key, value in ENV.items():
        argv += ["--setenv", key, value]
    return [*argv, "--", *prlimit_args(limits), *setpriv_args(uid),
            _launcher_python(config), "/sandbox/launcher.py", str(ready_fd), config.python, *program]
