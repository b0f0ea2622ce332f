"""Evals, their runs and output items in the database. A run's status changes are
compare-and-set (`move`), and an item is recorded with the run's new tallies in one transaction,
only while the run is in progress: a cancel and the runner never overwrite each other."""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import Select

from server.state.db import Database
from server.state.ownership import creator, only_visible, visible
from server.state.tables import EvalOutputItemRow, EvalRow, EvalRunRow


class EvalNotFound(LookupError):
    pass


class RunNotFound(LookupError):
    pass


class ItemNotFound(LookupError):
    pass


def new_id(prefix: str) -> str:
    """`prefix_<hex>`, the hex starting with the time in ns: lists in (created_at, id) order
    keep the order things were created in, also within one second."""
    return f"{prefix}_{time.time_ns():016x}{uuid.uuid4().hex[:16]}"


def output_item_id(run_id: str, index: int) -> str:
    """The same (run, item index) always names the same output item."""
    return "outputitem_" + hashlib.sha256(f"{run_id}:{index}".encode()).hexdigest()[:32]


def _after(query: Select, keys: tuple[InstrumentedAttribute, ...], cursor: tuple[Any, ...],
           order: str) -> Select:
    """Rows strictly past `cursor` in (key, id) order, either way."""
    (key, ident), (value, cursor_id) = keys, cursor
    if order == "desc":
        return query.where(or_(key < value, and_(key == value, ident < cursor_id)))
    return query.where(or_(key > value, and_(key == value, ident > cursor_id)))


def _ordered(query: Select, keys: tuple[InstrumentedAttribute, ...], order: str) -> Select:
    return query.order_by(*(k.desc() if order == "desc" else k.asc() for k in keys))


class EvalStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _page(self, query: Select, limit: int) -> tuple[list[Any], bool]:
        async with self.db.session() as session:
            rows = list((await session.scalars(query.limit(limit + 1))).all())
        return rows[:limit], len(rows) > limit

    # ---- evals ----------------------------------------------------------------------------

    async def create_eval(self, **values: Any) -> EvalRow:
        now = int(time.time())
        row = EvalRow(id=new_id("eval"), created_at=now, updated_at=now, owner=creator(),
                      **values)
        async with self.db.session() as session, session.begin():
            session.add(row)
        return row

    async def get_eval(self, eval_id: str) -> EvalRow:
        async with self.db.session() as session:
            row = await session.get(EvalRow, eval_id)
        if row is None or not visible(row):
            raise EvalNotFound(eval_id)
        return row

    async def list_evals(self, *, after: str | None, limit: int, order: str, order_by: str
                         ) -> tuple[list[EvalRow], bool]:
        keys = (getattr(EvalRow, order_by), EvalRow.id)
        query = only_visible(select(EvalRow), EvalRow)
        if after:
            cursor = await self.get_eval(after)
            query = _after(query, keys, (getattr(cursor, order_by), cursor.id), order)
        return await self._page(_ordered(query, keys, order), limit)

    async def update_eval(self, eval_id: str, **values: Any) -> EvalRow:
        async with self.db.session() as session, session.begin():
            row = await session.get(EvalRow, eval_id)
            if row is None or not visible(row):
                raise EvalNotFound(eval_id)
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = int(time.time())
        return row

    async def delete_eval(self, eval_id: str) -> list[str]:
        """The eval, its runs and their items; returns the runs' ids (the caller stops those
        still going)."""
        async with self.db.session() as session, session.begin():
            row = await session.get(EvalRow, eval_id)
            if row is None or not visible(row):
                raise EvalNotFound(eval_id)
            runs = list((await session.scalars(
                select(EvalRunRow.id).where(EvalRunRow.eval_id == eval_id))).all())
            await session.execute(delete(EvalOutputItemRow)
                                  .where(EvalOutputItemRow.eval_id == eval_id))
            await session.execute(delete(EvalRunRow).where(EvalRunRow.eval_id == eval_id))
            await session.execute(delete(EvalRow).where(EvalRow.id == eval_id))
        return runs

    # ---- runs -----------------------------------------------------------------------------

    async def create_run(self, **values: Any) -> EvalRunRow:
        row = EvalRunRow(id=new_id("evalrun"), created_at=int(time.time()),
                         status="queued", attempts=0, **values)
        async with self.db.session() as session, session.begin():
            session.add(row)
        return row

    async def get_run(self, run_id: str, eval_id: str | None = None) -> EvalRunRow:
        async with self.db.session() as session:
            row = await session.get(EvalRunRow, run_id)
        if row is None or (eval_id is not None and row.eval_id != eval_id):
            raise RunNotFound(run_id)
        return row

    async def list_runs(self, eval_id: str, *, after: str | None, limit: int, order: str,
                        status: str | None) -> tuple[list[EvalRunRow], bool]:
        keys = (EvalRunRow.created_at, EvalRunRow.id)
        query = select(EvalRunRow).where(EvalRunRow.eval_id == eval_id)
        if status:
            query = query.where(EvalRunRow.status == status)
        if after:
            cursor = await self.get_run(after, eval_id)
            query = _after(query, keys, (cursor.created_at, cursor.id), order)
        return await self._page(_ordered(query, keys, order), limit)

    async def runs_with_status(self, status: str) -> list[str]:
        """Oldest first: the order they were asked for."""
        query = (select(EvalRunRow.id).where(EvalRunRow.status == status)
                 .order_by(EvalRunRow.created_at, EvalRunRow.id))
        async with self.db.session() as session:
            return list((await session.scalars(query)).all())

    async def move(self, run_id: str, from_: tuple[str, ...], **values: Any) -> bool:
        """Set `values` only if the run is in one of `from_`; False if it had moved on."""
        async with self.db.session() as session, session.begin():
            result = await session.execute(
                update(EvalRunRow).where(EvalRunRow.id == run_id, EvalRunRow.status.in_(from_))
                .values(**values))
            return bool(result.rowcount)

    async def delete_run(self, run_id: str) -> None:
        async with self.db.session() as session, session.begin():
            await session.execute(delete(EvalOutputItemRow)
                                  .where(EvalOutputItemRow.run_id == run_id))
            await session.execute(delete(EvalRunRow).where(EvalRunRow.id == run_id))

    # ---- output items ---------------------------------------------------------------------

    async def record(self, item: EvalOutputItemRow, tally: dict[str, Any]) -> bool:
        """Add a graded item and the run's tallies with it, if the run is still in progress
        (False: it was cancelled or deleted meanwhile, and nothing is written)."""
        async with self.db.session() as session, session.begin():
            result = await session.execute(
                update(EvalRunRow).where(EvalRunRow.id == item.run_id,
                                         EvalRunRow.status == "in_progress")
                .values(tally=tally))
            if not result.rowcount:
                return False
            await session.merge(item)
        return True

    async def recorded(self, run_id: str) -> set[int]:
        """The indices of the items already graded (a resumed run skips them)."""
        query = (select(EvalOutputItemRow.datasource_item_id)
                 .where(EvalOutputItemRow.run_id == run_id))
        async with self.db.session() as session:
            return set((await session.scalars(query)).all())

    async def get_item(self, run_id: str, item_id: str) -> EvalOutputItemRow:
        async with self.db.session() as session:
            row = await session.get(EvalOutputItemRow, item_id)
        if row is None or row.run_id != run_id:
            raise ItemNotFound(item_id)
        return row

    async def list_items(self, run_id: str, *, after: str | None, limit: int, order: str,
                         status: str | None) -> tuple[list[EvalOutputItemRow], bool]:
        keys = (EvalOutputItemRow.datasource_item_id, EvalOutputItemRow.id)
        query = select(EvalOutputItemRow).where(EvalOutputItemRow.run_id == run_id)
        if status:
            query = query.where(EvalOutputItemRow.status == status)
        if after:
            cursor = await self.get_item(run_id, after)
            query = _after(query, keys, (cursor.datasource_item_id, cursor.id), order)
        return await self._page(_ordered(query, keys, order), limit)
