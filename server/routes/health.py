"""`GET /health`: liveness plus the engine's load (running, waiting, KV blocks) for operators."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import get

from engine.async_engine import AsyncEngine
from server.auth import PUBLIC


@get("/health", summary="Health and engine load", opt=PUBLIC)
async def health(engine: AsyncEngine) -> dict[str, Any]:
    # A plain dict: every counter the engine reports passes through as it grows.
    stats = msgspec.structs.asdict(engine.stats())
    return {"status": "ok", "model": engine.model_name, **stats}
