"""Datasets: the rows of cleaning runs and their state changes (queued -> running -> succeeded
or failed). Each change is one short transaction; the runner in `server.jobs` drives them."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import and_, or_, select, update

from server.state.db import Database
from server.state.ownership import creator, only_visible, visible
from server.state.tables import DatasetRow


class DatasetNotFound(LookupError):
    pass


class DatasetStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, *, file_id: str, pipeline: str,
                     overrides: dict[str, dict[str, Any]]) -> DatasetRow:
        row = DatasetRow(id=f"ds-{uuid.uuid4().hex[:24]}", created_at=int(time.time()),
                         pipeline=pipeline, input_file_id=file_id, overrides=overrides,
                         status="queued", progress=0.0, attempts=0, owner=creator())
        async with self.db.session() as session, session.begin():
            session.add(row)
        return row

    async def get(self, dataset_id: str) -> DatasetRow:
        async with self.db.session() as session:
            row = await session.get(DatasetRow, dataset_id)
        if row is None or not visible(row):
            raise DatasetNotFound(dataset_id)
        return row

    async def list(self, *, after: str | None, limit: int) -> tuple[list[DatasetRow], bool]:
        """Newest first; `after` is the last id of the previous page."""
        query = only_visible(select(DatasetRow), DatasetRow)
        if after:
            cursor = await self.get(after)
            query = query.where(or_(DatasetRow.created_at < cursor.created_at,
                                    and_(DatasetRow.created_at == cursor.created_at,
                                         DatasetRow.id < cursor.id)))
        query = query.order_by(DatasetRow.created_at.desc(), DatasetRow.id.desc())
        async with self.db.session() as session:
            rows = list((await session.scalars(query.limit(limit + 1))).all())
        return rows[:limit], len(rows) > limit

    async def pending(self) -> list[str]:
        """Queued datasets, oldest first (the order they were asked for)."""
        query = (select(DatasetRow.id).where(DatasetRow.status == "queued")
                 .order_by(DatasetRow.created_at, DatasetRow.id))
        async with self.db.session() as session:
            return list((await session.scalars(query)).all())

    async def requeue_interrupted(self, max_attempts: int) -> tuple[list[str], list[str]]:
        """After a restart: runs that were cut off go back to the queue, or fail once they have
        been tried `max_attempts` times. Returns (requeued, failed)."""
        async with self.db.session() as session, session.begin():
            rows = (await session.scalars(
                select(DatasetRow).where(DatasetRow.status == "running"))).all()
            requeued, failed = [], []
            for row in rows:
                if row.attempts >= max_attempts:
                    row.status, row.finished_at = "failed", int(time.time())
                    row.error_code = "interrupted"
                    row.error_message = (f"The server stopped during cleaning {row.attempts} "
                                         "times; the input file is intact.")
                    failed.append(row.id)
                else:
                    row.status, row.progress = "queued", 0.0
                    requeued.append(row.id)
        return requeued, failed

    async def update(self, dataset_id: str, **values: Any) -> None:
        async with self.db.session() as session, session.begin():
            await session.execute(
                update(DatasetRow).where(DatasetRow.id == dataset_id).values(**values))

    async def start(self, dataset_id: str) -> DatasetRow:
        async with self.db.session() as session, session.begin():
            row = await session.get(DatasetRow, dataset_id)
            if row is None:
                raise DatasetNotFound(dataset_id)
            row.status, row.progress = "running", 0.0
            row.started_at, row.attempts = int(time.time()), row.attempts + 1
        return row

    async def fail(self, dataset_id: str, code: str, message: str) -> None:
        await self.update(dataset_id, status="failed", error_code=code, error_message=message,
                          finished_at=int(time.time()))
