"""`GET /health`: liveness for anyone (`{"status": "ok"}`); for an admin (or the loopback operator
of a server without keys) also the model, the engine's load (running, waiting, KV blocks) and
the full fine-tuned models loaded, which name other keys' `ft:` models."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get
from litestar.datastructures import State

from engine.async_engine import AsyncEngine
from server.auth import PUBLIC, provide_principal


@get("/health", summary="Health and engine load", opt=PUBLIC)
async def health(request: Request[Any, Any, Any], engine: AsyncEngine,
                 state: State) -> dict[str, Any]:
    if not provide_principal(request).is_admin:
        return {"status": "ok"}
    # A plain dict: every counter the engine reports passes through as it grows.
    stats = msgspec.structs.asdict(engine.stats())
    # full_models: the full fine-tuned models loaded now, least recently used first.
    return {"status": "ok", "model": engine.model_name, **stats,
            "full_models": state.models.loaded()}
