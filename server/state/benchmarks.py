"""Benchmark runs in the database. Status changes are compare-and-set (`move`, `finish`), so a
cancel and the runner never overwrite each other; reads see only the caller's own runs."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.state.db import Database
from server.state.evals import new_id
from server.state.ownership import creator, only_visible, visible
from server.state.tables import BenchmarkRunRow


class BenchmarkRunNotFound(LookupError):
    pass


class BenchmarkStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, **values: Any) -> BenchmarkRunRow:
        row = BenchmarkRunRow(id=new_id("benchrun"), created_at=int(time.time()),
                              status="queued", attempts=0, owner=creator(), **values)
        async with self.db.session() as session, session.begin():
            session.add(row)
        return row

    async def get(self, run_id: str) -> BenchmarkRunRow:
        async with self.db.session() as session:
            row = await session.get(BenchmarkRunRow, run_id)
        if row is None or not visible(row):
            raise BenchmarkRunNotFound(run_id)
        return row

    async def list(self, *, after: str | None, limit: int, order: str, status: str | None
                   ) -> tuple[list[BenchmarkRunRow], bool]:
        """One page in (created_at, id) order; `after` is the previous page's last id."""
        key, ident = BenchmarkRunRow.created_at, BenchmarkRunRow.id
        query = only_visible(select(BenchmarkRunRow), BenchmarkRunRow)
        if status:
            query = query.where(BenchmarkRunRow.status == status)
        if after:
            cursor = await self.get(after)
            if order == "desc":
                query = query.where(or_(key < cursor.created_at,
                                        and_(key == cursor.created_at, ident < cursor.id)))
            else:
                query = query.where(or_(key > cursor.created_at,
                                        and_(key == cursor.created_at, ident > cursor.id)))
        keys = (key.desc(), ident.desc()) if order == "desc" else (key.asc(), ident.asc())
        async with self.db.session() as session:
            rows = list((await session.scalars(query.order_by(*keys).limit(limit + 1))).all())
        return rows[:limit], len(rows) > limit

    async def runs_with_status(self, status: str) -> list[str]:
        """Oldest first: the order they were asked for."""
        query = (select(BenchmarkRunRow.id).where(BenchmarkRunRow.status == status)
                 .order_by(BenchmarkRunRow.created_at, BenchmarkRunRow.id))
        async with self.db.session() as session:
            return list((await session.scalars(query)).all())

    async def move(self, run_id: str, from_: tuple[str, ...], **values: Any) -> bool:
        """Set `values` only if the run is in one of `from_`; False if it had moved on."""
        async with self.db.session() as session, session.begin():
            return await self.move_in(session, run_id, from_, **values)

    @staticmethod
    async def move_in(session: AsyncSession, run_id: str, from_: tuple[str, ...],
                     **values: Any) -> bool:
        """`move` inside a caller's transaction (the one that registers the report files)."""
        result = await session.execute(
            update(BenchmarkRunRow)
            .where(BenchmarkRunRow.id == run_id, BenchmarkRunRow.status.in_(from_))
            .values(**values))
        return bool(result.rowcount)
