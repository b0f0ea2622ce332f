"""Per-workspace uids: each workspace leases a uid of its own (an flock held for its life, so
concurrent processes on the host agree) and RLIMIT_NPROC then counts each workspace alone."""

from __future__ import annotations

import fcntl
import os
import signal
from pathlib import Path


class UidLease:
    """An exclusive uid (gid equal) until `release()`; one lock file per uid in `folder`."""

    def __init__(self, folder: str | Path, base: int, count: int) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for uid in range(base, base + count):
            fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.uid, self._fd = uid, fd
            # A crashed earlier holder may have left processes behind under this uid.
            kill_uid(uid)
            return
        raise RuntimeError(f"all {count} sandbox uids from {base} are in use")

    def kill(self) -> None:
        """Kill whatever still runs under the uid (the lease stays held)."""
        if self._fd >= 0:
            kill_uid(self.uid)

    def release(self) -> None:
        if self._fd >= 0:
            kill_uid(self.uid)
            os.close(self._fd)
            self._fd = -1


def _alive(pid: int) -> bool:
    """False for zombies: dead, only waiting for a parent (often the host's init) to reap them."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def processes_of(uid: int) -> list[int]:
    """Live pids on the host whose real uid is `uid`."""
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="ascii", errors="replace") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid and _alive(int(entry.name)):
                            pids.append(int(entry.name))
                        break
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return pids


def kill_uid(uid: int) -> None:
    """SIGKILL every process of `uid` (only ever a leased sandbox uid)."""
    for pid in processes_of(uid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                    # the command name may hold spaces: fields after its closing parenthesis
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
    return found


def pid_namespace(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def processes_in(namespace: str) -> list[int]:
    """Live pids on the host whose pid namespace is `namespace` (as readlink shows it)."""
    return [int(e.name) for e in os.scandir("/proc") if e.name.isdigit()
            and pid_namespace(int(e.name)) == namespace and _alive(int(e.name))]
