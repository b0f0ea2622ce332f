"""Which engine serves model X: the one registry the routes ask. It knows the base models (the
first `--model`, whose engine stays up, and the others, which the pool loads on first use), the
fine-tuned models the store holds (a LoRA adapter runs on its parent's engine; a full fine-tune
gets an engine of its own from the pool) and who may use each (server.model_access). `sync`
keeps it equal to the store; `resolve` hands a request its engine and adapter."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from litestar.types import Scope

from engine.load import model_name
from engine.loaders import resolve_model_path
from engine.protocol import AdapterRef, EngineClient
from server.errors import model_not_found
from server.jobs.finetune import FineTuneRunner
from server.model_access import Access, access_of
from server.model_pool import ModelPool, Target, hold
from server.state.finetune import FineTunedModel, FineTuneStore

log = logging.getLogger("hanlin.models")


@dataclass(frozen=True)
class Served:
    """A model served under `id`: its weights (a base checkpoint, an adapter folder or merged
    weights), what kind it is and, for a fine-tuned one, its parent and who may use it."""

    id: str
    path: Path
    kind: Literal["base", "lora", "full"]
    created: int
    parent: str | None = None  # a fine-tuned model's base, as its job named it
    access: Access | None = None  # None: a base model, everyone's
    record: FineTunedModel | None = None  # a fine-tuned model's row in the store

    @property
    def engine_id(self) -> str:
        """The model whose engine runs this one: an adapter's parent, else itself."""
        return self.parent if self.kind == "lora" and self.parent else self.id

    def usable(self) -> bool:
        """Whether the caller (server.state.ownership) may see and use it."""
        return self.access is None or self.access.usable()


class ModelRegistry:
    """Base models by id (the primary engine's first), fine-tuned models as the store last said."""

    def __init__(self, primary: EngineClient, bases: list[Path], pool: ModelPool,
                 created: int) -> None:
        self.primary, self.pool = primary, pool
        first = Served(primary.model_name, resolve_model_path(primary.config.model), "base",
                       primary.created)
        self._bases: dict[str, Served] = {first.id: first}
        for path in bases:
            base = Served(base_name(path), path, "base", created)
            if base.id in self._bases:
                raise ValueError(f"two base models are named {base.id!r} ({path} and "
                                 f"{self._bases[base.id].path}): rename one")
            self._bases[base.id] = base
        self._tuned: dict[str, Served] = {}

    async def start(self) -> None:
        """The pool learns the base models it may load (the primary's engine is already up)."""
        await self._sync_pool()

    # ---- what the routes ask ---------------------------------------------------------------

    def lookup(self, model: str) -> Served:
        """The model if it is served and the caller may use it; else the 404 of an unknown
        model (a model the caller may not use looks the same: no existence oracle)."""
        served = self._bases.get(model) or self._tuned.get(model)
        if served is None or not served.usable():
            raise model_not_found(model)
        return served

    async def resolve(self, model: str, scope: Scope) -> Target:
        """The engine that runs `model` and the adapter to run on it. A pooled engine is loaded
        if it is not (the request waits; a 503 when no room can be made) and held until the
        request's response is sent (server.model_pool.release_leases)."""
        served = self.lookup(model)
        adapter = AdapterRef(id=served.id, path=str(served.path)) if served.kind == "lora" else None
        if served.engine_id == self.primary.model_name:
            return Target(self.primary, adapter)
        lease = await self.pool.acquire(served.engine_id)
        hold(scope, lease)
        return Target(lease.engine, adapter)

    def listing(self) -> list[Served]:
        """Every model the caller may use: base models first, then fine-tuned ones, oldest first."""
        return [s for s in (*self._bases.values(), *self._tuned.values()) if s.usable()]

    def is_base(self, model: str) -> bool:
        return model in self._bases

    def loaded(self, served: Served) -> bool:
        """Whether the engine that runs it is in memory now (the primary's always is)."""
        engine_id = served.engine_id
        return engine_id == self.primary.model_name or self.pool.engine(engine_id) is not None

    def max_model_len(self, served: Served) -> int:
        """The context of the engine that runs it, loaded or not."""
        engine_id = served.engine_id
        if engine_id == self.primary.model_name:
            return self.primary.max_model_len
        return self.pool.max_model_len(engine_id)

    # ---- keeping it equal to the store -----------------------------------------------------

    async def sync(self, fine_tunes: FineTuneStore, fine_tuning: FineTuneRunner) -> None:
        """Serve exactly the store's fine-tuned models whose weights are there and whose parent
        is served; the engines of full fine-tunes gone are shut down (after their requests)."""
        tuned: dict[str, Served] = {}
        for m in await fine_tunes.fine_tuned_models():
            found = _weights(m, fine_tuning)
            if found is None:
                continue
            folder, kind = found
            served = Served(m.id, folder, kind, m.created, m.parent, access_of(m), m)
            if kind == "lora" and m.parent not in self._bases and m.parent not in tuned:
                log.warning("not serving %s: its parent %s is not served", m.id, m.parent)
                continue
            tuned[m.id] = served
        self._tuned = tuned
        await self._sync_pool()

    async def _sync_pool(self) -> None:
        pooled = {k: s.path for k, s in self._bases.items() if k != self.primary.model_name}
        pooled |= {k: s.path for k, s in self._tuned.items() if s.kind == "full"}
        await self.pool.sync(pooled)


def base_name(path: Path) -> str:
    """A base model's id: its file's stem or its folder's name (engine.load.model_name)."""
    return model_name(str(path))


def _weights(model: FineTunedModel, fine_tuning: FineTuneRunner
             ) -> tuple[Path, Literal["lora", "full"]] | None:
    """Where a fine-tuned model's weights are and what they are, or None when there is nothing
    to serve (files removed by hand)."""
    folder = Path(model.adapter_path) if model.adapter_path else fine_tuning.model_dir(model.job_id)
    if (folder / "adapter_config.json").is_file():
        return folder, "lora"
    if (folder / "config.json").is_file() and any(folder.glob("*.safetensors")):
        return folder, "full"
    return None
