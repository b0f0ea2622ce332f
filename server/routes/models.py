"""`GET /v1/models`, `GET /v1/models/{id}`, `DELETE /v1/models/{id}`: the base model and the
fine-tuned ones (succeeded LoRA jobs and their checkpoints), and keeping the engine's adapters
equal to that list (`serve_fine_tuned`)."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar, delete, get

from engine.async_engine import AsyncEngine
from server.auth import ADMIN
from server.errors import ERROR_RESPONSES, APIError, model_not_found
from server.jobs.finetune import FineTuneRunner
from server.protocol import Model, ModelDeleted, ModelList
from server.state.finetune import FineTunedModel, FineTuneStore

OWNER = "user"  # who owns a fine-tuned model (OpenAI puts the organization there)


def _base(engine: AsyncEngine) -> Model:
    return Model(id=engine.model_name, created=engine.created, max_model_len=engine.max_model_len)


def adapter_folder(model: FineTunedModel, fine_tuning: FineTuneRunner) -> Path | None:
    """Where the model's LoRA adapter is, or None when it has none to serve (a full fine-tune's
    merged weights, or files removed by hand)."""
    folder = Path(model.adapter_path) if model.adapter_path else fine_tuning.model_dir(model.job_id)
    return folder if (folder / "adapter_config.json").is_file() else None


async def servable(fine_tunes: FineTuneStore, fine_tuning: FineTuneRunner
                   ) -> dict[str, tuple[FineTunedModel, Path]]:
    """The fine-tuned models this server serves: id -> (model, adapter folder)."""
    out = {}
    for m in await fine_tunes.fine_tuned_models():
        folder = adapter_folder(m, fine_tuning)
        if folder is not None:
            out[m.id] = (m, folder)
    return out


async def sync_adapters(engine: AsyncEngine, fine_tunes: FineTuneStore,
                        fine_tuning: FineTuneRunner) -> None:
    """Register every servable fine-tuned model with the engine and remove the ones gone."""
    wanted = {k: folder for k, (_, folder) in (await servable(fine_tunes, fine_tuning)).items()}
    have = engine.adapters()
    for adapter_id in have.keys() - wanted.keys():
        engine.remove_adapter(adapter_id)
    for adapter_id, folder in wanted.items():
        if have.get(adapter_id) != folder:
            engine.register_adapter(adapter_id, folder)


async def serve_fine_tuned(app: Litestar) -> None:
    """At startup, once the engine runs: serve what earlier jobs made, and each new model as
    soon as its job succeeds."""
    engine, services = app.state.engine, app.state.services

    async def sync() -> None:
        await sync_adapters(engine, services.fine_tunes, services.fine_tuning)

    services.fine_tunes.watch(sync)
    await sync()


def _model(engine: AsyncEngine, m: FineTunedModel) -> Model:
    return Model(id=m.id, created=m.created, owned_by=OWNER, parent=m.parent,
                 max_model_len=engine.max_model_len)


@get("/v1/models", summary="List models")
async def list_models(engine: AsyncEngine, fine_tunes: FineTuneStore,
                      fine_tuning: FineTuneRunner) -> ModelList:
    tuned = await servable(fine_tunes, fine_tuning)
    return ModelList(data=[_base(engine), *(_model(engine, m) for m, _ in tuned.values())])


# `:path` because model ids may hold slashes ("org/name"), as Hugging Face names do.
@get("/v1/models/{model_id:path}", summary="Retrieve a model", responses=ERROR_RESPONSES)
async def retrieve_model(model_id: str, engine: AsyncEngine, fine_tunes: FineTuneStore,
                         fine_tuning: FineTuneRunner) -> Model:
    model_id = model_id.lstrip("/")
    if model_id == engine.model_name:
        return _base(engine)
    found = (await servable(fine_tunes, fine_tuning)).get(model_id)
    if found is None:
        raise model_not_found(model_id)
    return _model(engine, found[0])


@delete("/v1/models/{model_id:path}", status_code=200, summary="Delete a fine-tuned model",
        responses=ERROR_RESPONSES, opt=ADMIN)
async def delete_model(model_id: str, engine: AsyncEngine, fine_tunes: FineTuneStore,
                       fine_tuning: FineTuneRunner) -> ModelDeleted:
    model_id = model_id.lstrip("/")
    if model_id == engine.model_name:
        raise APIError(f"The model `{model_id}` is the base model; only fine-tuned models can "
                       "be deleted.", status_code=403, param="model", code="model_not_deletable")
    found = (await servable(fine_tunes, fine_tuning)).get(model_id)
    if found is None or not await fine_tunes.delete_model(found[0]):
        raise model_not_found(model_id)
    engine.remove_adapter(model_id)  # requests running with it finish first
    return ModelDeleted(id=model_id)
