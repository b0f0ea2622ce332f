"""Sandbox settings: resource limits per run (`SandboxLimits`) and where the sandbox's parts live
(`SandboxConfig`), frozen msgspec Structs read from `HANLIN_SANDBOX_*` where set."""

from __future__ import annotations

import os
import sys
import tempfile

import msgspec


class SandboxLimits(msgspec.Struct, frozen=True, kw_only=True):
    """prlimit values plus the wall clock. In a session `cpu_seconds` is the kernel's budget for
    its whole life (RLIMIT_CPU counts a process's lifetime) and `wall_seconds` one cell's."""

    cpu_seconds: int = 10
    memory_bytes: int = 1 << 30  # RLIMIT_AS: address space, so threads' stacks count too
    file_size_bytes: int = 64 << 20
    processes: int = 64  # RLIMIT_NPROC, counted per uid: every workspace has its own uid
    open_files: int = 256
    wall_seconds: float = 30.0
    output_bytes: int = 1 << 20  # kept of each of stdout / stderr; the rest is dropped


def _default_root() -> str:
    return os.path.join(tempfile.gettempdir(), "hanlin-sandbox")


def _default_uid_locks() -> str:
    return os.path.join(tempfile.gettempdir(), "hanlin-sandbox-uids")


class SandboxConfig(msgspec.Struct, frozen=True, kw_only=True):
    """The interpreter that runs code is `python` (the project's, so numpy and ipykernel are
    there; its prefixes are bound read-only); `launcher_python` must import Debian's
    python3-seccomp, installs the filter and execs `python`."""

    python: str = sys.executable
    launcher_python: str = "/usr/bin/python3"
    bwrap: str = "bwrap"
    prlimit: str = "prlimit"
    setpriv: str = "setpriv"
    root: str = msgspec.field(default_factory=_default_root)  # work folders and run folders
    # One lock folder per host, whatever `root` is, so every process agrees on who holds a uid.
    uid_locks: str = msgspec.field(default_factory=_default_uid_locks)
    uid_base: int = 61000  # uids [uid_base, uid_base + uid_count) are leased, one per workspace
    uid_count: int = 1000
    limits: SandboxLimits = SandboxLimits()
    session_limits: SandboxLimits = SandboxLimits(cpu_seconds=600, wall_seconds=30.0)
    # A workspace's writable space (work folder, /tmp, run folders) is one tmpfs of this size
    # and this many files, for its whole life: RLIMIT_FSIZE bounds one file, this the sum.
    workspace_bytes: int = 256 << 20
    workspace_files: int = 4096
    # What one run or tool call hands back of the files it produced; the rest is named as
    # left out in its output, never silently dropped.
    produced_files: int = 16
    produced_bytes: int = 16 << 20

    @classmethod
    def from_env(cls) -> SandboxConfig:
        """Overrides from HANLIN_SANDBOX_PYTHON, _ROOT, _UID_BASE, _UID_COUNT, _WORKSPACE_BYTES,
        _WORKSPACE_FILES, _PRODUCED_FILES, _PRODUCED_BYTES."""
        env = os.environ
        fields: dict[str, object] = {}
        for name, field, kind in (("PYTHON", "python", str), ("ROOT", "root", str),
                                  ("UID_BASE", "uid_base", int), ("UID_COUNT", "uid_count", int),
                                  ("WORKSPACE_BYTES", "workspace_bytes", int),
                                  ("WORKSPACE_FILES", "workspace_files", int),
                                  ("PRODUCED_FILES", "produced_files", int),
                                  ("PRODUCED_BYTES", "produced_bytes", int)):
            if f"HANLIN_SANDBOX_{name}" in env:
                fields[field] = kind(env[f"HANLIN_SANDBOX_{name}"])
        return cls(**fields)
