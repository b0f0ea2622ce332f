"""API keys: created with a scope (admin or user), shown once, stored as a SHA-256 digest,
looked up by digest and compared in constant time; revoked keys keep their row, so once a key
was ever made authentication stays on, and the last active admin key cannot be revoked."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid

from sqlalchemy import exists, select, update
from sqlalchemy.orm import aliased

from server.state.db import Database
from server.state.tables import APIKeyRow

SCOPES = ("admin", "user")
KEY_PREFIX = "hl-"
_ACTIVE_ADMIN = (APIKeyRow.scope == "admin", APIKeyRow.revoked_at.is_(None))


class KeyNotFound(LookupError):
    pass


class LastAdminKey(Exception):
    """Revoking this key would leave no active admin key: nobody could manage keys again."""


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class KeyStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._ever = False  # a key row was seen: authentication is on for good

    async def create(self, *, name: str, scope: str) -> tuple[APIKeyRow, str]:
        """The new row and the key itself, which is not stored and cannot be shown again."""
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        row = APIKeyRow(id=f"key_{uuid.uuid4().hex[:24]}", name=name, scope=scope,
                        key_hash=digest(key), prefix=key[:8], created_at=int(time.time()))
        async with self.db.session() as session, session.begin():
            session.add(row)
        return row, key

    async def list(self) -> list[APIKeyRow]:
        async with self.db.session() as session:
            query = select(APIKeyRow).order_by(APIKeyRow.created_at, APIKeyRow.id)
            return list((await session.scalars(query)).all())

    async def revoke(self, key_id: str) -> APIKeyRow:
        """Revoke a key (again: a no-op); LastAdminKey if it is the last active admin key."""
        async with self.db.session() as session, session.begin():
            if self.db.engine.dialect.name != "sqlite":
                # Lock the active admin rows, so that revocations of the last two admin keys
                # run one after the other. SQLite runs one writer at a time, and a read first
                # would pin a snapshot that the UPDATE below could not write from.
                await session.execute(select(APIKeyRow.id).where(*_ACTIVE_ADMIN)
                                      .with_for_update())
            other = aliased(APIKeyRow)  # not correlated with the row being updated
            other_admin = exists().where(other.scope == "admin", other.revoked_at.is_(None),
                                         other.id != key_id)
            # One conditional UPDATE: the check and the write cannot be split by another writer.
            done = await session.execute(
                update(APIKeyRow)
                .where(APIKeyRow.id == key_id, APIKeyRow.revoked_at.is_(None),
                       (APIKeyRow.scope != "admin") | other_admin)
                .values(revoked_at=int(time.time())))
            row = await session.get(APIKeyRow, key_id, populate_existing=True)
        if row is None:
            raise KeyNotFound(key_id)
        if done.rowcount == 0 and row.revoked_at is None:
            raise LastAdminKey(key_id)
        return row

    async def auth_enabled(self) -> bool:
        """Whether callers need a key: yes once any key was ever made, revoked or not (rows are
        never deleted), so revoking keys never turns authentication off. Once true it is
        remembered: nothing in the database makes it false again."""
        if not self._ever:
            async with self.db.session() as session:
                self._ever = (await session.scalar(select(APIKeyRow.id).limit(1))) is not None
        return self._ever

    async def authenticate(self, key: str) -> APIKeyRow | None:
        """The active key's row, or None. The lookup is by digest; the final comparison is
        constant-time so response timing says nothing about how much of a key matched."""
        wanted = digest(key)
        async with self.db.session() as session:
            row = await session.scalar(select(APIKeyRow).where(APIKeyRow.key_hash == wanted))
        if row is None or row.revoked_at is not None:
            return None
        return row if hmac.compare_digest(row.key_hash, wanted) else None

    async def touch(self, key_id: str) -> None:
        async with self.db.session() as session, session.begin():
            await session.execute(update(APIKeyRow).where(APIKeyRow.id == key_id)
                                  .values(last_used_at=int(time.time())))
