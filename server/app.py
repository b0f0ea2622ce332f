"""The Litestar app factory: routes, OpenAI error handlers, body caps, and a lifespan that owns the
state services (database, blobs, job runners), the engine and the pool of full fine-tuned models'
engines; `begin_shutdown` drains it.

`create_app()` starts (and later shuts down) an engine from the settings; `create_app(engine)`
serves one the caller owns.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging.config import LoggingConfig
from litestar.openapi import OpenAPIConfig

from engine.async_engine import AsyncEngine
from engine.protocol import EngineClient
from server.auth import require_key
from server.console import console_router
from server.errors import EXCEPTION_HANDLERS
from server.jobs.cleaning import Scoring
from server.limits import Limiter, release_tickets
from server.model_pool import ModelPool, release_leases
from server.model_registry import ModelRegistry
from server.observability import Observability
from server.routes import provide_engine
from server.routes.benchmarks import (
    cancel_benchmark_run,
    create_benchmark_run,
    list_benchmark_runs,
    list_benchmarks,
    retrieve_benchmark_run,
)
from server.routes.chat import create_chat_completion
from server.routes.completions import create_completion
from server.routes.datasets import create_dataset, list_datasets, retrieve_dataset
from server.routes.embeddings import create_embeddings
from server.routes.eval_runs import (
    cancel_eval_run,
    cancel_eval_run_alias,
    create_eval_run,
    delete_eval_run,
    list_eval_run_output_items,
    list_eval_runs,
    retrieve_eval_run,
    retrieve_eval_run_output_item,
)
from server.routes.evals import create_eval, delete_eval, list_evals, retrieve_eval, update_eval
from server.routes.files import (
    create_file,
    delete_file,
    file_content,
    list_files,
    retrieve_file,
)
from server.routes.fine_tuning import (
    cancel_fine_tuning_job,
    create_fine_tuning_job,
    list_fine_tuning_checkpoints,
    list_fine_tuning_events,
    list_fine_tuning_jobs,
    retrieve_fine_tuning_job,
)
from server.routes.health import health
from server.routes.keys import create_key, list_keys, revoke_key
from server.routes.models import (
    delete_model,
    list_models,
    retrieve_model,
    serve_fine_tuned,
    update_model,
)
from server.routes.responses import (
    create_response,
    delete_response,
    list_input_items,
    retrieve_response,
)
from server.routes.tokens import detokenize, tokenize
from server.routes.tools import invoke_tool, list_tools
from server.services import DEPENDENCIES, Services
from server.settings import ServerSettings

log = logging.getLogger("hanlin.server")

ROUTES = [
    list_models,
    retrieve_model,
    update_model,
    delete_model,
    create_chat_completion,
    create_completion,
    create_embeddings,
    tokenize,
    detokenize,
    health,
    create_file,
    list_files,
    retrieve_file,
    file_content,
    delete_file,
    create_dataset,
    list_datasets,
    retrieve_dataset,
    create_fine_tuning_job,
    list_fine_tuning_jobs,
    retrieve_fine_tuning_job,
    cancel_fine_tuning_job,
    list_fine_tuning_events,
    list_fine_tuning_checkpoints,
    list_tools,
    invoke_tool,
    create_response,
    retrieve_response,
    delete_response,
    list_input_items,
    create_eval,
    list_evals,
    retrieve_eval,
    update_eval,
    delete_eval,
    create_eval_run,
    list_eval_runs,
    retrieve_eval_run,
    cancel_eval_run,
    cancel_eval_run_alias,
    delete_eval_run,
    list_eval_run_output_items,
    retrieve_eval_run_output_item,
    create_key,
    list_keys,
    revoke_key,
    list_benchmarks,
    create_benchmark_run,
    list_benchmark_runs,
    retrieve_benchmark_run,
    cancel_benchmark_run,
]


def create_app(
    engine: EngineClient | None = None, settings: ServerSettings | None = None
) -> Litestar:
    settings = settings or ServerSettings.from_env()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        url = f"http://{settings.host}:{settings.port}"
        scoring = _scoring(settings, url)
        app.state.services = await Services.open(settings.state, scoring)
        try:
            async with (_engine(app, engine, settings, url), _model_pool(app, settings),
                        app.state.services.running_evals(app)):
                scoring.max_tokens = _scoring_window(app.state.engine.max_model_len)
                await serve_fine_tuned(app)
                yield
        finally:
            if (stopping := app.state.get("stopping_jobs")) is not None:
                await stopping  # begin_shutdown's requeue, before the database closes
            await app.state.services.close()

    return Litestar(
        route_handlers=[*ROUTES, console_router()],  # the web console at /
        dependencies={
            "engine": Provide(provide_engine, sync_to_thread=False),
            **{name: Provide(fn, sync_to_thread=False) for name, fn in DEPENDENCIES.items()},
        },
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        # API keys on every route but the public ones; generation requests are admitted (rate
        # limits, streams per key, requests in flight) by the same guard.
        guards=[require_key],
        middleware=[release_tickets, release_leases],  # both once the response is sent
        # JSON bodies past the cap are a 413 (announced or counted as they stream in); upload
        # routes lift it and apply their own, larger one (max_file_bytes).
        request_max_body_size=settings.limits.max_body_bytes,
        lifespan=[lifespan],
        # hanlin's own loggers log JSON lines (server/observability/logs.py); Litestar must not
        # take over the root logger (its queue handler binds stderr once, for the whole process).
        logging_config=LoggingConfig(configure_root_logger=False),
        # Metrics at /metrics, a trace and a JSON log line per request (app.state.observability).
        plugins=[Observability.from_env()],
        state=State({"max_n": settings.max_n, "max_file_bytes": settings.state.max_file_bytes,
                     "parsers": settings.parsers,  # how tool calls and thoughts are read
                     "limiter": Limiter(settings.limits),
                     # Jobs (eval and benchmark runs) call the app in-process with this key.
                     "internal_token": secrets.token_urlsafe(32)}),
        # operationId = the handler's name: the generated client's functions are `create_embeddings`.
        openapi_config=OpenAPIConfig(title="hanlin", version="0.1.0",
                                     operation_id_creator=lambda handler, *_: handler.handler_name),
    )


@asynccontextmanager
async def _engine(app: Litestar, engine: EngineClient | None, settings: ServerSettings,
                  url: str) -> AsyncIterator[None]:
    """Serve the caller's engine, or start one from the settings and shut it down after."""
    if engine is not None:
        app.state.engine = engine
        yield
        return
    # Loading takes seconds of blocking work: keep it off the event loop.
    started = await asyncio.to_thread(AsyncEngine.start, settings.engine)
    app.state.engine = started
    print(f"hanlin: serving {started.model_name} at {url}/v1 (health: {url}/health)", flush=True)
    try:
        yield
    finally:
        await asyncio.to_thread(started.shutdown)


