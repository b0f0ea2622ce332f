"""The serving default is the fast path: `hanlin serve` with no engine flags serves the default
model's Q4_1 GGUF through the int4 kernels (bf16 activations and KV cache) and builds its compiled
decode step in the background while it answers; `--exact` is the fp32 reference path, eager.
The rest of the suite pins the exact path (tests/conftest.py's EXACT_PATH); these tests unpin it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from engine.config import EngineConfig
from tests.conftest import EXACT_PATH
from tests.server.conftest import launch, stop

pytestmark = pytest.mark.slow


@pytest.fixture
def unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in EXACT_PATH:
        monkeypatch.delenv(name, raising=False)


def test_from_env_starts_from_the_serving_defaults(unpinned: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    config = EngineConfig.from_env()
    assert (config.weights, config.compile, config.dtype) == ("auto", True, "float32")
    assert config.cache.dtype == "auto"
    assert EngineConfig().weights == "dense" and not EngineConfig().compile  # the library's
    assert not EngineConfig.from_env(compile=False).compile  # --no-compile
    exact = EngineConfig.from_env(exact=True, weights="int4", compile=True)
    assert (exact.weights, exact.compile, exact.dtype) == ("dense", False, "float32")
    monkeypatch.setenv("HANLIN_EXACT", "1")
    assert EngineConfig.from_env().weights == "dense"
    monkeypatch.setenv("HANLIN_EXACT", "0")
    monkeypatch.setenv("HANLIN_COMPILE", "0")
    assert (EngineConfig.from_env().weights, EngineConfig.from_env().compile) == ("auto", False)


def _health(url: str) -> dict:
    return httpx.get(f"{url}/health", timeout=10).json()


def _greedy(url: str) -> str:
    r = httpx.post(f"{url}/v1/chat/completions", timeout=120, json={
        "model": "smollm2-135m-instruct", "max_tokens": 8, "temperature": 0,
        "messages": [{"role": "user", "content": "What is the capital of France?"}]})
    assert r.status_code == 200, r.text
    return r.json()["choices"][0]["message"]["content"]


def test_hanlin_serve_defaults_to_int4_compiled_and_exact_is_one_flag(tmp_path: Path) -> None:
    proc, url = launch(tmp_path / "fast", tmp_path / "fast.log", exact_path=False)
    try:
        health = _health(url)
        assert health["weights"] == "int4" and health["kv_cache_dtype"] == "bfloat16", health
        # Listening before the compiled step is built: the server answers eagerly meanwhile.
        assert health["compiled_decode"] in ("building", "ready"), health
        fast = _greedy(url)
    finally:
        stop(proc)
    proc, url = launch(tmp_path / "exact", tmp_path / "exact.log", exact_path=False,
                       HANLIN_EXACT="1")
    try:
        health = _health(url)
        assert (health["weights"], health["kv_cache_dtype"], health["compiled_decode"]) == (
            "float32", "float32", "off"), health
        exact = _greedy(url)
    finally:
        stop(proc)
    # On this prompt the int4 default and the fp32 reference agree token for token (the README's
    # table measures how often they do over many prompts).
    assert fast == exact, (fast, exact)
