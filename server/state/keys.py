"""API keys: created with a scope (admin or user), shown once, stored as a SHA-256 digest,
looked up by digest and compared in constant time; revoked keys keep their row."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid

from sqlalchemy import select, update

from server.state.db import Database
from server.state.tables import APIKeyRow

SCOPES = ("admin", "user")
KEY_PREFIX = "hl-"


class KeyNotFound(LookupError):
    pass


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class KeyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

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
        async with self.db.session() as session, session.begin():
            row = await session.get(APIKeyRow, key_id)
            if row is None:
                raise KeyNotFound(key_id)
            if row.revoked_at is None:
                row.revoked_at = int(time.time())
        return row

    async def any_active(self) -> bool:
        """Whether auth is on: once any key exists, every route but /health needs one."""
        query = select(APIKeyRow.id).where(APIKeyRow.revoked_at.is_(None)).limit(1)
        async with self.db.session() as session:
            return (await session.scalar(query)) is not None

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
