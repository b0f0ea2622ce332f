"""The host mounts a sandbox stands on, each a filesystem of its own so that no line of
/proc/self/mountinfo inside names a host path: a sized tmpfs holding a workspace's writable space
(so sandboxed code can fill it, never the host's memory or disk past its `size` and `nr_inodes`),
and read-only overlay views of the interpreter's host trees (a bind mount's line would name its
source's folder; an overlay's names its layers as given: /proc/self/fd/N)."""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path

_libc = ctypes.CDLL(None, use_errno=True)
MS_RDONLY, MS_NOSUID, MS_NODEV = 0x1, 0x2, 0x4
MNT_DETACH = 0x2
SOURCE = b"sandbox"  # the source column of /proc/self/mountinfo: no host path in it


def _mount(fstype: bytes, target: Path, flags: int, options: str) -> None:
    if _libc.mount(SOURCE, os.fsencode(target), fstype, flags, options.encode()) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(target))


def mount(target: Path, size_bytes: int, inodes: int) -> None:
    """A tmpfs; OSError when the kernel refuses (no CAP_SYS_ADMIN in this mount namespace)."""
    _mount(b"tmpfs", target, MS_NOSUID | MS_NODEV,
           f"size={size_bytes},nr_inodes={inodes},mode=0711")


def mount_view(target: Path, source: str | Path, empty: Path) -> None:
    """`source` seen read-only at `target` through an overlay whose layers are named by file
    descriptor. A lower-only overlay needs two layers: `empty` is an empty folder. OSError when
    the kernel refuses (no overlayfs, no CAP_SYS_ADMIN)."""
    fds = [os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC) for path in (source, empty)]
    try:
        layers = ":".join(f"/proc/self/fd/{fd}" for fd in fds)
        _mount(b"overlay", target, MS_RDONLY | MS_NOSUID | MS_NODEV, f"lowerdir={layers}")
    finally:
        for fd in fds:
            os.close(fd)


def unmount_all(target: Path) -> None:
    """Detach every mount stacked on `target`, and those below it (none is fine)."""
    for _ in range(16):
        if _libc.umount2(os.fsencode(target), MNT_DETACH) != 0:
            code = ctypes.get_errno()
            if code in (errno.EINVAL, errno.ENOENT, errno.EPERM):
                return  # not a mount point (any more), no such folder, or not ours to undo
            raise OSError(code, os.strerror(code), str(target))
