"""`GET /v1/models` and `GET /v1/models/{id}`: the served model, as OpenAI model objects."""

from __future__ import annotations

from litestar import get

from engine.async_engine import AsyncEngine
from server.errors import ERROR_RESPONSES, model_not_found
from server.protocol import Model, ModelList


def _model(engine: AsyncEngine) -> Model:
    return Model(id=engine.model_name, created=engine.created, max_model_len=engine.max_model_len)


@get("/v1/models", summary="List models")
async def list_models(engine: AsyncEngine) -> ModelList:
    return ModelList(data=[_model(engine)])


# `:path` because model ids may hold slashes ("org/name"), as Hugging Face names do.
@get("/v1/models/{model_id:path}", summary="Retrieve a model", responses=ERROR_RESPONSES)
async def retrieve_model(model_id: str, engine: AsyncEngine) -> Model:
    model_id = model_id.lstrip("/")
    if model_id != engine.model_name:
        raise model_not_found(model_id)
    return _model(engine)
