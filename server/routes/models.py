"""`GET /v1/models`, `GET /v1/models/{id}`, `DELETE /v1/models/{id}` and hanlin's
`POST /v1/models/{id}` (visibility): the base models and the fine-tuned ones the caller may use
(succeeded LoRA jobs and their checkpoints, succeeded full fine-tunes; `server.model_access`), as
the model registry holds them (`serve_fine_tuned` keeps it equal to the store), each with whether
its engine is loaded now."""

from __future__ import annotations

from litestar import Litestar, delete, get, post
from litestar.datastructures import State
from litestar.openapi import ResponseSpec

from server.errors import ERROR_RESPONSES, APIError, ErrorResponse, model_not_found
from server.model_registry import ModelRegistry, Served
from server.protocol import Model, ModelDeleted, ModelList, ModelUpdate
from server.state.finetune import FineTuneStore

OWNER = "user"  # who owns a fine-tuned model (OpenAI puts the organization there)
# Changing or deleting a model may also be a 403: the base model, or someone else's public one.
MANAGE_RESPONSES = {**ERROR_RESPONSES, 403: ResponseSpec(
    ErrorResponse, description="Not a model the caller may change", generate_examples=False)}


async def serve_fine_tuned(app: Litestar) -> None:
    """At startup, once the engines run: serve what earlier jobs made, and each new model as
    soon as its job succeeds (the registry follows every change of the store)."""
    registry: ModelRegistry = app.state.registry
    services = app.state.services

    async def sync() -> None:
        await registry.sync(services.fine_tunes, services.fine_tuning)

    services.fine_tunes.watch(sync)
    await registry.start()
    await sync()


def _model(registry: ModelRegistry, served: Served) -> Model:
    """A model as `/v1/models` shows it; `loaded`: whether the engine that runs it is up."""
    tuned = served.kind != "base"
    return Model(id=served.id, created=served.created, owned_by=OWNER if tuned else "hanlin",
                 parent=served.parent, max_model_len=registry.max_model_len(served),
                 visibility=served.access.visibility if served.access else None,
                 loaded=registry.loaded(served))


def _managed(model_id: str, registry: ModelRegistry, verb: str) -> Served:
    """The fine-tuned model if the caller owns it or is an admin; a 404 if it may not even use
    it, a 403 if it may (someone else's public model) or it is a base model."""
    found = registry.lookup(model_id)
    if found.kind == "base":
        raise APIError(f"The model `{model_id}` is a base model; only fine-tuned models can "
                       f"be {verb}.", status_code=403, param="model", code="model_not_modifiable")
    assert found.access is not None and found.record is not None
    if not found.access.manageable():
        raise APIError(f"The model `{model_id}` is shared with you, not yours: only its owner "
                       f"or an admin may have it {verb}.", status_code=403, param="model",
                       code="insufficient_permissions")
    return found


@get("/v1/models", summary="List models")
async def list_models(state: State) -> ModelList:
    registry: ModelRegistry = state.registry
    return ModelList(data=[_model(registry, s) for s in registry.listing()])


# `:path` because model ids may hold slashes ("org/name"), as Hugging Face names do.
@get("/v1/models/{model_id:path}", summary="Retrieve a model", responses=ERROR_RESPONSES)
async def retrieve_model(model_id: str, state: State) -> Model:
    registry: ModelRegistry = state.registry
    return _model(registry, registry.lookup(model_id.lstrip("/")))


@post("/v1/models/{model_id:path}", status_code=200, responses=MANAGE_RESPONSES,
      summary="Change who may use a fine-tuned model (its owner or an admin)")
async def update_model(model_id: str, data: ModelUpdate, state: State,
                       fine_tunes: FineTuneStore) -> Model:
    """hanlin's extension: `{"visibility": "private" | "public"}`. A fine-tuned model is private
    to the key that made its job (and admins) unless made public, here or at the job's creation
    (`hanlin.visibility`, which its checkpoints follow until one is set here on its own). Public
    shares use (listing, generation, evals, benchmarks, fine-tuning from it), never this route or
    deletion: those stay its owner's and admins' (403 for others who can see it; 404 for those
    who cannot, as for an unknown model)."""
    registry: ModelRegistry = state.registry
    model_id = model_id.lstrip("/")
    found = _managed(model_id, registry, "changed")
    assert found.record is not None
    await fine_tunes.set_visibility(found.record, data.visibility)
    await fine_tunes.models_changed()  # the registry follows at once
    return _model(registry, registry.lookup(model_id))


@delete("/v1/models/{model_id:path}", status_code=200, summary="Delete a fine-tuned model",
        responses=MANAGE_RESPONSES)
async def delete_model(model_id: str, state: State, fine_tunes: FineTuneStore) -> ModelDeleted:
    """By its owner (the key that made its job) or an admin; a 404 for a key that may not use
    it, a 403 for one it is shared with."""
    registry: ModelRegistry = state.registry
    model_id = model_id.lstrip("/")
    found = _managed(model_id, registry, "deleted")
    assert found.record is not None
    if not await fine_tunes.delete_model(found.record):
        raise model_not_found(model_id)
    # Requests running with it finish first; an idle full fine-tune's engine is down on return.
    await fine_tunes.models_changed()
    return ModelDeleted(id=model_id)
