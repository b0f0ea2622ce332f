"""What a sandboxed run gives back: `RunResult` for a one-shot process, `CellResult` for a cell
of a session, both with the files the run produced in its work folder."""

from __future__ import annotations

import signal

import msgspec


class SandboxUnavailable(RuntimeError):
    """The sandbox could not be set up (namespaces refused, bwrap / setpriv / prlimit / seccomp
    missing or failing). Code is never run unsandboxed instead."""


class ProducedFile(msgspec.Struct, frozen=True, kw_only=True):
    """A file created or changed in the work folder; `data` is None past the size cap."""

    path: str  # relative to the work folder
    size: int
    data: bytes | None = None


class Produced(msgspec.Struct, frozen=True, kw_only=True):
    """What a run produced, within the config's caps on count and bytes."""

    files: list[ProducedFile] = []
    left_out: int = 0  # files past the count cap: not returned
    left_out_names: list[str] = []  # the first few of them, to name in the output
    too_deep: int = 0  # folders past the workspace's MAX_DEPTH, whose files were not looked at


class RunResult(msgspec.Struct, frozen=True, kw_only=True):
    stdout: str
    stderr: str
    exit_code: int | None  # None when the wall clock killed it
    signal: str | None = None  # e.g. "SIGXCPU" when a limit's signal ended it
    timed_out: bool = False
    duration_s: float = 0.0
    truncated: bool = False  # stdout or stderr passed limits.output_bytes
    produced: Produced = Produced()

    @property
    def files(self) -> list[ProducedFile]:
        return self.produced.files

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


class CellResult(msgspec.Struct, frozen=True, kw_only=True):
    stdout: str = ""
    stderr: str = ""
    result: str | None = None  # text/plain of the cell's value
    error: str | None = None  # "Name: value" then the traceback, ANSI colours removed
    display: list[str] = []  # MIME types of rich outputs (e.g. image/png), not carried here
    timed_out: bool = False  # interrupted; the session and its variables are kept
    restarted: bool = False  # the interrupt did not stop it: the kernel was restarted
    duration_s: float = 0.0
    produced: Produced = Produced()

    @property
    def files(self) -> list[ProducedFile]:
        return self.produced.files

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out


def signal_name(exit_code: int) -> str | None:
    """bwrap reports a child killed by a signal as 128 + signo, as shells do."""
    if exit_code > 128:
        try:
            return signal.Signals(exit_code - 128).name
        except ValueError:
            return None
    return None
