"""A run's work folder, the only place the sandbox may write, with its leased uid. Host-side
access (the read_file / write_file tools, collecting produced files) walks it with openat and
O_NOFOLLOW: sandboxed code can plant symlinks or FIFOs there, and the host runs as root."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path, PurePosixPath

from agents.sandbox.config import SandboxConfig
from agents.sandbox.records import ProducedFile
from agents.sandbox.uids import UidLease

INSIDE = "/workspace"  # where the work folder appears inside the sandbox (and the cwd)
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

Snapshot = dict[str, tuple[int, int]]  # relative path -> (size, mtime_ns)


class WorkspaceError(ValueError):
    """A path outside the work folder, a symlink, or not a regular file."""


class Workspace:
    """Owns `folder` (a fresh temporary one unless given) and a uid lease until `close()`."""

    def __init__(self, config: SandboxConfig | None = None, folder: str | Path | None = None):
        config = config or SandboxConfig()
        Path(config.root).mkdir(parents=True, exist_ok=True)
        self._owned = folder is None
        self.folder = Path(folder or tempfile.mkdtemp(prefix="work-", dir=config.root)).resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lease = UidLease(config.uid_locks, config.uid_base, config.uid_count)
        self.uid = self._lease.uid
        for path in [self.folder, *self.folder.rglob("*")]:
            os.chown(path, self.uid, self.uid, follow_symlinks=False)
        self.folder.chmod(0o700)

    def close(self) -> None:
        """Kills whatever still runs under the uid, releases it, removes a temporary folder."""
        self._lease.release()
        if self._owned:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- confined access ---

    def relative(self, path: str) -> PurePosixPath:
        """`path` as the model wrote it (relative, or under /workspace) -> a checked relative path."""
        pure = PurePosixPath(path)
        if pure.is_absolute():
            try:
                pure = pure.relative_to(INSIDE)
            except ValueError:
                raise WorkspaceError(f"{path!r} is outside the work folder") from None
        if not pure.parts or any(part in ("..", "") for part in pure.parts):
            raise WorkspaceError(f"{path!r} is not a file path inside the work folder")
        return pure

    def _open(self, rel: PurePosixPath, flags: int, *, make_dirs: bool = False) -> int:
        fd = os.open(self.folder, _DIR_FLAGS)
        try:
            for part in rel.parts[:-1]:
                if make_dirs:
                    try:
                        os.mkdir(part, 0o755, dir_fd=fd)
                        os.chown(part, self.uid, self.uid, dir_fd=fd, follow_symlinks=False)
                    except FileExistsError:
                        pass
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = child
            # O_NONBLOCK: a FIFO planted by sandboxed code must not hang the host.
            return os.open(rel.parts[-1], flags | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK,
                           0o644, dir_fd=fd)
        except OSError as exc:
            raise WorkspaceError(f"{rel}: {exc.strerror or exc}") from None
        finally:
            os.close(fd)

    def read_bytes(self, path: str, max_bytes: int) -> tuple[bytes, int]:
        """(at most max_bytes of the file, its full size); regular files only."""
        fd = self._open(self.relative(path), os.O_RDONLY)
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise WorkspaceError(f"{path!r} is not a regular file")
            return f.read(max_bytes), info.st_size

    def write_bytes(self, path: str, data: bytes) -> int:
        fd = self._open(self.relative(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, make_dirs=True)
        with os.fdopen(fd, "wb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise WorkspaceError(f"{path!r} is not a regular file")
            os.fchown(f.fileno(), self.uid, self.uid)
            f.write(data)
        return len(data)

    # --- produced files ---

    def snapshot(self) -> Snapshot:
        """Regular files (symlinks are never followed) with their size and mtime."""
        seen: Snapshot = {}
        for top, _dirs, files in os.walk(self.folder):  # os.walk does not enter symlinked dirs
            for name in files:
                full = os.path.join(top, name)
                info = os.lstat(full)
                if stat.S_ISREG(info.st_mode):
                    seen[os.path.relpath(full, self.folder)] = (info.st_size, info.st_mtime_ns)
        return seen

    def produced_since(self, before: Snapshot, max_bytes: int) -> list[ProducedFile]:
        """Files new or changed since `before`, with their bytes when no larger than max_bytes."""
        produced = []
        for rel, (size, mtime) in sorted(self.snapshot().items()):
            if before.get(rel) == (size, mtime):
                continue
            data = None
            if size <= max_bytes:
                try:
                    data, size = self.read_bytes(rel, max_bytes + 1)
                except WorkspaceError:
                    continue  # replaced by a symlink meanwhile
                if len(data) > max_bytes:
                    data = None
            produced.append(ProducedFile(path=rel, size=size, data=data))
        return produced
