"""The model registry on its own: base models past the first go to the pool, a LoRA model runs on
its parent's engine (the primary's or a pooled base's), an adapter whose parent is not served is
not served, a full fine-tune is pooled, a model another key keeps private is the 404 of an
unknown one, and the pool follows the store's changes. The primary engine is a test double."""

from __future__ import annotations

import contextvars
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.config import DEFAULT_MODEL, EngineConfig
from server.errors import APIError
from server.model_pool import ModelPool, PoolSettings
from server.model_registry import ModelRegistry
from server.state.finetune import FineTunedModel
from server.state.ownership import set_caller
from tests.server.scripted_engine import ScriptedEngine
from tests.trainer.conftest import chat_model_folder


@dataclass
class Store:
    """The two calls `ModelRegistry.sync` makes of the fine-tune store and runner."""

    models: list[FineTunedModel]
    root: Path

    async def fine_tuned_models(self) -> list[FineTunedModel]:
        return self.models

    def model_dir(self, job_id: str) -> Path:
        return self.root / job_id


@pytest.fixture(scope="module")
def base(tiny_llama_factory: Callable[..., Path]) -> Path:
    return chat_model_folder(tiny_llama_factory, "registry-base", vocab_size=259)


@pytest.fixture
async def registry(base: Path, tmp_path: Path) -> AsyncIterator[ModelRegistry]:
    other = tmp_path / "other-base"
    shutil.copytree(base, other)
    pool = ModelPool(EngineConfig(num_threads=1), PoolSettings(kv_cache_bytes=1 << 20))
    registry = ModelRegistry(ScriptedEngine(), [other], pool, created=1)
    await registry.start()
    yield registry
    await pool.close()


def _tuned(root: Path, base: Path, job: str, parent: str, kind: str,
           owner: str | None = None) -> FineTunedModel:
    folder = root / job
    if kind == "lora":
        folder.mkdir(parents=True)
        (folder / "adapter_config.json").write_text("{}")
    else:
        shutil.copytree(base, folder)
    return FineTunedModel(id=f"ft:{parent}:x:{job}", parent=parent, created=2, job_id=job,
                          owner=owner)


async def test_models_resolve_to_the_engine_of_their_base(registry: ModelRegistry, base: Path,
                                                          tmp_path: Path) -> None:
    root = tmp_path / "jobs"
    store = Store([_tuned(root, base, "j1", DEFAULT_MODEL, "lora"),
                   _tuned(root, base, "j2", "other-base", "lora"),
                   _tuned(root, base, "j3", "gone-base", "lora"),
                   _tuned(root, base, "j4", DEFAULT_MODEL, "full"),
                   _tuned(root, base, "j5", DEFAULT_MODEL, "lora", owner="key-a")],
                  root)
    await registry.sync(store, store)  # type: ignore[arg-type]
    ids = [s.id for s in registry.listing()]
    assert ids == [DEFAULT_MODEL, "other-base", f"ft:{DEFAULT_MODEL}:x:j1",
                   "ft:other-base:x:j2", f"ft:{DEFAULT_MODEL}:x:j4", f"ft:{DEFAULT_MODEL}:x:j5"]
    engine_of = {i: registry.lookup(i).engine_id for i in ids}
    assert engine_of[f"ft:{DEFAULT_MODEL}:x:j1"] == DEFAULT_MODEL  # on the primary engine
    assert engine_of["ft:other-base:x:j2"] == "other-base"  # on the pooled base's
    assert engine_of[f"ft:{DEFAULT_MODEL}:x:j4"] == f"ft:{DEFAULT_MODEL}:x:j4"  # its own
    assert registry.pool.knows("other-base") and registry.pool.knows(f"ft:{DEFAULT_MODEL}:x:j4")
    assert [registry.loaded(registry.lookup(i)) for i in ids[:2]] == [True, False]
    assert registry.max_model_len(registry.lookup("ft:other-base:x:j2")) > 0  # without loading
    with pytest.raises(APIError) as gone:  # its parent is not served: neither is it
        registry.lookup("ft:gone-base:x:j3")
    assert gone.value.status_code == 404

    def as_key_b() -> None:
        set_caller("key-b", sees_all=False)
        with pytest.raises(APIError) as private:
            registry.lookup(f"ft:{DEFAULT_MODEL}:x:j5")
        assert (private.value.status_code, private.value.code) == (404, "model_not_found")
        assert f"ft:{DEFAULT_MODEL}:x:j5" not in [s.id for s in registry.listing()]

    contextvars.copy_context().run(as_key_b)

    store.models = store.models[:1]  # the others were deleted
    await registry.sync(store, store)  # type: ignore[arg-type]
    assert not registry.pool.knows(f"ft:{DEFAULT_MODEL}:x:j4")
    assert registry.pool.knows("other-base")  # base models stay
