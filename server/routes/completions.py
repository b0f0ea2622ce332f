"""`POST /v1/completions`: the legacy text completion, raw prompts (text or ids), no template.

Several prompts times `n` choices: choice index = prompt index * n + choice. Whole answers and
stream chunks share OpenAI's `text_completion` shape.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from litestar import Request, post
from litestar.response import ServerSentEvent
from msgspec import UNSET

from engine.protocol import EngineClient, GenerateRequest, RequestOutput
from server.errors import APIError, unsupported
from server.protocol import Completion, CompletionChoice, CompletionLogprobs, CompletionRequest
from server.routes import (
    check_common,
    check_neutral,
    check_token_ids,
    complete,
    finish_reason,
    max_n,
    new_id,
    now,
    resolve_model,
    sampling_params,
    usage,
)
from server.routes.choices import fan_out, merged
from server.routes.logprobs import completion_logprobs, concat, echo_logprobs
from server.sse import json_or_stream, sse_response


@post(
    "/v1/completions",
    status_code=200,
    summary="Create a text completion",
    **json_or_stream(Completion),
)
async def create_completion(
    data: CompletionRequest, request: Request[Any, Any, Any]
) -> Completion | ServerSentEvent:
    target = await resolve_model(request, data.model)
    engine = target.engine
    include_usage = check_common(data.n, data.stream, data.stream_options, max_n(request))
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
    if score_only and data.stream:
        raise unsupported("stream", "max_tokens=0 (prompt scoring) is not streamed.")
    n = data.n or 1
    cmpl_id = new_id("cmpl")
    prompts = _prompts(engine, data.prompt)
    ones: list[GenerateRequest] = []
    for p, ids in enumerate(prompts):
        sampling = sampling_params(
            engine,
            len(ids),
            data,
            param="prompt",
            max_tokens=max(data.max_tokens, 1),  # score_only: the one token is dropped below
            max_tokens_param="max_tokens",
            logprobs=data.logprobs,
            # echo + logprobs scores the prompt too: what lm-eval and OpenCompass rank by.
            prompt_logprobs=data.logprobs if data.echo else None,
        )
        ones.append(GenerateRequest(
            request_id=f"{cmpl_id}-p{p}", prompt_ids=tuple(ids), sampling=sampling,
            adapter=target.adapter,
        ))
    requests = fan_out(engine, ones, n, param="prompt")
    echoes = [engine.tokenizer.decode(ids) if data.echo else "" for ids in prompts]
    if data.stream:
        return sse_response(
            _chunks(engine, cmpl_id, data.model, requests, n, include_usage, echoes)
        )
    done = await complete(engine, requests, request)
    choices = []
    for i, c in enumerate(done):
        echo, ids = echoes[i // n], prompts[i // n]
        if score_only:
            c.text, c.logprobs, c.last.completion_tokens = "", [], 0
        logprobs = None
        if data.logprobs is not None:
            stop = [c.last.stop_logprob] if c.last.stop_logprob and not score_only else []
            logprobs = completion_logprobs(engine.tokenizer, c.logprobs + stop, len(echo))
            if data.echo:
                prompt = echo_logprobs(engine.tokenizer, ids, c.prompt_logprobs or [])
                logprobs = concat(prompt, logprobs)
        choices.append(
            CompletionChoice(
                index=i,
                text=echo + c.text,
                logprobs=logprobs,
                finish_reason="length" if score_only else finish_reason(c.last),
            )
        )
    return Completion(
        id=cmpl_id,
        created=now(),
        model=data.model,  # the base or fine-tuned model asked for, as OpenAI echoes it
        choices=choices,
        usage=usage([c.last for c in done], n),
    )


def _prompts(engine: EngineClient, prompt: str | list[str | int | list[int]]) -> list[list[int]]:
    """OpenAI's four prompt forms as token-id lists: a string, a list of strings, a list of ids,
    a list of id lists."""
    if isinstance(prompt, str):
        return [_one(engine, prompt)]
    if prompt and all(isinstance(i, int) for i in prompt):
        return [_one(engine, prompt)]  # type: ignore[arg-type]
    if prompt and all(isinstance(i, str | list) for i in prompt):
        return [_one(engine, item) for item in prompt]  # type: ignore[arg-type]
    raise APIError(
        "Invalid 'prompt': expected a string, a list of strings, a list of token ids or a list "
        "of token-id lists.",
        param="prompt",
        code="invalid_value",
    )


def _one(engine: EngineClient, prompt: str | list[int]) -> list[int]:
    if isinstance(prompt, str):
        ids = engine.tokenizer.encode(prompt, add_special_tokens=True)
    else:
        ids = check_token_ids(engine, prompt, param="prompt")
    if not ids:
        raise APIError("The prompt is empty.", param="prompt", code="invalid_value")
    return ids


async def _chunks(
    engine: EngineClient,
    cmpl_id: str,
    model: str,
    requests: list[GenerateRequest],
    n: int,
    include_usage: bool,
    echoes: list[str],
) -> AsyncGenerator[Completion, None]:
    created = now()
    tokenizer = engine.tokenizer

    def chunk(
        index: int, text: str, finish: str | None = None, lps: CompletionLogprobs | None = None
    ) -> Completion:
        choice = CompletionChoice(index=index, text=text, logprobs=lps, finish_reason=finish)
        return Completion(
            id=cmpl_id,
            created=created,
            model=model,
            choices=[choice],
            usage=None if include_usage else UNSET,
        )

    offsets = [len(echoes[i // n]) for i in range(len(requests))]
    lasts: dict[int, RequestOutput] = {}
    async with aclosing(merged(engine, requests)) as outputs:
        async for i, out in outputs:
            request, echo = requests[i], echoes[i // n]
            text, lps = out.text, None
            if request.sampling.logprobs is not None:
                stop = [out.stop_logprob] if out.stop_logprob else []
                lps = completion_logprobs(tokenizer, (out.logprobs or []) + stop, offsets[i])
            if out.prompt_logprobs is not None and lps is not None:  # echo: the prompt first
                prompt = echo_logprobs(tokenizer, list(request.prompt_ids), out.prompt_logprobs)
                lps = concat(prompt, lps)
            if echo and out.completion_tokens == 1:
                text = echo + text
            offsets[i] += len(out.text)
            if text or lps:
                yield chunk(i, text, lps=lps)
            if out.finished:
                lasts[i] = out
                yield chunk(i, "", finish_reason(out))
    if include_usage and lasts:
        yield Completion(
            id=cmpl_id,
            created=created,
            model=model,
            choices=[],
            usage=usage([lasts[i] for i in sorted(lasts)], n),
        )
