"""`POST /tokenize` and `POST /detokenize`: the served model's tokenizer over HTTP (vLLM's shapes),
so clients can count and size prompts exactly as the engine will see them.
"""

from __future__ import annotations

from litestar import post

from engine.async_engine import AsyncEngine
from server.errors import ERROR_RESPONSES, APIError
from server.protocol import (
    DetokenizeRequest,
    DetokenizeResponse,
    TokenizeRequest,
    TokenizeResponse,
)
from server.routes import check_model, check_token_ids
from server.routes.chat import render_messages


@post(
    "/tokenize",
    status_code=200,
    summary="Tokenize a prompt or a conversation",
    responses=ERROR_RESPONSES,
)
async def tokenize(data: TokenizeRequest, engine: AsyncEngine) -> TokenizeResponse:
    check_model(engine, data.model)
    if (data.prompt is None) == (data.messages is None):
        raise APIError(
            "Give exactly one of 'prompt' and 'messages'.", param="prompt", code="invalid_value"
        )
    if data.messages is not None:
        tokens = render_messages(engine, data.messages)
    else:
        tokens = engine.tokenizer.encode(
            data.prompt or "", add_special_tokens=data.add_special_tokens
        )
    return TokenizeResponse(count=len(tokens), max_model_len=engine.max_model_len, tokens=tokens)


@post(
    "/detokenize",
    status_code=200,
    summary="Turn token ids back into text",
    responses=ERROR_RESPONSES,
)
async def detokenize(data: DetokenizeRequest, engine: AsyncEngine) -> DetokenizeResponse:
    check_model(engine, data.model)
    tokens = check_token_ids(engine, data.tokens, param="tokens")
    return DetokenizeResponse(prompt=engine.tokenizer.decode(tokens))
