"""`POST /v1/embeddings`: the served chat model's mean-pooled final hidden state (after the final
norm), L2-normalised, in OpenAI's shape; float lists or base64 little-endian float32.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
from litestar import Request, post

from engine.embed import EmbedRequest
from engine.protocol import EngineClient
from server.errors import ERROR_RESPONSES, APIError
from server.protocol import Embedding, EmbeddingList, EmbeddingRequest, EmbeddingUsage
from server.routes import check_token_ids, resolve_model, unless_disconnected
from server.routes.choices import check_budget

# OpenAI's own limit on inputs per request.
MAX_INPUTS = 2048


@post(
    "/v1/embeddings",
    status_code=200,
    summary="Create embeddings",
    description=(
        "Each input's embedding is the mean over its tokens of the served model's final hidden "
        "state (after the final norm), L2-normalised. `dimensions` keeps the first components "
        "and renormalises them. This is a chat model's hidden state, not a trained embedding "
        "model: fine for clustering and near-duplicate search, weaker for retrieval."
    ),
    responses=ERROR_RESPONSES,
)
async def create_embeddings(
    data: EmbeddingRequest, request: Request[Any, Any, Any]
) -> EmbeddingList:
    """Mean-pooled, L2-normalised final hidden states (after the final norm) of the served model."""
    target = await resolve_model(request, data.model)
    engine = target.engine
    if data.dimensions is not None and data.dimensions > engine.embedding_size:
        raise APIError(
            f"Invalid 'dimensions': {data.dimensions} is greater than this model's embedding "
            f"size of {engine.embedding_size}.",
            param="dimensions",
            code="invalid_value",
        )
    inputs = _inputs(engine, data.input)
    tokens = sum(len(ids) for ids in inputs)
    check_budget(engine, tokens, f"{len(inputs)} inputs, {tokens} tokens in all", param="input")
    # A client that hangs up, or a request past its deadline, drops the inputs not yet run.
    job = EmbedRequest(inputs=inputs, dimensions=data.dimensions)
    vectors = await unless_disconnected(engine.embed(job), request)
    return EmbeddingList(
        data=[
            Embedding(index=i, embedding=_encode(v, data.encoding_format))
            for i, v in enumerate(vectors)
        ],
        # Named by the weights that made them: an adapter plays no part in embeddings (the
        # base's name), a full fine-tune's own weights do (its id).
        model=engine.model_name if target.adapter else data.model,
        usage=EmbeddingUsage(prompt_tokens=tokens, total_tokens=tokens),
    )


def _inputs(
    engine: EngineClient, given: str | list[str | int | list[int]]
) -> tuple[tuple[int, ...], ...]:
    """OpenAI's four forms as token-id tuples: a string, strings, token ids, token-id lists."""
    if isinstance(given, str):
        items: list[Any] = [given]
    elif given and all(isinstance(i, int) for i in given):
        items = [given]
    elif given and all(isinstance(i, str | list) for i in given):
        items = list(given)
    elif not given:
        raise APIError("Invalid 'input': the list is empty.", param="input", code="invalid_value")
    else:
        raise APIError(
            "Invalid 'input': expected a string, a list of strings, a list of token ids or a "
            "list of token-id lists.",
            param="input",
            code="invalid_value",
        )
    if len(items) > MAX_INPUTS:
        raise APIError(
            f"Invalid 'input': {len(items)} inputs, at most {MAX_INPUTS} are allowed.",
            param="input",
            code="invalid_value",
        )
    return tuple(_one(engine, item, i) for i, item in enumerate(items))


def _one(engine: EngineClient, item: str | list[int], index: int) -> tuple[int, ...]:
    # Checked before tokenizing: a tokenizer that adds BOS would make "" one token long.
    if not item:
        raise APIError(
            f"Invalid 'input[{index}]': an input must not be empty.",
            param="input",
            code="invalid_value",
        )
    if isinstance(item, str):
        ids = engine.tokenizer.encode(item, add_special_tokens=True)
    else:
        ids = check_token_ids(engine, item, param="input")
    if len(ids) > engine.max_model_len:
        raise APIError(
            f"This model's maximum context length is {engine.max_model_len} tokens, however "
            f"input {index} has {len(ids)} tokens. Please reduce the length of the input.",
            param="input",
            code="context_length_exceeded",
        )
    return tuple(ids)


def _encode(vector: np.ndarray, encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return vector.tolist()
