"""Size-bounded tmpfs mounts on the host: a workspace's writable space (its work folder, the
sandbox's /tmp, the run folders) lives in one, so sandboxed code can fill it, never the host's
memory or disk past its `size` and `nr_inodes`."""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path

_libc = ctypes.CDLL(None, use_errno=True)
MS_NOSUID, MS_NODEV = 0x2, 0x4
MNT_DETACH = 0x2
SOURCE = b"sandbox"  # the source column of /proc/self/mountinfo: no host path in it


def mount(target: Path, size_bytes: int, inodes: int) -> None:
    """OSError when the kernel refuses (no CAP_SYS_ADMIN in this mount namespace)."""
    options = f"size={size_bytes},nr_inodes={inodes},mode=0711".encode()
    if _libc.mount(SOURCE, os.fsencode(target), b"tmpfs", MS_NOSUID | MS_NODEV, options) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(target))


def unmount_all(target: Path) -> None:
    """Detach every mount stacked on `target` (none is fine)."""
    for _ in range(16):
        if _libc.umount2(os.fsencode(target), MNT_DETACH) != 0:
            code = ctypes.get_errno()
            if code in (errno.EINVAL, errno.ENOENT, errno.EPERM):
                return  # not a mount point (any more), no such folder, or not ours to undo
            raise OSError(code, os.strerror(code), str(target))
