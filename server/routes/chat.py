"""`POST /v1/chat/completions`: messages -> the checkpoint's chat template -> engine -> OpenAI.

Whole answers as `chat.completion`, streams as `chat.completion.chunk` server-sent events.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from litestar import Request, post
from litestar.response import ServerSentEvent
from msgspec import UNSET

from engine.async_engine import AsyncEngine
from engine.chat_template import ChatTemplateError
from engine.protocol import GenerateRequest, RequestOutput
from server.errors import ERROR_RESPONSES, APIError, unsupported
from server.protocol import (
    ChatChoice,
    ChatChunkChoice,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChatDelta,
    ChatLogprobs,
    ChatMessage,
    ChatResponseMessage,
)
from server.routes import (
    check_common,
    check_model,
    check_neutral,
    complete,
    finish_reason,
    max_n,
    new_id,
    now,
    sampling_params,
    usage,
)
from server.routes.choices import fan_out, merged
from server.routes.logprobs import chat_logprobs
from server.sse import sse_response


@post(
    "/v1/chat/completions",
    status_code=200,
    summary="Create a chat completion",
    responses=ERROR_RESPONSES,
)
async def create_chat_completion(
    data: ChatCompletionRequest, engine: AsyncEngine, request: Request[Any, Any, Any]
) -> ChatCompletion | ServerSentEvent:
    check_model(engine, data.model)
    include_usage = check_common(data.n, data.stream, data.stream_options, max_n(request))
    _check_unsupported(data)
    prompt_ids = render_messages(engine, data.messages)
    sampling = sampling_params(
        engine,
        len(prompt_ids),
        data,
        param="messages",
        max_tokens=data.max_completion_tokens or data.max_tokens,
        logprobs=(data.top_logprobs or 0) if data.logprobs else None,
    )
    generation = GenerateRequest(
        request_id=new_id("chatcmpl"), prompt_ids=tuple(prompt_ids), sampling=sampling
    )
    requests = fan_out(generation, data.n or 1)
    if data.stream:
        return sse_response(_chunks(engine, generation.request_id, requests, include_usage))
    done = await complete(engine, requests, request)
    choices = [
        ChatChoice(
            index=i,
            message=ChatResponseMessage(content=c.text),
            logprobs=chat_logprobs(engine.tokenizer, c.logprobs) if data.logprobs else None,
            finish_reason=finish_reason(c.last),
        )
        for i, c in enumerate(done)
    ]
    return ChatCompletion(
        id=generation.request_id,
        created=now(),
        model=engine.model_name,
        choices=choices,
        usage=usage([c.last for c in done], len(done)),
    )


def _check_unsupported(data: ChatCompletionRequest) -> None:
    if not data.messages:
        raise APIError(
            "Invalid 'messages': empty array. Expected an array with minimum length 1.",
            param="messages",
            code="empty_array",
        )
    for i, message in enumerate(data.messages):
        if message.tool_calls:
            raise unsupported(f"messages[{i}].tool_calls", "Tool calls are not supported yet.")
    # Without tools, "auto" can only answer in text: it is as neutral as "none".
    check_neutral(
        tools=(data.tools, (None, [])),
        tool_choice=(data.tool_choice, (None, "none", "auto")),
    )
    if data.top_logprobs is not None and not data.logprobs:
        raise APIError(
            "Invalid 'top_logprobs': it is only allowed when 'logprobs' is true.",
            param="top_logprobs",
            code="invalid_value",
        )
    if data.response_format is not None and data.response_format.get("type") != "text":
        raise unsupported(
            "response_format", "Only response_format {'type': 'text'} is supported yet."
        )


def render_messages(engine: AsyncEngine, messages: list[ChatMessage]) -> list[int]:
    """Token ids of the conversation as the checkpoint's own template lays it out."""
    try:
        text = engine.tokenizer.apply_chat_template(
            [_as_dict(m) for m in messages], add_generation_prompt=True
        )
    except ChatTemplateError as exc:  # no template, or the template refused the conversation
        raise APIError(str(exc), param="messages") from exc
    # The template writes the special tokens itself; adding a BOS again would double it.
    return engine.tokenizer.encode(text, add_special_tokens=False)


def _as_dict(message: ChatMessage) -> dict[str, Any]:
    content = message.content
    if isinstance(content, list):  # text parts are joined as vLLM does
        content = "\n".join(part.text for part in content)
    # Templates know "system"; OpenAI's "developer" is the same instruction role for them.
    role = "system" if message.role == "developer" else message.role
    return {
        "role": role,
        "content": content or "",
        "name": message.name,
        "tool_call_id": message.tool_call_id,
    }


async def _chunks(
    engine: AsyncEngine, chunk_id: str, requests: list[GenerateRequest], include_usage: bool
) -> AsyncGenerator[ChatCompletionChunk, None]:
    created, model = now(), engine.model_name

    def chunk(
        index: int,
        delta: ChatDelta,
        finish: str | None = None,
        logprobs: ChatLogprobs | None = None,
    ) -> ChatCompletionChunk:
        choice = ChatChunkChoice(index=index, delta=delta, logprobs=logprobs, finish_reason=finish)
        return ChatCompletionChunk(
            id=chunk_id,
            created=created,
            model=model,
            choices=[choice],
            usage=None if include_usage else UNSET,
        )

    for i in range(len(requests)):
        yield chunk(i, ChatDelta(role="assistant", content=""))
    lasts: dict[int, RequestOutput] = {}
    async with aclosing(merged(engine, requests)) as outputs:
        async for i, out in outputs:
            lps = chat_logprobs(engine.tokenizer, out.logprobs) if out.logprobs else None
            if out.text or lps:
                yield chunk(i, ChatDelta(content=out.text), logprobs=lps)
            if out.finished:
                lasts[i] = out
                yield chunk(i, ChatDelta(), finish_reason(out))
    if include_usage and lasts:
        yield ChatCompletionChunk(
            id=chunk_id,
            created=created,
            model=model,
            choices=[],
            usage=usage([lasts[i] for i in sorted(lasts)], len(requests)),
        )
