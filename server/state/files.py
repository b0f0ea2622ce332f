"""Files: a row per blob. Create commits the blob first, then the row; delete removes the row
first, then the blob; so a crash at any point leaves at worst an orphan blob, swept at start."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.state.blobs import BlobStore, Staged
from server.state.db import Database
from server.state.ownership import creator, only_visible, visible
from server.state.tables import DatasetRow, FileRow

PURPOSES = ("fine-tune", "batch", "evals", "user_data")
Then = Callable[[AsyncSession, list[FileRow]], Awaitable[None]]


class FileNotFound(LookupError):
    pass


class FileInUse(Exception):
    """A queued or running dataset reads this file."""


CALLER: Any = object()  # create_many's default owner: the caller of the current request


class FileStore:
    def __init__(self, db: Database, blobs: BlobStore) -> None:
        self.db = db
        self.blobs = blobs

    async def create(self, staged: Staged, *, filename: str, purpose: str,
                     owner: str | None = CALLER) -> FileRow:
        return (await self.create_many([(staged, filename, purpose)], owner=owner))[0]

    async def create_many(self, staged: list[tuple[Staged, str, str]], then: Then | None = None,
                          *, owner: str | None = CALLER) -> list[FileRow]:
        """Register (blob, filename, purpose) triples in one transaction, with `then` run inside
        it (e.g. the dataset that produced them marked succeeded). A job's outputs belong to the
        job's owner; a request's uploads to its caller."""
        owner = creator() if owner is CALLER else owner
        rows = []
        for blob, filename, purpose in staged:
            key = await self.blobs.commit(blob)
            rows.append(FileRow(id=f"file-{uuid.uuid4().hex[:24]}", filename=filename,
                                purpose=purpose, bytes=blob.size, created_at=int(time.time()),
                                blob_key=key, sha256=blob.sha256, owner=owner))
        try:
            async with self.db.session() as session, session.begin():
                session.add_all(rows)
                await session.flush()
                if then is not None:
                    await then(session, rows)
        except BaseException:
            for row in rows:
                await self.blobs.delete(row.blob_key)
            raise
        return rows

    async def create_from_stream(self, chunks: AsyncIterator[bytes], *, filename: str,
                                 purpose: str, max_bytes: int,
                                 owner: str | None = CALLER) -> FileRow:
        staged = await self.blobs.stage(chunks, max_bytes)
        return await self.create(staged, filename=filename, purpose=purpose, owner=owner)

    async def get(self, file_id: str) -> FileRow:
        async with self.db.session() as session:
            row = await session.get(FileRow, file_id)
        if row is None or not visible(row):
            raise FileNotFound(file_id)
        return row

    def content_path(self, row: FileRow) -> Path:
        return self.blobs.path(row.blob_key)

    async def list(self, *, after: str | None, limit: int, order: str,
                   purpose: str | None) -> tuple[list[FileRow], bool]:
        """One page, newest first for order "desc"; `after` is the last id of the previous page."""
        query = only_visible(select(FileRow), FileRow)
        if purpose:
            query = query.where(FileRow.purpose == purpose)
        if after:
            cursor = await self.get(after)
            if order == "desc":
                query = query.where(or_(FileRow.created_at < cursor.created_at,
                                        and_(FileRow.created_at == cursor.created_at,
                                             FileRow.id < cursor.id)))
            else:
                query = query.where(or_(FileRow.created_at > cursor.created_at,
                                        and_(FileRow.created_at == cursor.created_at,
                                             FileRow.id > cursor.id)))
        keys = (FileRow.created_at, FileRow.id)
        query = query.order_by(*(k.desc() if order == "desc" else k.asc() for k in keys))
        async with self.db.session() as session:
            rows = list((await session.scalars(query.limit(limit + 1))).all())
        return rows[:limit], len(rows) > limit

    async def delete(self, file_id: str) -> None:
        async with self.db.session() as session, session.begin():
            row = await session.get(FileRow, file_id)
            if row is None or not visible(row):
                raise FileNotFound(file_id)
            busy = await session.scalar(
                select(DatasetRow.id).where(DatasetRow.input_file_id == file_id,
                                            DatasetRow.status.in_(("queued", "running"))))
            if busy is not None:
                raise FileInUse(busy)
            await session.execute(delete(FileRow).where(FileRow.id == file_id))
        await self.blobs.delete(row.blob_key)

    async def sweep(self) -> int:
        """Drop blobs that no row names and temp leftovers of interrupted writes."""
        async with self.db.session() as session:
            keys = set((await session.scalars(select(FileRow.blob_key))).all())
        return self.blobs.sweep(keys)
