"""Listing and removing folder trees that sandboxed code built, whatever their shape: no recursion
(os.walk and shutil.rmtree recurse, and a 3,000-deep tree raises RecursionError), no full paths
(a deep tree's paths pass PATH_MAX), symlinks never followed, a bounded number of open fds."""

from __future__ import annotations

import contextlib
import itertools
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class Listing(NamedTuple):
    files: dict[str, tuple[int, int]]  # relative path -> (size, mtime_ns), regular files only
    too_deep: int  # folders past max_depth, not entered


def list_files(folder: Path, max_depth: int) -> Listing:
    """Regular files under `folder`, down to `max_depth` folders; at most max_depth + 1 folders
    are open at once (a stack of them, as recursion would hold)."""
    files: dict[str, tuple[int, int]] = {}
    too_deep = 0
    stack: list[tuple[int, Iterator[str], str]] = []
    try:
        _enter(stack, os.open(folder, _DIR_FLAGS), "")
    except OSError:
        return Listing(files, too_deep)  # no folder (any more): nothing in it
    try:
        while stack:
            fd, names, prefix = stack[-1]
            name = next(names, None)
            if name is None:
                os.close(stack.pop()[0])
                continue
            try:
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
                if stat.S_ISREG(info.st_mode):
                    files[prefix + name] = (info.st_size, info.st_mtime_ns)
                elif stat.S_ISDIR(info.st_mode) and len(stack) > max_depth:
                    too_deep += 1
                elif stat.S_ISDIR(info.st_mode):
                    _enter(stack, os.open(name, _DIR_FLAGS, dir_fd=fd), f"{prefix}{name}/")
            except OSError:
                continue  # gone meanwhile, or swapped for a symlink
    finally:
        for fd, _names, _prefix in stack:
            os.close(fd)
    return Listing(files, too_deep)


def _enter(stack: list[tuple[int, Iterator[str], str]], fd: int, prefix: str) -> None:
    try:
        names = iter(os.listdir(fd))
    except OSError:
        os.close(fd)
        raise
    stack.append((fd, names, prefix))


def remove_tree(path: Path) -> None:
    """Removes `path` and everything under it, best effort (like rmtree's ignore_errors): each
    folder met below the top level is first moved up to it, so nothing is ever deep."""
    try:
        top = os.open(path, _DIR_FLAGS)
    except OSError:
        return
    try:
        taken = set(os.listdir(top))
        fresh = (f".rm-{i}" for i in itertools.count() if f".rm-{i}" not in taken)
        pending = [""]  # "" is the top itself: its folders are already at the top level
        while pending:
            name = pending.pop()
            with contextlib.suppress(OSError):
                _empty(top, name, pending, fresh)
                if name:
                    os.rmdir(name, dir_fd=top)
    finally:
        os.close(top)
    with contextlib.suppress(OSError):
        os.rmdir(path)


def _empty(top: int, name: str, pending: list[str], fresh: Iterator[str]) -> None:
    """Unlinks the files of folder `name` (of `top`) and moves its folders up into `top`."""
    fd = os.open(name, _DIR_FLAGS, dir_fd=top) if name else top
    try:
        for child in os.listdir(fd):
            with contextlib.suppress(OSError):
                if not stat.S_ISDIR(os.stat(child, dir_fd=fd, follow_symlinks=False).st_mode):
                    os.unlink(child, dir_fd=fd)
                elif not name:
                    pending.append(child)
                else:
                    moved = next(fresh)
                    os.rename(child, moved, src_dir_fd=fd, dst_dir_fd=top)
                    pending.append(moved)
    finally:
        if name:
            os.close(fd)