@asynccontextmanager
async def _model_pool(app: Litestar, settings: ServerSettings) -> AsyncIterator[None]:
    """The model registry and the pool behind it: the other base models and the full fine-tunes
    load on the primary engine's settings, each on its own checkpoint; all shut down with the
    app, before the primary engine."""
    primary = app.state.engine
    app.state.models = pool = ModelPool(primary.config, settings.models)
    app.state.registry = ModelRegistry(primary, [Path(m) for m in settings.more_models], pool,
                                       created=int(time.time()))
    try:
        yield
    finally:
        await pool.close()


def begin_shutdown(app: Litestar, grace_s: float) -> None:
    """The process was asked to stop (SIGTERM) and takes no new connections: generation requests
    still running `grace_s` from now are cut then (a stream with a final error event, a whole
    answer with a 503 `shutting_down`); the job runners stop now, their running jobs queued
    again for the next start. Call on the event loop, once the app is up."""
    log.warning("shutting down: running requests have %g s to finish; jobs are requeued",
                grace_s)
    app.state.limiter.deadlines.drain(grace_s)
    if "stopping_jobs" not in app.state and "services" in app.state:
        app.state.stopping_jobs = asyncio.ensure_future(_requeue_jobs(app.state.services))


async def _requeue_jobs(services: Services) -> None:
    # Eval and benchmark runs first: they sample through this app, and an answer cut at the end
    # of the grace would be graded as an error. Cleaning children call the app over HTTP, which
    # no longer takes connections.
    await services.benchmark_runs.stop(requeue=True)
    await services.eval_runs.stop(requeue=True)
    await services.cleaning.stop(requeue=True)
    await services.fine_tuning.stop(requeue=True)


def _scoring(settings: ServerSettings, url: str) -> Scoring:
    """Cleaning jobs reach the served model through this server's own API; the window is the
    configured one until the engine is up, then the engine's own."""
    return Scoring(base_url=url, max_tokens=_scoring_window(settings.engine.max_model_len or 2048))


def _scoring_window(max_model_len: int) -> int:
    # The scorer asks for prompt log-probabilities with max_tokens 0, which still decodes one
    # token: a prompt must leave room for it (prompt + max_tokens within the context).
    return max_model_len - 1
