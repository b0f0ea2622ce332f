"""The generated client (`clients/python/hanlin_client`): the committed tree equals a fresh
generation from the current app, and it round-trips models, chat, completions and embeddings
against the live server."""

from __future__ import annotations

import filecmp
import importlib
import math
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from clients.generate import GENERATED, TARGET, generate, openapi_document
from clients.python import hanlin_client
from clients.python.hanlin_client import Client
from clients.python.hanlin_client.api.default import (
    create_chat_completion,
    create_completion,
    create_embeddings,
    list_models,
    retrieve_model,
)
from clients.python.hanlin_client.models import (
    ChatCompletion,
    ChatCompletionRequest,
    ChatMessage,
    ChatMessageRole,
    Completion,
    CompletionRequest,
    EmbeddingList,
    EmbeddingRequest,
    ErrorResponse,
    Model,
    ModelList,
)


def _tree(root: Path) -> dict[str, bytes]:
    files = (p for name in GENERATED for p in [root / name, *(root / name).rglob("*")])
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in files
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_committed_client_matches_a_fresh_generation(tmp_path: Path) -> None:
    generate(tmp_path)
    fresh, committed = _tree(tmp_path), _tree(TARGET)
    assert fresh, "the generator wrote nothing"
    stale = sorted(
        name for name in fresh.keys() | committed.keys() if fresh.get(name) != committed.get(name)
    )
    assert not stale, (
        f"clients/python is stale ({len(stale)} files differ from a generation from the current "
        f"server.app, e.g. {stale[:5]}): run `make client` and commit the result."
    )
    assert filecmp.cmp(tmp_path / "openapi.json", TARGET / "openapi.json", shallow=False)


def test_every_generated_module_imports() -> None:
    """The generator has known bugs that only show on import (see clients.generate)."""
    prefix = f"{hanlin_client.__name__}."
    names = [m.name for m in pkgutil.walk_packages(hanlin_client.__path__, prefix)]
    assert any(name.endswith(".create_embeddings") for name in names)
    for name in names:
        importlib.import_module(name)


def test_operation_ids_are_unique_handler_names() -> None:
    """The client names one function per operationId; a duplicate would overwrite a module."""
    ids = [
        op["operationId"]
        for path in openapi_document()["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert "create_embeddings" in ids


@pytest.fixture
def api(server_url: str) -> Iterator[Client]:
    with Client(base_url=server_url, timeout=120, raise_on_unexpected_status=True) as c:
        yield c


def test_models_round_trip(api: Client, model: str) -> None:
    listed = list_models.sync(client=api)
    assert isinstance(listed, ModelList)
    assert [m.id for m in listed.data] == [model]
    one = retrieve_model.sync(model, client=api)
    assert isinstance(one, Model) and one.id == model and one.max_model_len > 0
    missing = retrieve_model.sync_detailed("gpt-4", client=api)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, ErrorResponse)
    assert missing.parsed.error.code == "model_not_found"


def test_chat_round_trip(api: Client, model: str) -> None:
    body = ChatCompletionRequest(
        model=model,
        messages=[ChatMessage(role=ChatMessageRole.USER, content="What is 2 + 2?")],
        temperature=0.0,
        max_tokens=8,
    )
    r = create_chat_completion.sync(client=api, body=body)
    assert isinstance(r, ChatCompletion), r
    assert r.model == model and len(r.choices) == 1
    assert r.choices[0].message.content
    assert r.choices[0].finish_reason in ("stop", "length")
    assert 0 < r.usage.completion_tokens <= 8


def test_completion_round_trip(api: Client, model: str) -> None:
    body = CompletionRequest(model=model, prompt="The capital of France is", max_tokens=4,
                             temperature=0.0)
    r = create_completion.sync(client=api, body=body)
    assert isinstance(r, Completion), r
    assert r.choices[0].text and r.usage is not None and r.usage.completion_tokens <= 4


def test_embeddings_round_trip(api: Client, model: str) -> None:
    body = EmbeddingRequest(model=model, input_=["hello world", "bonjour"], dimensions=32)
    r = create_embeddings.sync(client=api, body=body)
    assert isinstance(r, EmbeddingList), r
    assert [d.index for d in r.data] == [0, 1]
    for d in r.data:
        assert isinstance(d.embedding, list) and len(d.embedding) == 32
        assert math.isclose(math.fsum(v * v for v in d.embedding), 1.0, rel_tol=1e-5)
    assert r.usage.prompt_tokens == r.usage.total_tokens > 0
    bad = create_embeddings.sync_detailed(client=api, body=EmbeddingRequest(model=model, input_=""))
    assert bad.status_code == 400 and isinstance(bad.parsed, ErrorResponse)
    assert bad.parsed.error.param == "input"
