"""Where state lives: the data directory (`HANLIN_HOME`, default `~/.hanlin`), the database URL
(`HANLIN_DATABASE_URL`, default a SQLite file in the data directory) and upload limits."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

DEFAULT_HOME = "~/.hanlin"
# OpenAI's own cap for one file is 512 MB.
DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024


class StateConfig(msgspec.Struct, frozen=True, kw_only=True):
    home: str = DEFAULT_HOME
    database_url: str | None = None  # None: sqlite+aiosqlite:///<home>/hanlin.db
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    clean_workers: int = 1  # datapipe worker processes per cleaning job
    max_concurrent_cleanings: int = 1

    @property
    def home_path(self) -> Path:
        return Path(self.home).expanduser()

    @property
    def blob_root(self) -> Path:
        return self.home_path / "blobs"

    @property
    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.home_path / 'hanlin.db'}"

    @classmethod
    def from_env(cls) -> StateConfig:
        env = os.environ
        return cls(
            home=env.get("HANLIN_HOME", DEFAULT_HOME),
            database_url=env.get("HANLIN_DATABASE_URL") or None,
            max_file_bytes=int(env.get("HANLIN_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES)),
            clean_workers=int(env.get("HANLIN_CLEAN_WORKERS", "1")),
            max_concurrent_cleanings=int(env.get("HANLIN_MAX_CONCURRENT_CLEANINGS", "1")),
        )
