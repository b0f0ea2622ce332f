"""Fine-tuning jobs in the database: the job rows and their state changes, events and checkpoints,
and the models they made (a succeeded job's and its checkpoints', until deleted). Status changes
are compare-and-set (`move`), so a cancel and a worker never overwrite each other.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, update

from server.redact import public_message
from server.state.db import Database
from server.state.ownership import creator, only_visible, visible
from server.state.tables import FineTuneCheckpointRow, FineTuneEventRow, FineTuneJobRow

ACTIVE = ("validating_files", "queued", "running")
EVENT_PREFIX = "ftevent-"


class JobNotFound(LookupError):
    pass


def event_id(row: FineTuneEventRow) -> str:
    return f"{EVENT_PREFIX}{row.seq}"


def event_seq(public_id: str) -> int | None:
    number = public_id.removeprefix(EVENT_PREFIX)
    return int(number) if public_id.startswith(EVENT_PREFIX) and number.isdigit() else None


@dataclass(frozen=True)
class FineTunedModel:
    """A model a succeeded job made: its final result (checkpoint_id None; the adapter or the
    merged weights are in the runner's model folder) or one of its checkpoints (adapter_path:
    the folder the trainer wrote for it, an adapter or a full fine-tune's merged weights)."""

    id: str
    parent: str  # the base model, as the job named it
    created: int
    job_id: str
    checkpoint_id: str | None = None
    adapter_path: str | None = None
    owner: str | None = None  # the job's: the key that made it (server.model_access.Access)
    visibility: str = "private"  # a checkpoint's own, else its job's


def root_model(model: str) -> str:
    """The base model under a model name: "ft:base:suffix:job" -> "base" (a job may start from a
    full fine-tune); a fine-tuned model is named after its root."""
    return model.split(":")[1] if model.startswith("ft:") else model


def checkpoint_model_id(job: FineTuneJobRow, step: int) -> str:
    """A checkpoint's model id, as the checkpoints list shows it (`fine_tuned_model_checkpoint`)."""
    return f"ft:{root_model(job.model)}:{job.suffix or 'hanlin'}:{job.id}:ckpt-step-{step}"


class FineTuneStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._watchers: list[Callable[[], Awaitable[None]]] = []

    def watch(self, on_models_changed: Callable[[], Awaitable[None]]) -> None:
        """Call back (awaited) whenever the set of fine-tuned models may have changed."""
        self._watchers.append(on_models_changed)

    async def models_changed(self) -> None:
        for watcher in self._watchers:
            await watcher()

    async def fine_tuned_models(self) -> list[FineTunedModel]:
        """Every model of a succeeded job not deleted yet, oldest job first: the job's own, then
        its checkpoints by step."""
        jobs_query = (select(FineTuneJobRow)
                      .where(FineTuneJobRow.status == "succeeded",
                             FineTuneJobRow.fine_tuned_model.is_not(None))
                      .order_by(FineTuneJobRow.finished_at, FineTuneJobRow.id))
        async with self.db.session() as session:
            jobs = list((await session.scalars(jobs_query)).all())
            checkpoints = list((await session.scalars(
                select(FineTuneCheckpointRow)
                .where(FineTuneCheckpointRow.job_id.in_([j.id for j in jobs]),
                       FineTuneCheckpointRow.adapter_path.is_not(None),
                       FineTuneCheckpointRow.deleted_at.is_(None))
                .order_by(FineTuneCheckpointRow.step))).all())
        out = []
        for job in jobs:
            if job.model_deleted_at is None:
                out.append(FineTunedModel(id=job.fine_tuned_model or "", parent=job.model,
                                          created=job.finished_at or job.created_at,
                                          job_id=job.id, owner=job.owner,
                                          visibility=job.visibility))
            out += [FineTunedModel(id=checkpoint_model_id(job, c.step), parent=job.model,
                                   created=c.created_at, job_id=job.id, checkpoint_id=c.id,
                                   adapter_path=c.adapter_path, owner=job.owner,
                                   visibility=c.visibility or job.visibility)
                    for c in checkpoints if c.job_id == job.id]
        return out

    async def delete_model(self, model: FineTunedModel) -> bool:
        """Mark the model deleted (the job and checkpoint records stay); False if it already was."""
        if model.checkpoint_id is None:
            table, key, column = FineTuneJobRow, model.job_id, FineTuneJobRow.model_deleted_at
        else:
            table, key = FineTuneCheckpointRow, model.checkpoint_id
            column = FineTuneCheckpointRow.deleted_at
        async with self.db.session() as session, session.begin():
            result = await session.execute(
                update(table).where(table.id == key, column.is_(None))
                .values({column.key: int(time.time())}))
        return bool(result.rowcount)

    async def set_visibility(self, model: FineTunedModel, visibility: str) -> None:
        """A job's model: the job's column (its checkpoints that have none of their own follow
        it); a checkpoint: its own."""
        table = FineTuneJobRow if model.checkpoint_id is None else FineTuneCheckpointRow
        key = model.job_id if model.checkpoint_id is None else model.checkpoint_id
        async with self.db.session() as session, session.begin():
            await session.execute(update(table).where(table.id == key)
                                  .values(visibility=visibility))

    async def create(self, **values: Any) -> FineTuneJobRow:
        row = FineTuneJobRow(id=f"ftjob-{uuid.uuid4().hex[:24]}", created_at=int(time.time()),
                             status="validating_files", attempts=0, result_files=[],
                             last_step=0, owner=creator(), **values)
        async with self.db.session() as session, session.begin():
            session.add(row)
            session.add(_event(row.id, f"Created fine-tuning job: {row.id}"))
        return row

    async def get(self, job_id: str) -> FineTuneJobRow:
        async with self.db.session() as session:
            row = await session.get(FineTuneJobRow, job_id)
        if row is None or not visible(row):
            raise JobNotFound(job_id)
        return row

    async def list(self, *, after: str | None, limit: int) -> tuple[list[FineTuneJobRow], bool]:
        """Newest first; `after` is the last id of the previous page."""
        query = only_visible(select(FineTuneJobRow), FineTuneJobRow)
        if after:
            cursor = await self.get(after)
            query = query.where(or_(FineTuneJobRow.created_at < cursor.created_at,
                                    and_(FineTuneJobRow.created_at == cursor.created_at,
                                         FineTuneJobRow.id < cursor.id)))
        query = query.order_by(FineTuneJobRow.created_at.desc(), FineTuneJobRow.id.desc())
        async with self.db.session() as session:
            rows = list((await session.scalars(query.limit(limit + 1))).all())
        return rows[:limit], len(rows) > limit

    async def with_status(self, status: str) -> list[str]:
        """Ids in `status`, oldest first (the order they were asked for)."""
        query = (select(FineTuneJobRow.id).where(FineTuneJobRow.status == status)
                 .order_by(FineTuneJobRow.created_at, FineTuneJobRow.id))
        async with self.db.session() as session:
            return list((await session.scalars(query)).all())

    async def move(self, job_id: str, from_: tuple[str, ...], event: str | None = None,
                   level: str = "info", **values: Any) -> bool:
        """Set `values` only if the job is in one of `from_`; with an event, in one transaction.
        False: the job had moved on (e.g. it was cancelled meanwhile)."""
        async with self.db.session() as session, session.begin():
            result = await session.execute(
                update(FineTuneJobRow)
                .where(FineTuneJobRow.id == job_id, FineTuneJobRow.status.in_(from_))
                .values(**values))
            if result.rowcount and event is not None:
                session.add(_event(job_id, event, level=level))
            return bool(result.rowcount)

    async def update(self, job_id: str, **values: Any) -> None:
        async with self.db.session() as session, session.begin():
            await session.execute(
                update(FineTuneJobRow).where(FineTuneJobRow.id == job_id).values(**values))

    async def fail(self, job_id: str, code: str, message: str, param: str | None = None) -> bool:
        message = public_message(message)  # a child's error line may name a server file
        return await self.move(job_id, ACTIVE, f"Fine-tuning job failed: {message}", "error",
                               status="failed", error_code=code, error_message=message,
                               error_param=param, finished_at=int(time.time()),
                               estimated_finish=None)

    async def add_event(self, job_id: str, message: str, *, level: str = "info",
                        type: str = "message", data: dict[str, Any] | None = None) -> None:
        async with self.db.session() as session, session.begin():
            session.add(_event(job_id, message, level=level, type=type, data=data))

    async def events(self, job_id: str, *, after: str | None, limit: int
                     ) -> tuple[list[FineTuneEventRow], bool]:
        """Newest first, as OpenAI lists them; `after` is the last event id of the previous page."""
        query = select(FineTuneEventRow).where(FineTuneEventRow.job_id == job_id)
        if after:
            seq = event_seq(after)
            if seq is None:
                raise ValueError(after)
            query = query.where(FineTuneEventRow.seq < seq)
        query = query.order_by(FineTuneEventRow.seq.desc()).limit(limit + 1)
        async with self.db.session() as session:
            rows = list((await session.scalars(query)).all())
        return rows[:limit], len(rows) > limit

    async def add_checkpoint(self, job_id: str, *, step: int, metrics: dict[str, Any],
                             path: str, adapter_path: str | None) -> FineTuneCheckpointRow:
        row = FineTuneCheckpointRow(id=f"ftckpt-{uuid.uuid4().hex[:24]}", job_id=job_id,
                                    created_at=int(time.time()), step=step, metrics=metrics,
                                    path=path, adapter_path=adapter_path)
        async with self.db.session() as session, session.begin():
            session.add(row)
        return row

    async def checkpoints(self, job_id: str, *, after: str | None, limit: int
                          ) -> tuple[list[FineTuneCheckpointRow], bool]:
        """Newest (highest step) first; `after` is the last checkpoint id of the previous page."""
        query = select(FineTuneCheckpointRow).where(FineTuneCheckpointRow.job_id == job_id)
        async with self.db.session() as session:
            if after:
                cursor = await session.get(FineTuneCheckpointRow, after)
                if cursor is None or cursor.job_id != job_id:
                    raise ValueError(after)
                query = query.where(or_(FineTuneCheckpointRow.step < cursor.step,
                                        and_(FineTuneCheckpointRow.step == cursor.step,
                                             FineTuneCheckpointRow.id < cursor.id)))
            query = query.order_by(FineTuneCheckpointRow.step.desc(),
                                   FineTuneCheckpointRow.id.desc()).limit(limit + 1)
            rows = list((await session.scalars(query)).all())
        return rows[:limit], len(rows) > limit


def _event(job_id: str, message: str, *, level: str = "info", type: str = "message",
           data: dict[str, Any] | None = None) -> FineTuneEventRow:
    return FineTuneEventRow(job_id=job_id, created_at=int(time.time()), level=level, type=type,
                            message=message, data=data)
