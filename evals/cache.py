"""The response cache: a SQLite file mapping a request's hash (URL + canonical JSON body) to the
server's JSON answer, committed as each answer arrives, so an interrupted run resumes without
asking again. Only successful answers are kept."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import aiosqlite


def request_key(url: str, body: dict) -> str:
    """sha256 of the full URL and the body with sorted keys (the API key is not part of it)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{url}\n{canonical}".encode()).hexdigest()


class ResponseCache:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self.hits = 0
        self.misses = 0

    @classmethod
    async def open(cls, path: str | Path) -> ResponseCache:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path)
        await db.execute("PRAGMA journal_mode=WAL")  # a reader (another run) never blocks us
        await db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, "
                         "body BLOB NOT NULL, created_at REAL NOT NULL)")
        await db.commit()
        return cls(db)

    async def get(self, key: str) -> bytes | None:
        async with self._db.execute("SELECT body FROM responses WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return row[0]

    async def put(self, key: str, body: bytes) -> None:
        await self._db.execute("INSERT OR REPLACE INTO responses (key, body, created_at) "
                               "VALUES (?, ?, ?)", (key, body, time.time()))
        await self._db.commit()

    async def close(self) -> None:
        await self._db.close()
