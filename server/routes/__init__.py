"""What the generation routes share: the engine dependency, the engine that serves a request's
model (`resolve_model`), request checks that OpenAI makes (model, n, stream_options, context
length), SamplingParams and usage. No route lives here.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, TypeVar

from litestar import Request
from litestar.datastructures import State
from msgspec import UNSET

from engine.protocol import (
    EngineClient,
    GenerateRequest,
    RequestOutput,
    SamplingParams,
    TokenLogprob,
)
from server.errors import APIError, unsupported
from server.limits import deadline
from server.model_pool import Target
from server.model_registry import ModelRegistry
from server.protocol import (
    CompletionTokensDetails,
    GenerationFields,
    PromptTokensDetails,
    StreamOptions,
    Usage,
)
from server.routes.choices import merged

T = TypeVar("T")


def provide_engine(state: State) -> EngineClient:
    """The first model's engine, always up (Litestar dependency `engine`): for what is not
    about a request's model (health, the tokenizer of cleaning's scorer). A request's model is
    served by the engine `resolve_model` gives."""
    return state.engine


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def now() -> int:
    return int(time.time())


def check_model(state: State, model: str) -> None:
    """A 404 unless `model` is served and the caller may use it (server.model_registry)."""
    registry: ModelRegistry = state.registry
    registry.lookup(model)


async def resolve_model(request: Request[Any, Any, Any], model: str) -> Target:
    """The engine that serves a request's `model` and the adapter to run on it; a 404 for an
    unknown model or one the caller may not use (server.model_registry.ModelRegistry.resolve)."""
    registry: ModelRegistry = request.app.state.registry
    return await registry.resolve(model, request.scope)


def check_token_ids(engine: EngineClient, ids: list[int], *, param: str) -> list[int]:
    """Token ids from a client; one outside the vocabulary would index past the embedding table."""
    vocab = engine.tokenizer.vocab_size
    bad = next((i for i in ids if not isinstance(i, int) or not 0 <= i < vocab), None)
    if bad is not None:
        raise APIError(
            f"Token id {bad} is out of range [0, {vocab}).", param=param, code="invalid_value"
        )
    return ids


def check_common(
    n: int | None, stream: bool, stream_options: StreamOptions | None, max_n: int
) -> bool:
    """OpenAI's cross-field rules; returns whether the stream should end with a usage chunk."""
    if n is not None and n > max_n:
        raise APIError(
            f"Invalid 'n': {n} is greater than this server's maximum of {max_n} choices.",
            param="n",
            code="invalid_value",
        )
    if stream_options is None:
        return False
    if not stream:  # vLLM's rule: the options only mean something for a stream
        raise APIError(
            "stream_options is only allowed when stream is true.",
            param="stream_options",
            code="invalid_value",
        )
    return stream_options.include_usage


def check_neutral(**params: tuple[Any, tuple[Any, ...]]) -> None:
    """Refuse a not-yet-implemented parameter unless its value is one that changes nothing:
    silently ignoring it would hand back an answer the caller did not ask for."""
    for name, (value, neutral) in params.items():
        if value not in neutral:
            raise unsupported(name)


def sampling_params(
    engine: EngineClient,
    num_prompt_tokens: int,
    data: GenerationFields,
    *,
    param: str,
    max_tokens: int | None,
    max_tokens_param: str | None,
    logprobs: int | None = None,
    prompt_logprobs: int | None = None,
) -> SamplingParams:
    """SamplingParams for a prompt of `num_prompt_tokens`, named `param` in the request. As OpenAI
    and vLLM answer, a 400 `context_length_exceeded` when the prompt leaves no room (on `param`)
    or when the client's `max_tokens` (its field `max_tokens_param`) does not fit after the prompt
    (on that field). None asked: the room left. `max_tokens_param` None: `max_tokens` is the
    server's own budget, cut to the room left."""
    limit, room = engine.max_model_len, engine.max_model_len - num_prompt_tokens
    if room < 1:
        raise APIError(
            f"This model's maximum context length is {limit} tokens. However, your request has "
            f"{num_prompt_tokens} tokens in the {param}, which leaves no room for a completion. "
            f"Please reduce the length of the {param}.",
            param=param,
            code="context_length_exceeded",
        )
    if max_tokens is not None and max_tokens_param is not None and max_tokens > room:
        raise APIError(
            f"This model's maximum context length is {limit} tokens. However, you requested "
            f"{num_prompt_tokens + max_tokens} tokens ({num_prompt_tokens} in the {param}, "
            f"{max_tokens} in the completion). Please reduce the length of the {param} or "
            "completion.",
            param=max_tokens_param,
            code="context_length_exceeded",
        )
    stops = (data.stop,) if isinstance(data.stop, str) else tuple(data.stop or ())
    return SamplingParams(
        max_tokens=room if max_tokens is None else min(max_tokens, room),
        temperature=1.0 if data.temperature is None else data.temperature,
        top_p=1.0 if data.top_p is None else data.top_p,
        top_k=max(data.top_k or 0, 0),
        seed=data.seed,
        stop=tuple(s for s in stops if s),  # "" would match everywhere; OpenAI ignores it too
        ignore_eos=data.ignore_eos,
        stop_token_ids=tuple(data.stop_token_ids or ()),
        presence_penalty=data.presence_penalty or 0.0,
        frequency_penalty=data.frequency_penalty or 0.0,
        repetition_penalty=data.repetition_penalty or 1.0,
        logit_bias=_logit_bias(engine, data.logit_bias),
        min_p=data.min_p or 0.0,
        logprobs=logprobs,
        prompt_logprobs=prompt_logprobs,
    )


