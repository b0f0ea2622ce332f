"""`GET /health`: liveness plus the engine's load (running, waiting, KV blocks) and the full
fine-tuned models loaded, for operators."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import get
from litestar.datastructures import State

from engine.async_engine import AsyncEngine
from server.auth import PUBLIC


@get("/health", summary="Health and engine load", opt=PUBLIC)
async def health(engine: AsyncEngine, state: State) -> dict[str, Any]:
    # A plain dict: every counter the engine reports passes through as it grows.
    stats = msgspec.structs.asdict(engine.stats())
    # full_models: the full fine-tuned models loaded now, least recently used first.
    return {"status": "ok", "model": engine.model_name, **stats,
            "full_models": state.models.loaded()}
