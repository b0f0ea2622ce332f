"""`GET /v1/models`, `GET /v1/models/{id}`, `DELETE /v1/models/{id}` and hanlin's
`POST /v1/models/{id}` (visibility): the base model and the fine-tuned ones the caller may use
(succeeded LoRA jobs and their checkpoints, succeeded full fine-tunes; `server.model_access`), and
keeping what serves them equal to that list (`serve_fine_tuned`): the engine's adapters, the model
pool's merged folders, who may use each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from litestar import Litestar, delete, get, post
from litestar.datastructures import State
from litestar.openapi import ResponseSpec

from engine.async_engine import AsyncEngine
from server.errors import ERROR_RESPONSES, APIError, ErrorResponse, model_not_found
from server.jobs.finetune import FineTuneRunner
from server.model_access import Access, ModelAccess, access_of
from server.model_pool import ModelPool
from server.protocol import Model, ModelDeleted, ModelList, ModelUpdate
from server.state.finetune import FineTunedModel, FineTuneStore

OWNER = "user"  # who owns a fine-tuned model (OpenAI puts the organization there)
# Changing or deleting a model may also be a 403: the base model, or someone else's public one.
MANAGE_RESPONSES = {**ERROR_RESPONSES, 403: ResponseSpec(
    ErrorResponse, description="Not a model the caller may change", generate_examples=False)}


@dataclass(frozen=True)
class Servable:
    """A fine-tuned model this server serves: its record, its folder, and whether that folder is
    a LoRA adapter (run by the base engine) or merged weights (an engine of the pool)."""

    model: FineTunedModel
    folder: Path
    full: bool

    @property
    def access(self) -> Access:
        return access_of(self.model)


def _base(engine: AsyncEngine) -> Model:
    return Model(id=engine.model_name, created=engine.created, max_model_len=engine.max_model_len)


def served_folder(model: FineTunedModel, fine_tuning: FineTuneRunner) -> tuple[Path, bool] | None:
    """Where the model's weights are and whether they are merged (a full fine-tune), or None
    when there is nothing to serve (files removed by hand)."""
    folder = Path(model.adapter_path) if model.adapter_path else fine_tuning.model_dir(model.job_id)
    if (folder / "adapter_config.json").is_file():
        return folder, False
    if (folder / "config.json").is_file() and any(folder.glob("*.safetensors")):
        return folder, True
    return None


async def servable(fine_tunes: FineTuneStore, fine_tuning: FineTuneRunner
                   ) -> dict[str, Servable]:
    """The fine-tuned models this server serves, by id."""
    out = {}
    for m in await fine_tunes.fine_tuned_models():
        found = served_folder(m, fine_tuning)
        if found is not None:
            out[m.id] = Servable(m, *found)
    return out


async def sync_models(engine: AsyncEngine, models: ModelPool, access: ModelAccess,
                      fine_tunes: FineTuneStore, fine_tuning: FineTuneRunner) -> None:
    """Register every servable fine-tuned model (an adapter with the engine, merged weights with
    the pool, its owner and visibility with `access`) and remove the ones gone."""
    served = await servable(fine_tunes, fine_tuning)
    access.replace({k: s.access for k, s in served.items()})
    wanted = {k: s.folder for k, s in served.items() if not s.full}
    have = engine.adapters()
    for adapter_id in have.keys() - wanted.keys():
        engine.remove_adapter(adapter_id)
    for adapter_id, folder in wanted.items():
        if have.get(adapter_id) != folder:
            engine.register_adapter(adapter_id, folder)
    await models.sync({k: s.folder for k, s in served.items() if s.full})


async def serve_fine_tuned(app: Litestar) -> None:
    """At startup, once the engine runs: serve what earlier jobs made, and each new model as
    soon as its job succeeds."""
    engine, models, services = app.state.engine, app.state.models, app.state.services
    access = app.state.model_access = ModelAccess()

    async def sync() -> None:
        await sync_models(engine, models, access, services.fine_tunes, services.fine_tuning)

    services.fine_tunes.watch(sync)
    await sync()


def _model(state: State, served: Servable) -> Model:
    m = served.model
    length = state.models.max_model_len(m.id) if served.full else state.engine.max_model_len
    return Model(id=m.id, created=m.created, owned_by=OWNER, parent=m.parent,
                 max_model_len=length, visibility=served.access.visibility)


async def _usable(model_id: str, fine_tunes: FineTuneStore, fine_tuning: FineTuneRunner
                  ) -> Servable:
    """The fine-tuned model if the caller may use it; else the 404 of an unknown model."""
    found = (await servable(fine_tunes, fine_tuning)).get(model_id)
    if found is None or not found.access.usable():
        raise model_not_found(model_id)
    return found


async def _managed(model_id: str, state: State, fine_tunes: FineTuneStore,
                   fine_tuning: FineTuneRunner, verb: str) -> Servable:
    """The fine-tuned model if the caller owns it or is an admin; a 404 if it may not even use
    it, a 403 if it may (someone else's public model)."""
    if model_id == state.engine.model_name:
        raise APIError(f"The model `{model_id}` is the base model; only fine-tuned models can "
                       f"be {verb}.", status_code=403, param="model", code="model_not_modifiable")
    found = await _usable(model_id, fine_tunes, fine_tuning)
    if not found.access.manageable():
        raise APIError(f"The model `{model_id}` is shared with you, not yours: only its owner "
                       f"or an admin may have it {verb}.", status_code=403, param="model",
                       code="insufficient_permissions")
    return found


@get("/v1/models", summary="List models")
async def list_models(state: State, fine_tunes: FineTuneStore,
                      fine_tuning: FineTuneRunner) -> ModelList:
    tuned = await servable(fine_tunes, fine_tuning)
    return ModelList(data=[_base(state.engine), *(_model(state, s) for s in tuned.values()
                                                  if s.access.usable())])


# `:path` because model ids may hold slashes ("org/name"), as Hugging Face names do.
@get("/v1/models/{model_id:path}", summary="Retrieve a model", responses=ERROR_RESPONSES)
async def retrieve_model(model_id: str, state: State, fine_tunes: FineTuneStore,
                         fine_tuning: FineTuneRunner) -> Model:
    model_id = model_id.lstrip("/")
    if model_id == state.engine.model_name:
        return _base(state.engine)
    return _model(state, await _usable(model_id, fine_tunes, fine_tuning))


@post("/v1/models/{model_id:path}", status_code=200, responses=MANAGE_RESPONSES,
      summary="Change who may use a fine-tuned model (its owner or an admin)")
async def update_model(model_id: str, data: ModelUpdate, state: State,
                       fine_tunes: FineTuneStore, fine_tuning: FineTuneRunner) -> Model:
    """hanlin's extension: `{"visibility": "private" | "public"}`. A fine-tuned model is private
    to the key that made its job (and admins) unless made public, here or at the job's creation
    (`hanlin.visibility`, which its checkpoints follow until one is set here on its own). Public
    shares use (listing, generation, evals, benchmarks, fine-tuning from it), never this route or
    deletion: those stay its owner's and admins' (403 for others who can see it; 404 for those
    who cannot, as for an unknown model)."""
    model_id = model_id.lstrip("/")
    found = await _managed(model_id, state, fine_tunes, fine_tuning, "changed")
    await fine_tunes.set_visibility(found.model, data.visibility)
    await fine_tunes.models_changed()  # the routes' table (`check_model`) follows at once
    return _model(state, await _usable(model_id, fine_tunes, fine_tuning))


@delete("/v1/models/{model_id:path}", status_code=200, summary="Delete a fine-tuned model",
        responses=MANAGE_RESPONSES)
async def delete_model(model_id: str, state: State, fine_tunes: FineTuneStore,
                       fine_tuning: FineTuneRunner) -> ModelDeleted:
    """By its owner (the key that made its job) or an admin; a 404 for a key that may not use
    it, a 403 for one it is shared with."""
    model_id = model_id.lstrip("/")
    found = await _managed(model_id, state, fine_tunes, fine_tuning, "deleted")
    if not await fine_tunes.delete_model(found.model):
        raise model_not_found(model_id)
    # Requests running with it finish first; an idle full fine-tune's engine is down on return.
    if found.full:
        await state.models.remove(model_id)
    else:
        state.engine.remove_adapter(model_id)
    return ModelDeleted(id=model_id)
