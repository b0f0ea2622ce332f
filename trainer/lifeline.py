"""The ranks' tie to the `trainer train` process that launched them: when it dies, even by SIGKILL
(the server's death signal takes it down with the server), every rank dies at once instead of
training on for a run nobody will record. torchrun gives each rank a session of its own and the
DeepSpeed launcher puts a process between, so neither a group kill nor a parent-death signal set
by the trainer reaches them; a pidfd on the trainer does."""

from __future__ import annotations

import ctypes
import os
import select
import signal
import threading
import time
from pathlib import Path

ENV = "HANLIN_TRAINER_PROCESS"  # "pid:start time" of the trainer (pids are reused)
_PR_SET_PDEATHSIG = 1
# Looked up now, in the parent: loading a library between fork and exec could deadlock.
_prctl = ctypes.CDLL(None, use_errno=True).prctl


def die_with_parent() -> None:
    """A `preexec_fn` for the launcher: it gets SIGKILL when the trainer dies."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, counted after "pid (comm)"


def lifeline_env() -> dict[str, str]:
    """For the launcher's environment, which every rank inherits: this process."""
    pid = os.getpid()
    started = _start_time(pid)
    return {ENV: f"{pid}:{started}"} if started is not None else {}


def _die() -> None:
    # Our group: the launcher's (DeepSpeed: it and every rank) or this rank's own (torchrun).
    # Never the trainer's or the server's: the trainer starts the launcher in a new session.
    os.killpg(os.getpgrp(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def _wait_for_exit(pid: int, started: str) -> None:
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    except OSError:  # no pidfds (Linux < 5.3): look every half second instead
        while _start_time(pid) == started:
            time.sleep(0.5)
        return
    if _start_time(pid) != started:  # the pid now names another process: ours is gone
        return
    select.select([fd], [], [])  # readable once the process has exited


def watch_trainer() -> None:
    """In a rank: die with the trainer named in the environment (no-op when run by hand)."""
    value = os.environ.get(ENV)
    if not value:
        return
    pid, started = value.split(":", 1)

    def watch() -> None:
        _wait_for_exit(int(pid), started)
        _die()

    threading.Thread(target=watch, name="trainer-lifeline", daemon=True).start()
