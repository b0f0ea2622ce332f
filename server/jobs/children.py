"""What the job runners share about their child processes: dying with the server, the datapipe
command line, and reading a cleaning run's report back."""

from __future__ import annotations

import ctypes
import json
import signal
import sys
from pathlib import Path
from typing import Any

_PR_SET_PDEATHSIG = 1
# Looked up now, in the parent: loading a library between fork and exec could deadlock.
_prctl = ctypes.CDLL(None, use_errno=True).prctl


def die_with_parent() -> None:
    """A `preexec_fn`: if the server dies (even by SIGKILL), so does the child, instead of
    finishing a run whose result nobody will record."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def datapipe_command(input_path: Path, pipeline: str, out: Path, *extra: str) -> list[str]:
    """`python -m datapipe clean` writing JSON progress lines to stdout."""
    return [sys.executable, "-m", "datapipe", "clean", str(input_path), "--pipeline", pipeline,
            "--out", str(out), "--progress", "json", *extra]


def read_report(out: Path) -> dict[str, Any]:
    """A cleaning run's report.json without the server-side paths (the file ids stand for them)."""
    report = json.loads((out / "report.json").read_bytes())
    for key in ("input_path", "cleaned_path", "rejected_path", "pipeline"):
        report.pop(key, None)
    return report
