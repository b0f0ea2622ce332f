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
    """Loaded adapters by id in LRU order, the folder each came from, per-id request counts.
    Which adapter ids exist and where their folders are is the server's model registry's to say:
    each request names its adapter's folder (`AdapterRef`), loaded at the first one."""

    def __init__(self, model: nn.Module, budget_bytes: int, base_path: Path | None = None) -> None:
        self.model = model
        self.budget_bytes = budget_bytes
        self.base_path = base_path  # set: adapters whose manifest names another base are refused
        self.loaded: OrderedDict[str, LoraAdapter] = OrderedDict()  # least recently used first
        self.folders: dict[str, Path] = {}  # the folder each loaded adapter was read from
        self.refs: Counter[str] = Counter()
        self._base_hash: str | None = None

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.loaded.values())

    def retain(self, adapter_id: str, path: str | Path) -> LoraAdapter:
        """Load (if needed) and hold the adapter for one request. AdapterError if the folder does
        not fit this model, the budget is full of adapters in use, or the id is held by running
        requests with other weights (a model re-made under the same id: retry when they end)."""
        path = Path(path)
        adapter = self.loaded.get(adapter_id)
        if adapter is not None and self.folders[adapter_id] != path:
            if self.refs[adapter_id]:
                raise AdapterError(f"adapter {adapter_id!r} is being replaced by new weights "
                                   "while requests still use the old ones; retry shortly")
            self._drop(adapter_id)
            adapter = None
        if adapter is None:
            adapter = self._load(adapter_id, path)
        self.loaded.move_to_end(adapter_id)
        self.refs[adapter_id] += 1
        return adapter

    def release(self, adapter_id: str) -> None:
        self.refs[adapter_id] -= 1
        if self.refs[adapter_id] <= 0:
            del self.refs[adapter_id]

    def _drop(self, adapter_id: str) -> None:
        self.loaded.pop(adapter_id, None)
        self.folders.pop(adapter_id, None)

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

    def _load(self, adapter_id: str, path: Path) -> LoraAdapter:
        if not path.is_dir():
            raise AdapterError(f"adapter {adapter_id!r}: its folder is gone")
        self._check_base(path)
        dtype = self.model.model.norm.weight.dtype  # the run dtype (int4 models run bf16)
        lora_context(self.model)  # names are looked up on the swapped modules
        adapter = build_adapter(adapter_id, path, self.model, dtype)
        if adapter.nbytes > self.budget_bytes:
            raise AdapterError(f"adapter {adapter_id!r} needs {adapter.nbytes} bytes; the adapter "
                               f"budget is {self.budget_bytes}")
        self._make_room(adapter.nbytes)
        self.loaded[adapter_id] = adapter
        self.folders[adapter_id] = path
        return adapter

    def _make_room(self, nbytes: int) -> None:
        used = self.nbytes
        for adapter_id in [a for a in self.loaded if not self.refs[a]]:  # LRU first
            if used + nbytes <= self.budget_bytes:
                break
            used -= self.loaded[adapter_id].nbytes
            self._drop(adapter_id)
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
