"""Fixtures for the agents tests: a sandbox config with small limits, skipped (saying why) only
where bubblewrap or python3-seccomp is not installed or a workspace's tmpfs cannot be mounted."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from agents.sandbox import SandboxConfig, SandboxLimits, Workspace

# Small limits keep the security tests fast: each refusal is reached within a second or two.
FAST = SandboxLimits(cpu_seconds=1, memory_bytes=512 << 20, file_size_bytes=10 << 20,
                     processes=32, open_files=64, wall_seconds=10.0)


@pytest.fixture(scope="session")
def sandbox_config() -> SandboxConfig:
    has_seccomp = shutil.which("python3", path="/usr/bin") and subprocess.run(
        ["/usr/bin/python3", "-c", "import seccomp"], capture_output=True).returncode == 0
    if shutil.which("bwrap") is None or not has_seccomp:
        pytest.skip("the sandbox needs bubblewrap and python3-seccomp: "
                    "apt-get install bubblewrap python3-seccomp (make install does it)")
    config = SandboxConfig(limits=FAST, session_limits=SandboxLimits(
        cpu_seconds=60, memory_bytes=1 << 30, processes=64, wall_seconds=10.0))
    with Workspace(config) as probe:
        if not probe.bounded:
            pytest.skip("the sandbox needs CAP_SYS_ADMIN to mount each workspace's sized tmpfs "
                        "(it runs as root, as setpriv needs too)")
    return config
