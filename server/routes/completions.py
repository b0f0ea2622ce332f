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
from server.errors import ERROR_RESPONSES, APIError, unsupported
from server.protocol import Completion, CompletionChoice, CompletionLogprobs, CompletionRequest
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
from server.routes.logprobs import completion_logprobs, concat, echo_logprobs
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
        suffix=(data.suffix, (None, "")),
        best_of=(data.best_of, (None, 1)),
    )
    if data.max_tokens == 0 and not data.echo:
        raise APIError(
            "max_tokens must be at least 1 unless echo is true.",
            param="max_tokens",
            code="invalid_value",
        )
    score_only = data.max_tokens == 0
    prompt_ids = _prompt_ids(engine, data.prompt)
    sampling = sampling_params(
        engine,
        len(prompt_ids),
        param="prompt",
        max_tokens=max(data.max_tokens, 1),  # score_only: the one token is dropped below
        temperature=data.temperature,
        top_p=data.top_p,
        top_k=data.top_k,
        seed=data.seed,
        stop=data.stop,
        ignore_eos=data.ignore_eos,
        stop_token_ids=data.stop_token_ids,
        presence_penalty=data.presence_penalty,
        frequency_penalty=data.frequency_penalty,
        repetition_penalty=data.repetition_penalty,
        logit_bias=data.logit_bias,
        min_p=data.min_p,
        logprobs=data.logprobs,
        # echo + logprobs scores the prompt too: what lm-eval and OpenCompass rank choices by.
        prompt_logprobs=data.logprobs if data.echo else None,
    )
    generation = GenerateRequest(
        request_id=new_id("cmpl"), prompt_ids=tuple(prompt_ids), sampling=sampling
    )
    echo = engine.tokenizer.decode(prompt_ids) if data.echo else ""
    if data.stream:
        if score_only:
            raise unsupported("stream", "max_tokens=0 (prompt scoring) is not streamed.")
        return sse_response(_chunks(engine, generation, include_usage, echo))
    done = await complete(engine, generation, request)
    last = done.last
    if score_only:
        done.text, done.logprobs = "", []
        last.completion_tokens = 0
    logprobs = None
    if data.logprobs is not None:
        logprobs = completion_logprobs(engine.tokenizer, list(done.logprobs), len(echo))
        if data.echo:
            prompt = echo_logprobs(engine.tokenizer, prompt_ids, done.prompt_logprobs or [])
            logprobs = concat(prompt, logprobs)
    choice = CompletionChoice(
        index=0, text=echo + done.text, logprobs=logprobs, finish_reason=finish_reason(last)
    )
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
    engine: AsyncEngine, request: GenerateRequest, include_usage: bool, echo: str
) -> AsyncGenerator[Completion, None]:
    created, model = now(), engine.model_name
    tokenizer, want_logprobs = engine.tokenizer, request.sampling.logprobs is not None

    def chunk(
        text: str, finish: str | None = None, lps: CompletionLogprobs | None = None
    ) -> Completion:
        return Completion(
            id=request.request_id,
            created=created,
            model=model,
            choices=[CompletionChoice(index=0, text=text, logprobs=lps, finish_reason=finish)],
            usage=None if include_usage else UNSET,
        )

    last: RequestOutput | None = None
    offset = len(echo)
    async with aclosing(engine.generate(request)) as outputs:  # type: ignore[type-var]
        async for out in outputs:
            last = out
            text, lps = out.text, None
            if want_logprobs:
                lps = completion_logprobs(tokenizer, list(out.logprobs or []), offset)
            if out.prompt_logprobs is not None:  # the first delta of an echo: the prompt first
                prompt = echo_logprobs(tokenizer, list(request.prompt_ids), out.prompt_logprobs)
                lps = concat(prompt, lps) if lps is not None else None
            if echo and last.completion_tokens == 1:
                text = echo + text
            offset += len(out.text)
            if text or lps:
                yield chunk(text, lps=lps)
    yield chunk("", finish_reason(last))
    if include_usage and last is not None:
        yield Completion(
            id=request.request_id, created=created, model=model, choices=[], usage=usage(last)
        )
