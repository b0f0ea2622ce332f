"""The sandbox the code-execution tests run in; skipped (naming the install command) only where
bubblewrap or python3-seccomp is missing. Nothing is ever run unsandboxed instead."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from agents.sandbox import SandboxConfig


@pytest.fixture(scope="session")
def sandbox_config() -> SandboxConfig:
    has_seccomp = shutil.which("python3", path="/usr/bin") and subprocess.run(
        ["/usr/bin/python3", "-c", "import seccomp"], capture_output=True).returncode == 0
    if shutil.which("bwrap") is None or not has_seccomp:
        pytest.skip("the sandbox needs bubblewrap and python3-seccomp: "
                    "apt-get install bubblewrap python3-seccomp (make install does it)")
    return SandboxConfig.from_env()
