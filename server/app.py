"""The Litestar app factory: routes, OpenAI error handlers, and a lifespan that owns the engine.

`create_app()` starts (and later shuts down) an engine from the settings; `create_app(engine)`
serves one the caller owns.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from engine.async_engine import AsyncEngine
from server.errors import EXCEPTION_HANDLERS
from server.routes import provide_engine
from server.routes.chat import create_chat_completion
from server.routes.completions import create_completion
from server.routes.health import health
from server.routes.models import list_models, retrieve_model
from server.routes.tokens import detokenize, tokenize
from server.settings import ServerSettings

ROUTES = [
    list_models,
    retrieve_model,
    create_chat_completion,
    create_completion,
    tokenize,
    detokenize,
    health,
]


def create_app(
    engine: AsyncEngine | None = None, settings: ServerSettings | None = None
) -> Litestar:
    settings = settings or ServerSettings.from_env()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if engine is not None:
            app.state.engine = engine
            yield
            return
        # Loading takes seconds of blocking work: keep it off the event loop.
        started = await asyncio.to_thread(AsyncEngine.start, settings.engine)
        app.state.engine = started
        url = f"http://{settings.host}:{settings.port}"
        print(
            f"hanlin: serving {started.model_name} at {url}/v1 (health: {url}/health)", flush=True
        )
        try:
            yield
        finally:
            await asyncio.to_thread(started.shutdown)

    return Litestar(
        route_handlers=ROUTES,
        dependencies={"engine": Provide(provide_engine, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=[lifespan],
        state=State({"max_n": settings.max_n}),
        openapi_config=OpenAPIConfig(title="hanlin", version="0.1.0"),
    )
