"""`GET /health`: liveness for anyone (`{"status": "ok"}`); for an admin (or the loopback operator
of a server without keys) also the model, the engine's load (running, waiting, KV blocks) and
the other models loaded (which name other keys' `ft:` models)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get
from litestar.datastructures import State

from engine.protocol import EngineClient
from server.auth import PUBLIC, provide_principal


@get("/health", summary="Health and engine load", opt=PUBLIC)
async def health(request: Request[Any, Any, Any], engine: EngineClient,
                 state: State) -> dict[str, Any]:
    if not provide_principal(request).is_admin:
        return {"status": "ok"}
    # A plain dict: every counter the engine reports passes through as it grows.
    stats = msgspec.structs.asdict(engine.stats())
    # loaded_models: the engines the pool holds now (base models past the first, full
    # fine-tunes), least recently used first; the first model's engine is always up.
    return {"status": "ok", "model": engine.model_name, **stats,
            "loaded_models": state.registry.pool.loaded()}
