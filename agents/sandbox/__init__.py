"""The sandbox for model-written code: bubblewrap namespaces, setpriv, prlimit, seccomp and a
wall clock; `run_code` for one-shot snippets, `SandboxSession` for a stateful ipykernel."""

from agents.sandbox.config import SandboxConfig, SandboxLimits
from agents.sandbox.oneshot import run_code
from agents.sandbox.records import (
    CellResult,
    Produced,
    ProducedFile,
    RunResult,
    SandboxUnavailable,
)
from agents.sandbox.session import SandboxSession
from agents.sandbox.workspace import Workspace, WorkspaceError

__all__ = ["CellResult", "Produced", "ProducedFile", "RunResult", "SandboxConfig", "SandboxLimits",
           "SandboxSession", "SandboxUnavailable", "Workspace", "WorkspaceError", "run_code"]
