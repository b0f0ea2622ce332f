"""The state layer on a real SQLite file and a real PostgreSQL server (same code, a different URL),
no HTTP: migrations agree with the tables, blobs are never half written, files page stably, and
a failed registration leaves nothing behind."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from server.state.blobs import BlobStore, TooLarge
from server.state.datasets import DatasetStore
from server.state.db import Database
from server.state.files import FileInUse, FileNotFound, FileStore
from server.state.tables import Base, FileRow
from tests.server.postgres import temporary_postgres


async def _chunks(*parts: bytes):
    for part in parts:
        yield part


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with temporary_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same state code on both databases; PostgreSQL gets a fresh schema per test."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'state.db'}"
    url = request.getfixturevalue("postgres_url")
    reset = create_async_engine(url)

    async def drop() -> None:
        async with reset.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await reset.dispose()

    asyncio.run(drop())
    return url


@pytest.fixture
async def stores(tmp_path: Path, database_url: str):
    db = await Database.open(database_url)
    blobs = BlobStore(tmp_path / "blobs")
    yield FileStore(db, blobs), DatasetStore(db), blobs
    await db.close()


async def test_migrations_match_the_tables(database_url: str) -> None:
    db = await Database.open(database_url)
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    await db.close()
    assert diff == [], f"tables.py and migrations/versions disagree; add a revision: {diff}"


async def test_migrate_twice_is_a_no_op(database_url: str) -> None:
    for _ in range(2):
        db = await Database.open(database_url)
        await db.close()


async def test_file_round_trip_and_delete(stores) -> None:
    files, _, blobs = stores
    row = await files.create_from_stream(_chunks(b"a\n", b"b\n"), filename="x.jsonl",
                                         purpose="fine-tune", max_bytes=100)
    assert row.bytes == 4
    assert files.content_path(row).read_bytes() == b"a\nb\n"
    assert (await files.get(row.id)).sha256 == row.sha256
    await files.delete(row.id)
    assert not files.content_path(row).exists()
    with pytest.raises(FileNotFound):
        await files.get(row.id)


async def test_over_the_cap_keeps_nothing(stores) -> None:
    files, _, blobs = stores
    with pytest.raises(TooLarge):
        await files.create_from_stream(_chunks(b"x" * 60, b"x" * 60), filename="big",
                                       purpose="batch", max_bytes=100)
    assert list(blobs.tmp.iterdir()) == []
    assert list(blobs.objects.glob("*/*")) == []


async def test_failed_registration_removes_its_blobs(stores) -> None:
    files, _, blobs = stores
    staged = await blobs.stage(_chunks(b"data"), 100)

    async def fail(session, rows) -> None:  # noqa: ANN001
        raise RuntimeError("the dataset update failed")

    with pytest.raises(RuntimeError):
        await files.create_many([(staged, "out.jsonl", "fine-tune")], then=fail)
    assert list(blobs.objects.glob("*/*")) == []
    async with files.db.session() as session:
        assert (await session.scalars(select(FileRow))).all() == []


async def test_sweep_removes_orphans_and_temp_leftovers(stores) -> None:
    files, _, blobs = stores
    kept = await files.create_from_stream(_chunks(b"keep"), filename="k", purpose="evals",
                                          max_bytes=100)
    orphan = await blobs.commit(await blobs.stage(_chunks(b"orphan"), 100))  # no row: a crash
    (blobs.tmp / "upload-half").write_bytes(b"half a file")
    assert await files.sweep() == 2
    assert files.content_path(kept).read_bytes() == b"keep"
    assert not blobs.path(orphan).exists()


async def test_pages_are_stable_at_equal_timestamps(stores) -> None:
    files, _, _ = stores
    made = [await files.create_from_stream(_chunks(b"x"), filename=f"f{i}", purpose="batch",
                                           max_bytes=10) for i in range(7)]
    for order in ("asc", "desc"):
        seen, after = [], None
        while True:
            rows, more = await files.list(after=after, limit=3, order=order, purpose=None)
            seen += [r.id for r in rows]
            if not more:
                break
            after = rows[-1].id
        assert sorted(seen) == sorted(r.id for r in made) and len(seen) == len(set(seen))
        assert seen == sorted(seen, key=lambda i: (next(r.created_at for r in made if r.id == i),
                                                   i), reverse=order == "desc")


async def test_a_file_being_cleaned_cannot_be_deleted(stores) -> None:
    files, datasets, _ = stores
    row = await files.create_from_stream(_chunks(b"{}\n"), filename="in.jsonl",
                                         purpose="fine-tune", max_bytes=10)
    ds = await datasets.create(file_id=row.id, pipeline="text", overrides={})
    with pytest.raises(FileInUse):
        await files.delete(row.id)
    await datasets.fail(ds.id, "test", "done with it")
    await files.delete(row.id)


async def test_interrupted_runs_are_requeued_then_failed(stores) -> None:
    files, datasets, _ = stores
    ds = await datasets.create(file_id="file-x", pipeline="text", overrides={})
    for attempt in range(1, 4):
        await datasets.start(ds.id)  # a run that a restart cuts off
        requeued, failed = await datasets.requeue_interrupted(max_attempts=3)
        if attempt < 3:
            assert requeued == [ds.id] and (await datasets.get(ds.id)).status == "queued"
    assert failed == [ds.id]
    row = await datasets.get(ds.id)
    assert row.status == "failed" and row.error_code == "interrupted"
    assert "input file is intact" in (row.error_message or "")
