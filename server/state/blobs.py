"""Blobs in a local folder. A write goes to `tmp/` and is renamed into `objects/` only when
complete and synced, so a crash leaves a stray temp file (swept at start), never a half blob."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio

CHUNK = 1 << 16


class TooLarge(Exception):
    """The stream went past the byte cap; nothing was kept."""


class DiskFull(Exception):
    """The blob folder's disk (or a quota or file-size limit on it) is full; nothing was kept."""


# No space (ENOSPC), a file-size limit such as RLIMIT_FSIZE (EFBIG), a quota (EDQUOT).
_FULL = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _FULL


@dataclass
class Staged:
    """A complete, synced temp file waiting to be committed under a key."""

    path: Path
    size: int
    sha256: str


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.objects = root / "objects"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.objects.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.objects / key[:2] / key

    def staging_dir(self) -> Path:
        """A fresh folder under tmp/ for a producer (a cleaning run) to write into."""
        path = self.tmp / f"work-{uuid.uuid4().hex}"
        path.mkdir()
        return path

    def writer(self, max_bytes: int) -> StagingWriter:
        """A temp file to stream into: `async with store.writer(cap) as w: await w.write(b)`,
        then `await w.finish()`; leaving the block without finishing removes the file."""
        return StagingWriter(self.tmp / f"upload-{uuid.uuid4().hex}", max_bytes)

    async def stage(self, chunks: AsyncIterator[bytes], max_bytes: int) -> Staged:
        """Write a stream to a temp file; TooLarge (file removed) past `max_bytes`."""
        async with self.writer(max_bytes) as w:
            async for chunk in chunks:
                await w.write(chunk)
            return await w.finish()

    async def stage_file(self, path: Path) -> Staged:
        """A file a producer wrote under tmp/ (same file system), hashed and synced."""
        return await anyio.to_thread.run_sync(_hash_and_sync, path)

    async def commit(self, staged: Staged) -> str:
        """Rename the temp file into place; returns the new blob's key. DiskFull when even the
        new folder's entry finds no room (the temp file is left to the caller)."""
        key = uuid.uuid4().hex
        target = self.path(key)
        with _full_is_disk_full():
            await anyio.to_thread.run_sync(_rename, staged.path, target)
        return key

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(lambda: self.path(key).unlink(missing_ok=True))

    def sweep(self, keep: set[str]) -> int:
        """Remove temp leftovers and objects no row refers to (a crash between a blob and its
        row). Run before serving; returns how many entries went."""
        removed = 0
        for entry in self.tmp.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink(missing_ok=True)
            removed += 1
        for entry in self.objects.glob("*/*"):
            if entry.name not in keep:
                entry.unlink(missing_ok=True)
                removed += 1
        return removed


class StagingWriter:
    """Hashes and counts as it writes; over the cap it raises TooLarge, on a full disk DiskFull,
    and either way keeps nothing."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path, self.max_bytes = path, max_bytes
        self.size = 0
        self._digest = hashlib.sha256()
        self._file: anyio.AsyncFile | None = None
        self._done: Staged | None = None

    async def __aenter__(self) -> StagingWriter:
        self._file = await anyio.open_file(self.path, "wb")
        return self

    async def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise TooLarge
        self._digest.update(chunk)
        with _full_is_disk_full():
            await self._file.write(chunk)  # type: ignore[union-attr]

    async def finish(self) -> Staged:
        assert self._file is not None
        with _full_is_disk_full():  # buffered bytes may find no room only now, or at the sync
            await self._file.flush()
            await anyio.to_thread.run_sync(os.fsync, self._file.wrapped.fileno())
        self._done = Staged(self.path, self.size, self._digest.hexdigest())
        return self._done

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self._file is not None:
                await self._file.aclose()
        except OSError:
            # Closing flushes the buffer, which fails again on a full disk (the file is closed
            # all the same); a file being thrown away needs none of its bytes.
            if self._done is not None:
                raise
        finally:
            if self._done is None:
                self.path.unlink(missing_ok=True)


@contextmanager
def _full_is_disk_full() -> Iterator[None]:
    """Re-raise an OSError that means "no room" as DiskFull; other errors pass unchanged."""
    try:
        yield
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFull(str(exc)) from exc
        raise


def _hash_and_sync(path: Path) -> Staged:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
        os.fsync(f.fileno())
    return Staged(path, size, digest.hexdigest())


def _rename(src: Path, dst: Path) -> None:
    dst.parent.mkdir(exist_ok=True)
    os.replace(src, dst)
    # The rename is durable only once the directory entry is.
    fd = os.open(dst.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
