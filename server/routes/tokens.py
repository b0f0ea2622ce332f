"""`POST /tokenize` and `POST /detokenize`: the served model's tokenizer over HTTP (vLLM's shapes),
so clients can count and size prompts exactly as the engine will see them.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post

from server.errors import ERROR_RESPONSES, APIError
from server.prompts import render_messages
from server.protocol import (
    DetokenizeRequest,
    DetokenizeResponse,
    TokenizeRequest,
    TokenizeResponse,
)
from server.routes import check_token_ids, resolve_model


@post(
    "/tokenize",
    status_code=200,
    summary="Tokenize a prompt or a conversation",
    responses=ERROR_RESPONSES,
)
async def tokenize(data: TokenizeRequest, request: Request[Any, Any, Any]) -> TokenizeResponse:
    engine = (await resolve_model(request, data.model)).engine
    if (data.prompt is None) == (data.messages is None):
        raise APIError(
            "Give exactly one of 'prompt' and 'messages'.", param="prompt", code="invalid_value"
        )
    if data.messages is not None:
        tokens = render_messages(engine, data.messages, request.app.state.parsers)
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
async def detokenize(data: DetokenizeRequest, request: Request[Any, Any, Any]
                     ) -> DetokenizeResponse:
    engine = (await resolve_model(request, data.model)).engine
    tokens = check_token_ids(engine, data.tokens, param="tokens")
    return DetokenizeResponse(prompt=engine.tokenizer.decode(tokens))
