"""`GET /v1/models`, `GET /v1/models/{id}`, `DELETE /v1/models/{id}`: the base model and the
fine-tuned ones (succeeded LoRA jobs and their checkpoints, succeeded full fine-tunes), and keeping
what serves them equal to that list (`serve_fine_tuned`): the engine's adapters, the model pool's
merged folders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from litestar import Litestar, delete, get
from litestar.datastructures import State

from engine.async_engine import AsyncEngine
from server.auth import ADMIN
from server.errors import ERROR_RESPONSES, APIError, model_not_found
from server.jobs.finetune import FineTuneRunner
from server.model_pool import ModelPool
from server.protocol import Model, ModelDeleted, ModelList
from server.state.finetune import FineTunedModel, FineTuneStore

OWNER = "user"  # who owns a fine-tuned model (OpenAI puts the organization there)


@dataclass(frozen=True)
class Servable:
    """A fine-tuned model this server serves: its record, its folder, and whether that folder is
    a LoRA adapter (run by the base engine) or merged weights (an engine of the pool)."""

    model: FineTunedModel
    folder: Path
    full: bool


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


async def sync_models(engine: AsyncEngine, models: ModelPool, fine_tunes: FineTuneStore,
                      fine_tuning: FineTuneRunner) -> None:
    """Register every servable fine-tuned model (an adapter with the engine, merged weights with
    the pool) and remove the ones gone."""
    served = await servable(fine_tunes, fine_tuning)
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

    async def sync() -> None:
        await sync_models(engine, models, services.fine_tunes, services.fine_tuning)

    services.fine_tunes.watch(sync)
    await sync()


def _model(state: State, served: Servable) -> Model:
    m = served.model
    length = state.models.max_model_len(m.id) if served.full else state.engine.max_model_len
    return Model(id=m.id, created=m.created, owned_by=OWNER, parent=m.parent,
                 max_model_len=length)


@get("/v1/models", summary="List models")
async def list_models(state: State, fine_tunes: FineTuneStore,
                      fine_tuning: FineTuneRunner) -> ModelList:
    tuned = await servable(fine_tunes, fine_tuning)
    return ModelList(data=[_base(state.engine), *(_model(state, s) for s in tuned.values())])


# `:path` because model ids may hold slashes ("org/name"), as Hugging Face names do.
@get("/v1/models/{model_id:path}", summary="Retrieve a model", responses=ERROR_RESPONSES)
async def retrieve_model(model_id: str, state: State, fine_tunes: FineTuneStore,
                         fine_tuning: FineTuneRunner) -> Model:
    model_id = model_id.lstrip("/")
    if model_id == state.engine.model_name:
        return _base(state.engine)
    found = (await servable(fine_tunes, fine_tuning)).get(model_id)
    if found is None:
        raise model_not_found(model_id)
    return _model(state, found)


@delete("/v1/models/{model_id:path}", status_code=200, summary="Delete a fine-tuned model",
        responses=ERROR_RESPONSES, opt=ADMIN)
async def delete_model(model_id: str, state: State, fine_tunes: FineTuneStore,
                       fine_tuning: FineTuneRunner) -> ModelDeleted:
    model_id = model_id.lstrip("/")
    if model_id == state.engine.model_name:
        raise APIError(f"The model `{model_id}` is the base model; only fine-tuned models can "
                       "be deleted.", status_code=403, param="model", code="model_not_deletable")
    found = (await servable(fine_tunes, fine_tuning)).get(model_id)
    if found is None or not await fine_tunes.delete_model(found.model):
        raise model_not_found(model_id)
    # Requests running with it finish first; an idle full fine-tune's engine is down on return.
    if found.full:
        await state.models.remove(model_id)
    else:
        state.engine.remove_adapter(model_id)
    return ModelDeleted(id=model_id)
