"""`POST /v1/completions`: the legacy text completion, a raw prompt (text or ids), no template.

Whole answers and stream chunks share OpenAI's `text_completion` shape.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from litestar import Request, post
from litestar.response import ServerSentEvent
from msgspec import UNSET

from engine.async_engine import AsyncEngine
from engine.protocol import GenerateRequest, RequestOutput
from server.errors import ERROR_RESPONSES, APIError
from server.protocol import Completion, CompletionChoice, CompletionRequest
from server.routes import (
    check_common,
    check_model,
    check_neutral,
    complete,
    finish_reason,
    new_id,
    now,
    sampling_params,
    usage,
)
from server.sse import sse_response


@post(
    "/v1/completions",
    status_code=200,
    summary="Create a text completion",
    responses=ERROR_RESPONSES,
)
async def create_completion(
    data: CompletionRequest, engine: AsyncEngine, request: Request[Any, Any, Any]
) -> Completion | ServerSentEvent:
    check_model(engine, data.model)
    include_usage = check_common(data.n, data.stream, data.stream_options)
    check_neutral(
        echo=(data.echo, (False,)),
        suffix=(data.suffix, (None, "")),
        best_of=(data.best_of, (None, 1)),
        logprobs=(data.logprobs, (None,)),
        presence_penalty=(data.presence_penalty, (None, 0.0)),
        frequency_penalty=(data.frequency_penalty, (None, 0.0)),
        logit_bias=(data.logit_bias, (None, {})),
    )
    prompt_ids = _prompt_ids(engine, data.prompt)
    sampling = sampling_params(
        engine,
        len(prompt_ids),
        param="prompt",
        max_tokens=data.max_tokens,
        temperature=data.temperature,
        top_p=data.top_p,
        top_k=data.top_k,
        seed=data.seed,
        stop=data.stop,
        ignore_eos=data.ignore_eos,
        stop_token_ids=data.stop_token_ids,
    )
    generation = GenerateRequest(
        request_id=new_id("cmpl"), prompt_ids=tuple(prompt_ids), sampling=sampling
    )
    if data.stream:
        return sse_response(_chunks(engine, generation, include_usage))
    text, last = await complete(engine, generation, request)
    choice = CompletionChoice(index=0, text=text, finish_reason=finish_reason(last))
    return Completion(
        id=generation.request_id,
        created=now(),
        model=engine.model_name,
        choices=[choice],
        usage=usage(last),
    )


def _prompt_ids(engine: AsyncEngine, prompt: str | list[str | int | list[int]]) -> list[int]:
    """One prompt as token ids. OpenAI's list forms are one prompt each when they hold a single
    prompt (`["text"]`, `[1, 2]`, `[[1, 2]]`); several prompts would need n choices per prompt."""
    if isinstance(prompt, list) and len(prompt) == 1 and not isinstance(prompt[0], int):
        prompt = prompt[0]
    if isinstance(prompt, str):
        ids = engine.tokenizer.encode(prompt, add_special_tokens=True)
    elif prompt and all(isinstance(i, int) for i in prompt):
        ids = _checked_ids(engine, prompt)  # type: ignore[arg-type]
    elif prompt:
        raise APIError(
            "Several prompts in one request are not supported yet: send one prompt.",
            param="prompt",
            code="unsupported_value",
        )
    else:
        ids = []
    if not ids:
        raise APIError("The prompt is empty.", param="prompt", code="invalid_value")
    return ids


def _checked_ids(engine: AsyncEngine, ids: list[int]) -> list[int]:
    # An id outside the vocabulary would index past the embedding table inside the engine.
    vocab = engine.tokenizer.vocab_size
    bad = next((i for i in ids if not 0 <= i < vocab), None)
    if bad is not None:
        raise APIError(
            f"Token id {bad} is out of range [0, {vocab}).", param="prompt", code="invalid_value"
        )
    return ids


async def _chunks(
    engine: AsyncEngine, request: GenerateRequest, include_usage: bool
) -> AsyncGenerator[Completion, None]:
    created, model = now(), engine.model_name

    def chunk(text: str, finish: str | None = None) -> Completion:
        return Completion(
            id=request.request_id,
            created=created,
            model=model,
            choices=[CompletionChoice(index=0, text=text, finish_reason=finish)],
            usage=None if include_usage else UNSET,
        )

    last: RequestOutput | None = None
    async with aclosing(engine.generate(request)) as outputs:  # type: ignore[type-var]
        async for out in outputs:
            last = out
            if out.text:
                yield chunk(out.text)
    yield chunk("", finish_reason(last))
    if include_usage and last is not None:
        yield Completion(
            id=request.request_id, created=created, model=model, choices=[], usage=usage(last)
        )
