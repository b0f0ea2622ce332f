"""A throwaway PostgreSQL server for tests: initdb into a temp folder, listen on a Unix socket
only, run as the `postgres` user (the server refuses root). Debian's postgresql package provides
the binaries (the Makefile installs it)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(*cmd: str) -> list[str]:
    if os.geteuid() != 0:
        return list(cmd)
    return ["runuser", "-u", "postgres", "--", *cmd]


@contextmanager
def temporary_postgres() -> Iterator[str]:
    """Yields an asyncpg URL of a fresh database; everything is removed afterwards."""
    bin_dir = binaries()
    assert bin_dir is not None, "PostgreSQL is not installed (make install adds it)"
    root = Path(tempfile.mkdtemp(prefix="hanlin-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    data, sock = root / "data", root
    try:
        subprocess.run(_as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                                    "--auth=trust", "-E", "UTF8"),
                       check=True, capture_output=True, timeout=120)
        subprocess.run(_as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l",
                                    str(root / "log"), "-o",
                                    f"-k {sock} -c listen_addresses='' -p 5433", "start"),
                       check=True, capture_output=True, timeout=120)
        subprocess.run(_as_postgres(str(bin_dir / "createdb"), "-h", str(sock), "-p", "5433",
                                    "-U", "postgres", "hanlin"),
                       check=True, capture_output=True, timeout=60)
        yield f"postgresql+asyncpg://postgres@/hanlin?host={sock}&port=5433"
    finally:
        subprocess.run(_as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                    "stop"), capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
