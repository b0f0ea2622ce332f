"""The `hanlin` command: flags over HANLIN_* variables, and `hanlin chat` fed through a pipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.config import DEFAULT_MODEL
from server.cli import build_parser
from server.settings import ServerSettings


def test_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HANLIN_HOST", "HANLIN_PORT", "HANLIN_MODEL", "HANLIN_THREADS"):
        monkeypatch.delenv(var, raising=False)
    s = ServerSettings.from_env()
    assert (s.host, s.port, s.engine.model) == ("127.0.0.1", 8000, DEFAULT_MODEL)


def test_flags_win_over_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANLIN_PORT", "9001")
    monkeypatch.setenv("HANLIN_THREADS", "3")
    monkeypatch.setenv("HANLIN_DTYPE", "float32")
    assert ServerSettings.from_env().port == 9001
    s = ServerSettings.from_env(port=9100, num_threads=1)
    assert (s.port, s.engine.num_threads, s.engine.dtype) == (9100, 1, "float32")


def test_parser() -> None:
    args = build_parser().parse_args(
        ["serve", "--port", "9", "--dtype", "float32", "--threads", "2"]
    )
    assert (args.command, args.port, args.dtype, args.threads, args.host) == (
        "serve",
        9,
        "float32",
        2,
        None,
    )
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--dtype", "int3"])


def test_console_script_help(repo_root: Path) -> None:
    script = Path(sys.executable).with_name("hanlin")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "server.cli"]
    out = subprocess.run(
        [*cmd, "--help"], capture_output=True, text=True, timeout=60, cwd=repo_root
    )
    assert out.returncode == 0 and "serve" in out.stdout and "chat" in out.stdout


@pytest.mark.slow
def test_chat_through_a_pipe(repo_root: Path, hanlin_env: dict[str, str]) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "chat",
            "--max-tokens",
            "12",
            "--temperature",
            "0",
            "--system",
            "You are a helpful assistant.",
        ],
        input="Hi\n\nWhat is the capital of France?\n/exit\nnever read\n",
        capture_output=True,
        text=True,
        timeout=300,
        cwd=repo_root,
        env=hanlin_env,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Paris" in out.stdout, out.stdout  # the second question was answered
    assert "never read" not in out.stdout
