"""The engines the running server loads on demand: base models past the first (`--model` given
more than once, a models folder) and full fine-tunes (merged-weights folders). One engine per
model, loaded on the first request for it, under a count and a memory budget (the least recently
used idle engine is unloaded to make room), each with a KV budget of its own. Not here: which
model id names which folder (server/model_registry.py), LoRA adapters (they run on their base's
engine) and the jobs that write the folders (server/jobs/finetune.py)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
from litestar.types import ASGIApp, Receive, Scope, Send

from engine.async_engine import AsyncEngine
from engine.config import EngineConfig
from engine.load import cache_plan, footprint_bytes, resolve_weights
from engine.loaders import read_config
from engine.protocol import AdapterRef, EngineClient
from server.errors import APIError

log = logging.getLogger("hanlin.models")

LEASES = "model_leases"  # the scope-state key of a request's leases (released after its response)


def _half_the_memory() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2


class PoolSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The pooled engines' budgets (the first base model's engine is not pooled: it stays up)."""

    max_loaded: int = 2  # HANLIN_MAX_LOADED_MODELS: pooled engines loaded at once
    memory_bytes: int = msgspec.field(default_factory=_half_the_memory)  # HANLIN_MODEL_MEMORY_GB
    kv_cache_bytes: int = 256 << 20  # HANLIN_MODEL_KV_MB: each pooled engine's KV cache

    def __post_init__(self) -> None:
        if self.max_loaded < 1:
            raise ValueError(f"HANLIN_MAX_LOADED_MODELS must be >= 1, got {self.max_loaded}")
        if self.memory_bytes < 1:
            raise ValueError(f"HANLIN_MODEL_MEMORY_GB must be > 0, got {self.memory_bytes}")


@dataclass(frozen=True)
class Target:
    """What serves a request's `model`: an engine and the LoRA adapter to run on it (None: the
    engine's own weights)."""

    engine: EngineClient
    adapter: AdapterRef | None = None


@dataclass(eq=False)
class _Entry:
    """A model in memory or on its way: a load every first request waits on, its requests."""

    model_id: str
    folder: Path
    loading: asyncio.Future[AsyncEngine]
    footprint: int  # engine.load.footprint_bytes: what it counts against the memory budget
    users: int = 0  # requests holding it (waiting for the load included): never evicted then
    last_used: int = 0
    removed: bool = False  # deleted while in use: shut down when the last request lets go

    @property
    def engine(self) -> AsyncEngine | None:
        done = self.loading.done() and not self.loading.cancelled()
        return self.loading.result() if done and self.loading.exception() is None else None


@dataclass(eq=False)
class Lease:
    """One request's hold on a pooled engine; `release` (idempotent) makes it evictable again."""

    pool: ModelPool
    entry: _Entry
    released: bool = field(default=False)

    @property
    def engine(self) -> AsyncEngine:
        engine = self.entry.engine
        assert engine is not None, "a lease is handed out once its engine is loaded"
        return engine

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.pool._let_go(self.entry)


