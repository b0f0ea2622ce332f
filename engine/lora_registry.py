"""The engine's LoRA adapters by id: folders loaded at first use (engine thread), held by requests
from add to finish, evicted least recently used past a byte budget when no request holds them.
Every scheduled row's adapter is therefore loaded: the scheduler takes no part in it."""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import nn

from engine.lora import (
    AdapterError,
    LoraAdapter,
    LoraBatch,
    base_model_sha256,
    build_adapter,
    lora_context,
    manifest_base_hash,
)


class LoraRegistry:
    """Adapter ids -> folders (`register`), loaded adapters in LRU order, per-id request counts."""

    def __init__(self, model: nn.Module, budget_bytes: int, base_path: Path | None = None) -> None:
        self.model = model
        self.budget_bytes = budget_bytes
        self.base_path = base_path  # set: adapters whose manifest names another base are refused
        self.paths: dict[str, Path] = {}
        self.loaded: OrderedDict[str, LoraAdapter] = OrderedDict()  # least recently used first
        self.refs: Counter[str] = Counter()
        self._stale: set[str] = set()  # re-registered while in use: reload once released
        self._base_hash: str | None = None

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.loaded.values())

    def register(self, adapter_id: str, path: str | Path) -> None:
        path = Path(path)
        if self.paths.get(adapter_id) not in (None, path):  # new weights under a known id
            self._stale.add(adapter_id)
            self._drop_if_unused(adapter_id)
        self.paths[adapter_id] = path

    def unregister(self, adapter_id: str) -> None:
        """Forget the id; requests that hold the adapter finish with it, then it is dropped."""
        self.paths.pop(adapter_id, None)
        self._drop_if_unused(adapter_id)

    def retain(self, adapter_id: str) -> LoraAdapter:
        """Load (if needed) and hold the adapter for one request. AdapterError if the id is unknown,
        the folder does not fit this model, or the budget is full of adapters in use."""
        adapter = self.loaded.get(adapter_id)
        if adapter is None:
            adapter = self._load(adapter_id)
        self.loaded.move_to_end(adapter_id)
        self.refs[adapter_id] += 1
        return adapter

    def release(self, adapter_id: str) -> None:
        self.refs[adapter_id] -= 1
        if self.refs[adapter_id] <= 0:
            del self.refs[adapter_id]
            self._drop_if_unused(adapter_id)

    def _drop_if_unused(self, adapter_id: str) -> None:
        """Unload an adapter that no request holds once it is unregistered or stale."""
        if self.refs[adapter_id] or (adapter_id in self.paths and adapter_id not in self._stale):
            return
        self.loaded.pop(adapter_id, None)
        self._stale.discard(adapter_id)

    @contextmanager
    def activate(self, rows: dict[str, slice | torch.Tensor]) -> Iterator[None]:
        """Within: the model adds each adapter's delta to its rows (adapter id -> rows)."""
        if not rows:
            yield
            return
        context = lora_context(self.model)
        context.batch = LoraBatch([(self.loaded[a], r) for a, r in rows.items()])
        try:
            yield
        finally:
            context.batch = None

    def _load(self, adapter_id: str) -> LoraAdapter:
        path = self.paths.get(adapter_id)
        if path is None:
            raise AdapterError(f"unknown adapter {adapter_id!r}")
        self._check_base(path)
        dtype = self.model.model.norm.weight.dtype  # the run dtype (int4 models run bf16)
        lora_context(self.model)  # names are looked up on the swapped modules
        adapter = build_adapter(adapter_id, path, self.model, dtype)
        if adapter.nbytes > self.budget_bytes:
            raise AdapterError(f"adapter {adapter_id!r} needs {adapter.nbytes} bytes; the adapter "
                               f"budget is {self.budget_bytes}")
        self._make_room(adapter.nbytes)
        self.loaded[adapter_id] = adapter
        return adapter

    def _make_room(self, nbytes: int) -> None:
        used = self.nbytes
        for adapter_id in [a for a in self.loaded if not self.refs[a]]:  # LRU first
            if used + nbytes <= self.budget_bytes:
                break
            used -= self.loaded.pop(adapter_id).nbytes
        if used + nbytes > self.budget_bytes:
            raise AdapterError(f"the adapter budget ({self.budget_bytes} bytes) is full of adapters "
                               "that running requests use; retry when they finish")

    def _check_base(self, path: Path) -> None:
        want = manifest_base_hash(path)
        if want is None or self.base_path is None:
            return
        if self._base_hash is None:
            self._base_hash = base_model_sha256(self.base_path)
        if want != self._base_hash:
            raise AdapterError(f"the adapter in {path} was trained on another base model than "
                               f"{self.base_path.name}")
