"""A run's work folder and scratch tmpfs (the only places the sandbox may write, sized), with its
leased uid. Host-side access (the read_file / write_file tools, collecting produced files) walks
it with openat and O_NOFOLLOW: sandboxed code can plant symlinks or FIFOs there, and the host
runs as root."""

from __future__ import annotations

import logging
import os
import stat
import tempfile
import threading
from pathlib import Path, PurePosixPath

from agents.sandbox import mounts, tree
from agents.sandbox.config import SandboxConfig
from agents.sandbox.records import Produced, ProducedFile
from agents.sandbox.uids import UidLease

INSIDE = "/workspace"  # where the work folder appears inside the sandbox (and the cwd)
MAX_DEPTH = 32  # produced files are looked for this many folders deep; deeper ones are counted
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

Snapshot = dict[str, tuple[int, int]]  # relative path -> (size, mtime_ns)
log = logging.getLogger(__name__)


class WorkspaceError(ValueError):
    """A path outside the work folder, a symlink, or not a regular file."""


def _remove_scratch(scratch: Path) -> None:
    mounts.unmount_all(scratch)
    tree.remove_tree(scratch)


def _fresh_scratch(scratch: Path, config: SandboxConfig) -> bool:
    """An empty scratch folder, a tmpfs of the configured size where the kernel allows it."""
    _remove_scratch(scratch)
    scratch.mkdir(mode=0o711, exist_ok=True)
    try:
        mounts.mount(scratch, config.workspace_bytes, config.workspace_files)
    except OSError:
        return False
    return True


class Workspace:
    """Leases a uid and mounts its scratch tmpfs (`config.root`/ws-<uid>, sized by the config)
    until `close()`; the work folder is scratch/work-* unless `folder` is given (the operator's own
    folder, on its disk: per-file limits only). `bounded` is False where the kernel refused the
    mount; the sandbox then refuses to run (host-side tools still work)."""

    def __init__(self, config: SandboxConfig | None = None, folder: str | Path | None = None):
        config = config or SandboxConfig()
        Path(config.root).mkdir(parents=True, exist_ok=True)
        self._lease = UidLease(config.uid_locks, config.uid_base, config.uid_count)
        self.uid = self._lease.uid
        # One per uid: a lease is exclusive on the host, so what is found there is a crashed
        # holder's and is removed.
        self.scratch = Path(config.root).resolve() / f"ws-{self.uid}"
        self._views: dict[str, str] = {}
        self._views_lock = threading.Lock()
        try:
            self.bounded = _fresh_scratch(self.scratch, config)
            # A unique name: it is the workspace's id (Responses' container id is made of it).
            self.folder = (Path(tempfile.mkdtemp(prefix="work-", dir=self.scratch))
                           if folder is None else Path(folder).resolve())
            self.folder.mkdir(parents=True, exist_ok=True)
            for path in [self.folder, *self.folder.rglob("*")]:
                os.chown(path, self.uid, self.uid, follow_symlinks=False)
            self.folder.chmod(0o700)
        except BaseException:
            self._lease.release()
            raise

    def close(self) -> None:
        """Kills whatever still runs under the uid, unmounts and removes scratch, then releases
        the uid: released first, the next holder of the uid would mount its fresh scratch where
        this one is still being removed."""
        self._lease.kill()
        try:
            _remove_scratch(self.scratch)
        finally:
            self._lease.release()

    def view(self, host_tree: str) -> str:
        """A host path showing `host_tree` read-only for the sandbox to bind: an overlay view in
        scratch (mountinfo inside names no host folder), or the tree itself where the kernel
        refuses overlays (its folder then shows in mountinfo: logged)."""
        with self._views_lock:
            if host_tree not in self._views:
                views = self.scratch / "views"
                target = views / str(len(self._views))
                try:
                    (views / "empty").mkdir(mode=0o755, parents=True, exist_ok=True)
                    target.mkdir(mode=0o755)
                    mounts.mount_view(target, host_tree, views / "empty")
                    self._views[host_tree] = str(target)
                except OSError as exc:
                    log.warning("no overlay view of the sandbox's interpreter (%s): its host "
                                "folder shows in the sandbox's mountinfo", exc.strerror or exc)
                    self._views[host_tree] = host_tree
            return self._views[host_tree]

    def run_folder(self, prefix: str) -> Path:
        """A new folder in scratch for one sandbox (its program, its /tmp, a kernel's sockets)."""
        try:
            return Path(tempfile.mkdtemp(prefix=prefix, dir=self.scratch))
        except OSError as exc:
            raise WorkspaceError(f"the workspace is full: {exc.strerror}") from None

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
        """Writes a regular file; past the workspace's size it is WorkspaceError (ENOSPC)."""
        fd = self._open(self.relative(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, make_dirs=True)
        try:
            with os.fdopen(fd, "wb") as f:
                if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                    raise WorkspaceError(f"{path!r} is not a regular file")
                os.fchown(f.fileno(), self.uid, self.uid)
                f.write(data)
        except OSError as exc:
            raise WorkspaceError(f"{path!r}: {exc.strerror or exc}") from None
        return len(data)

    # --- produced files ---

    def snapshot(self) -> Snapshot:
        """Regular files down to MAX_DEPTH folders (symlinks never followed): size and mtime."""
        return tree.list_files(self.folder, MAX_DEPTH).files

    def produced_since(self, before: Snapshot, max_files: int, max_bytes: int) -> Produced:
        """Files new or changed since `before`, in path order, with their bytes, while both
        caps allow (a file larger than what is left of max_bytes comes without them); past
        max_files, the rest are only counted and named (a few)."""
        now = tree.list_files(self.folder, MAX_DEPTH)
        changed = [(rel, size) for rel, (size, mtime) in sorted(now.files.items())
                   if before.get(rel) != (size, mtime)]
        files, left = [], max_bytes
        for rel, size in changed[:max_files]:
            data = None
            if size <= left:
                try:
                    data, size = self.read_bytes(rel, left + 1)
                except WorkspaceError:
                    continue  # replaced by a symlink meanwhile
                if len(data) > left:
                    data = None
                else:
                    left -= len(data)
            files.append(ProducedFile(path=rel, size=size, data=data))
        over = [rel for rel, _ in changed[max_files:]]
        return Produced(files=files, left_out=len(over), left_out_names=over[:5],
                        too_deep=now.too_deep)