class ModelPool:
    def __init__(self, base: EngineConfig, settings: PoolSettings) -> None:
        self.base, self.settings = base, settings  # base: the primary engine's settings
        self._folders: dict[str, Path] = {}  # the models this pool may load, by id
        self._live: dict[str, _Entry] = {}  # loading or loaded, one slot each
        self._retiring: list[_Entry] = []  # deleted while in use: still holding a slot
        self._tasks: set[asyncio.Task[None]] = set()  # shutdowns in the background
        self._plans: dict[Path, tuple[int, int]] = {}  # (context length, footprint) by folder
        self._tick = itertools.count(1)
        self._closed = False

    def engine_config(self, folder: Path) -> EngineConfig:
        """The base engine's settings (dtype, weights, threads, scheduler) on `folder`, with the
        pool's own KV budget, never compiled: the first model's engine compiles in the
        background, and more compiles beside it would slow every answer on a small machine."""
        cache = msgspec.structs.replace(self.base.cache, kv_cache_bytes=self.settings.kv_cache_bytes,
                                        num_blocks=None)
        return msgspec.structs.replace(self.base, model=str(folder), cache=cache, compile=False)

    def knows(self, model_id: str) -> bool:
        return model_id in self._folders

    def loaded(self) -> list[str]:
        """Ids with an engine up, least recently used first."""
        entries = sorted(self._live.values(), key=lambda e: e.last_used)
        return [e.model_id for e in entries if e.engine is not None]

    def max_model_len(self, model_id: str) -> int:
        """The loaded engine's context, or the one it will have (engine.load's `cache_plan`)."""
        entry = self._live.get(model_id)
        if entry is not None and entry.engine is not None:
            return entry.engine.max_model_len
        return self._plan(self._folders[model_id])[0]

    def engine(self, model_id: str) -> AsyncEngine | None:
        """The model's engine if it is loaded now (nothing is loaded for asking)."""
        entry = self._live.get(model_id)
        return entry.engine if entry is not None else None

    def _plan(self, folder: Path) -> tuple[int, int]:
        """(context length, footprint) from the checkpoint's config alone, once per folder."""
        if folder not in self._plans:
            config = self.engine_config(folder)
            mc, weights = read_config(folder), resolve_weights(config, folder)
            self._plans[folder] = (cache_plan(config, mc, weights)[1],
                                   footprint_bytes(config, mc, weights))
        return self._plans[folder]

    async def sync(self, wanted: dict[str, Path]) -> None:
        """Serve exactly `wanted` (id -> merged folder); the ones gone are shut down."""
        for model_id in self._folders.keys() - wanted.keys():
            await self.remove(model_id)
        for model_id, folder in wanted.items():
            if self._folders.get(model_id) != folder:
                await self.remove(model_id)
                self._folders[model_id] = folder

    async def acquire(self, model_id: str) -> Lease:
        """A hold on the model's engine, loading it first if needed (one load however many ask);
        a 503 with retry-after when every slot serves requests."""
        if self._closed:
            raise APIError("server is shutting down", status_code=503, code="shutting_down")
        entry = self._live.get(model_id)
        if entry is None:
            folder = self._folders[model_id]
            footprint = self._plan(folder)[1]
            victims = self._make_room(model_id, footprint)
            loop = asyncio.get_running_loop()
            entry = _Entry(model_id, folder, loop.create_future(), footprint)
            self._live[model_id] = entry
            self._spawn(self._load(entry, victims))
        entry.users += 1
        entry.last_used = next(self._tick)
        lease = Lease(self, entry)
        try:
            # shield: a caller that gives up does not stop the load the others wait for.
            await asyncio.shield(entry.loading)
        except BaseException:
            lease.release()
            raise
        return lease

    async def remove(self, model_id: str) -> None:
        """Stop serving the model: shut down now if idle, else when its last request ends."""
        self._folders.pop(model_id, None)
        entry = self._live.pop(model_id, None)
        if entry is None:
            return
        entry.removed = True
        if entry.users:
            self._retiring.append(entry)
            return
        await self._shut(entry)

    async def close(self) -> None:
        """Server shutdown: every engine down (running requests end with an engine error)."""
        self._closed = True
        entries = [*self._live.values(), *self._retiring]
        self._live.clear()
        self._retiring.clear()
        for entry in entries:
            await self._shut(entry)
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # ---- internals -----------------------------------------------------------------------

    def _make_room(self, model_id: str, footprint: int) -> list[_Entry]:
        """Room for a new engine under both budgets: the least recently used idle engines that
        must go (none when it fits as it is). A 503 to retry when the engines in the way serve
        requests now; one that no retry helps when the model alone is over the memory budget."""
        budget = self.settings.memory_bytes
        if footprint > budget:
            raise APIError(
                f"The model `{model_id}` needs about {footprint / 2**30:.1f} GiB, more than the "
                f"{budget / 2**30:.1f} GiB the server may load models into "
                "(HANLIN_MODEL_MEMORY_GB).", status_code=503, code="model_too_large")
        held = [*self._live.values(), *self._retiring]
        idle = sorted((e for e in self._live.values() if e.users == 0 and e.engine is not None),
                      key=lambda e: e.last_used)
        victims: list[_Entry] = []
        while (len(held) - len(victims) >= self.settings.max_loaded
               or sum(e.footprint for e in held if e not in victims) + footprint > budget):
            if len(victims) == len(idle):
                raise APIError(
                    f"The engines that would make room for `{model_id}` "
                    f"(HANLIN_MAX_LOADED_MODELS={self.settings.max_loaded}, "
                    f"HANLIN_MODEL_MEMORY_GB={budget / 2**30:g}) are serving requests; "
                    "retry shortly.", status_code=503, code="model_slots_busy",
                    headers={"retry-after": "1"})
            victims.append(idle[len(victims)])
        for victim in victims:
            del self._live[victim.model_id]
        return victims

    async def _load(self, entry: _Entry, victims: list[_Entry]) -> None:
        try:
            for victim in victims:  # first: their memory goes before the next one's comes
                log.info("unloading %s to load %s", victim.model_id, entry.model_id)
                await self._shut(victim)
            config = self.engine_config(entry.folder)
            engine = await asyncio.to_thread(AsyncEngine.start, config)
        except Exception:  # every waiter gets it; the next request tries again
            log.exception("could not load %s from %s", entry.model_id, entry.folder)
            if self._live.get(entry.model_id) is entry:
                del self._live[entry.model_id]
            entry.loading.set_exception(APIError(
                f"The model `{entry.model_id}` could not be loaded; the server log says why.",
                status_code=500, code="model_load_failed"))
            entry.loading.exception()  # retrieved: no warning when nobody waits any more
            return
        log.info("loaded %s (%d tokens of context)", entry.model_id, engine.max_model_len)
        entry.loading.set_result(engine)
        if entry.removed and not entry.users or self._closed:
            await self._shut(entry)  # deleted (or the server stopped) while it loaded

    def _let_go(self, entry: _Entry) -> None:
        entry.users -= 1
        entry.last_used = next(self._tick)
        if entry.removed and entry.users == 0 and entry in self._retiring:
            self._retiring.remove(entry)
            self._spawn(self._shut(entry))

    async def _shut(self, entry: _Entry) -> None:
        if not entry.loading.done():
            return  # _load shuts it down once loaded (it sees `removed` / the pool closed)
        engine = entry.engine
        if engine is not None:
            await asyncio.to_thread(engine.shutdown)
            log.info("shut down %s", entry.model_id)

    def _spawn(self, work) -> None:  # noqa: ANN001 - a coroutine
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def hold(scope: Scope, lease: Lease) -> None:
    """Keep `lease` until the request's response is sent (`release_leases`)."""
    scope.setdefault("state", {}).setdefault(LEASES, []).append(lease)


def release_leases(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: a request's holds on pooled engines go back once its response is sent,
    whole, streamed, cut by a disconnect or failed."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await app(scope, receive, send)
        finally:
            for lease in (scope.get("state") or {}).get(LEASES, ()):
                lease.release()

    return middleware
