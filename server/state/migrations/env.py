"""Alembic environment: migrations run on the connection `Database.migrate` hands over, or on
`HANLIN_DATABASE_URL` / the default SQLite file when run from the `alembic` command line."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from server.state.tables import Base

target_metadata = Base.metadata


def _run(connection) -> None:  # noqa: ANN001
    # render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead.
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_env() -> None:
    from server.state.config import StateConfig

    config = StateConfig.from_env()
    config.home_path.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(config.url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_from_env())
