"""`hanlin agent` as a user runs it, against the live server and the real sandbox. The default
model is too small to follow the ReAct format reliably; what is checked is the command's
contract: every step printed, the step limit honoured with a forced final answer, clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _agent(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server.cli", "agent", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_agent_prints_steps_and_an_answer(repo_root: Path, server_url: str) -> None:
    done = _agent("What is 2 + 2?", "--base-url", f"{server_url}/v1", "--max-steps", "1",
                  "--max-tokens", "48", "--tools", "calculator", cwd=repo_root)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("── step 1 (")
    assert lines[-1].startswith("Answer: ")
    # One step allowed: either it answered at once or the limit forced a final turn.
    assert ("Final answer:" in done.stdout) or ("forced final step" in done.stdout)


def test_agent_rejects_unknown_tools_and_unreachable_servers(repo_root: Path,
                                                             server_url: str) -> None:
    bad_tool = _agent("hi", "--base-url", f"{server_url}/v1", "--tools", "shell",
                      cwd=repo_root)
    assert bad_tool.returncode == 2 and "unknown tool(s) shell" in bad_tool.stderr
    nowhere = _agent("hi", "--base-url", "http://127.0.0.1:9/v1", cwd=repo_root)
    assert nowhere.returncode == 1 and "cannot list models" in nowhere.stderr