def _logit_bias(
    engine: EngineClient, bias: dict[str, float] | None
) -> tuple[tuple[int, float], ...]:
    """OpenAI's map of token id (as a JSON key) to a bias in [-100, 100]."""
    out = []
    for key, value in (bias or {}).items():
        if not key.lstrip("-").isdigit() or not 0 <= int(key) < engine.tokenizer.vocab_size:
            raise APIError(
                f"Invalid key in 'logit_bias': {key!r} is not a token id of this model.",
                param="logit_bias",
                code="invalid_value",
            )
        if not -100 <= value <= 100:
            raise APIError(
                f"Invalid value in 'logit_bias' for {key}: {value} is outside [-100, 100].",
                param="logit_bias",
                code="invalid_value",
            )
        out.append((int(key), float(value)))
    return tuple(out)


def max_n(request: Request[Any, Any, Any]) -> int:
    return request.app.state.max_n


def usage(lasts: list[RequestOutput], n: int = 1,
          reasoning_tokens: list[int | None] | None = None) -> Usage:
    """Prompts times n choices, in choice order: each prompt counts once, with its first
    choice's prefix-cache hits. `reasoning_tokens`: each choice's thought, where answers are
    read for one (None elsewhere)."""
    firsts = lasts[::n]
    prompt = sum(out.prompt_tokens for out in firsts)
    completion = sum(out.completion_tokens for out in lasts)
    counted = [r for r in reasoning_tokens or () if r is not None]
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=prompt + completion,
        prompt_tokens_details=PromptTokensDetails(
            cached_tokens=sum(o.cached_tokens for o in firsts)
        ),
        completion_tokens_details=CompletionTokensDetails(reasoning_tokens=sum(counted))
        if counted else UNSET,
    )


def finish_reason(out: RequestOutput | None) -> str:
    """OpenAI's finish_reason for the last delta; an aborted or cut-off request is an error."""
    if out is None or not out.finished:
        raise APIError("The generation ended without a result.", status_code=500)
    if out.finish_reason == "abort":
        raise APIError("The request was aborted by the server.", status_code=503)
    return out.finish_reason or "stop"


@dataclass
class Collected:
    """A whole answer: its text and tokens, its last delta (finish, usage) and log-probabilities
    if asked."""

    text: str
    last: RequestOutput
    logprobs: list[TokenLogprob] = field(default_factory=list)
    token_ids: list[int] = field(default_factory=list)
    prompt_logprobs: list[TokenLogprob | None] | None = None


async def complete(
    engine: EngineClient, requests: list[GenerateRequest], connection: Request[Any, Any, Any]
) -> list[Collected]:
    """Run every choice to the end. A client that hangs up first cancels the run, which
    aborts it in the engine."""
    return await unless_disconnected(_collect(engine, requests), connection)


async def unless_disconnected(work: Awaitable[T], connection: Request[Any, Any, Any]) -> T:
    """`work`'s result, or a 499 once the client is gone, or a 504 / 503 past the request's
    deadline (timeout, shutdown). Then `work` is cancelled, which aborts what it runs in the
    engine, before the answer goes out."""
    run = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(_disconnected(connection))
    try:
        async with deadline():
            await asyncio.wait((run, gone), return_when=asyncio.FIRST_COMPLETED)
    finally:  # also when this handler is cancelled (server shutdown)
        gone.cancel()
        if not run.done():
            run.cancel()
            await asyncio.wait((run,))  # its engine requests are aborted by the time we answer
    if run.done() and not run.cancelled():
        return run.result()  # the answer, or the run's own exception as it was raised
    # Nobody is left to read an answer; 499 (nginx's "client closed request") is for the log.
    raise APIError("The client closed the connection.", status_code=499)


async def _disconnected(connection: Request[Any, Any, Any]) -> None:
    # The body is read already, so the next ASGI message can only be the client leaving.
    while (await connection.receive())["type"] != "http.disconnect":
        pass


async def _collect(engine: EngineClient, requests: list[GenerateRequest]) -> list[Collected]:
    parts: list[list[str]] = [[] for _ in requests]
    ids: list[list[int]] = [[] for _ in requests]
    logprobs: list[list[TokenLogprob]] = [[] for _ in requests]
    prompt_logprobs: list[list[TokenLogprob | None] | None] = [None] * len(requests)
    lasts: list[RequestOutput | None] = [None] * len(requests)
    # aclosing: a cancelled caller still closes the streams, which aborts them in the engine.
    async with aclosing(merged(engine, requests)) as outputs:
        async for i, out in outputs:
            parts[i].append(out.text)
            ids[i] += out.token_ids
            logprobs[i] += out.logprobs or []
            prompt_logprobs[i] = out.prompt_logprobs or prompt_logprobs[i]
            lasts[i] = out
    done = []
    for text, tokens, lps, plps, last in zip(parts, ids, logprobs, prompt_logprobs, lasts,
                                             strict=True):
        finish_reason(last)
        assert last is not None
        done.append(Collected("".join(text), last, lps, prompt_logprobs=plps, token_ids=tokens))
    return done
