"""`POST /v1/chat/completions`: messages -> the checkpoint's chat template -> engine -> OpenAI.

Whole answers as `chat.completion`, streams as `chat.completion.chunk` server-sent events;
`response_format` and forced tool calls become a grammar; a reasoning model's thought and the
tool calls are read back out (`server.answers`), the same way for both. The deprecated
`functions` are served as tools (`server.legacy_functions`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request, post
from litestar.response import ServerSentEvent
from msgspec import UNSET

from engine.protocol import EngineClient, GenerateRequest, RequestOutput
from server.answers import AnswerParser, parse_answer
from server.errors import APIError, unsupported
from server.legacy_functions import as_tools, is_legacy
from server.model_pool import Target
from server.observability import span, traced_stream
from server.prompts import render_prompt, request_variables
from server.protocol import (
    ChatChoice,
    ChatChunkChoice,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChatDelta,
    ChatLogprobs,
    ChatResponseMessage,
    FunctionCall,
    FunctionCallDelta,
    ToolCall,
    ToolCallDelta,
)
from server.reasoning import END, START, ThinkParser, prefilled, reasoning_on, template_kwargs
from server.request_fields import refuse_unserved_chat
from server.routes import (
    check_common,
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
from server.routes.logprobs import chat_logprobs
from server.settings import ParserSettings
from server.sse import json_or_stream, sse_response
from server.tool_parsers import ToolCallParser, format_for
from server.tool_use import ToolUse, response_grammar, tool_use


@dataclass(frozen=True)
class Thinking:
    """Answers are read for a thought; `inside`: the prompt opened it (the answer starts in it)."""

    inside: bool


@dataclass(frozen=True)
class PreparedChat:
    """A checked chat request, ready for the engine: its n choices, how tool calls and the
    thought are read back, and what the answer carries (usage chunk, log-probabilities)."""

    request_id: str
    requests: list[GenerateRequest]
    tools: ToolUse | None
    thinking: Thinking | None
    include_usage: bool
    logprobs: bool
    model: str  # as the client named it: the base, or a served `ft:` model
    skip_special: bool  # whether the text the engine sends leaves special tokens out
    legacy: bool = False  # asked with `functions`: the call is answered as `function_call`
    service_tier: bool = False  # the request named a tier: answers say which served it

    def parser(self) -> AnswerParser | None:
        """A fresh parser for one choice; None: the text is the content as it is."""
        tools, thinking = self.tools, self.thinking
        if tools is None and thinking is None:
            return None
        return AnswerParser(
            ToolCallParser(tools.fmt, tools.parallel, incremental=tools.grammar is not None,
                           tools=tools.tools) if tools else None,
            ThinkParser(thinking.inside) if thinking else None)


@post(
    "/v1/chat/completions",
    status_code=200,
    summary="Create a chat completion",
    **json_or_stream(ChatCompletion),
)
async def create_chat_completion(
    data: ChatCompletionRequest, request: Request[Any, Any, Any]
) -> ChatCompletion | ServerSentEvent:
    with span("validation", since_arrival=True):  # from arrival: the body's parse included
        target = await resolve_model(request, data.model)
        prepared = prepare_chat(target, data, max_n(request), request.app.state.parsers)
    if data.stream:
        return sse_response(traced_stream(stream_chat(target.engine, prepared)))
    return await answer_chat(target.engine, prepared, request)


def prepare_chat(target: Target, data: ChatCompletionRequest, max_choices: int,
                 parsers: ParserSettings, *, prompt_param: str = "messages",
                 max_tokens_param: str | None = None, clip: bool = False) -> PreparedChat:
    """Every check OpenAI makes (a 400 in its envelope otherwise), then the engine requests for
    `target`, the engine (and adapter) that `data.model` resolved to; `parsers` names how
    answers are read back (else picked from the model's template). `/v1/responses` runs its
    turns through here too, naming its own fields in the errors (`prompt_param`,
    `max_tokens_param`); `clip`: the token budget is the server's, cut to the room left instead
    of refused."""
    engine = target.engine
    include_usage = check_common(data.n, data.stream, data.stream_options, max_choices)
    refuse_unserved_chat(data)
    _check_messages(data)
    legacy, data = is_legacy(data), as_tools(data)
    tools = tool_use(engine, data, parsers.tool_call_parser)
    # A forced tool call is the whole answer: its grammar wins over response_format (still
    # checked, so a bad one is a 400 either way).
    grammar = response_grammar(engine, data)
    if tools and tools.grammar:
        grammar = tools.grammar
    kwargs = request_variables(engine, data)
    thinks = reasoning_on(engine.tokenizer, parsers.reasoning_parser)
    if grammar is not None and thinks:  # a grammar holds from the first token: no thought
        kwargs = template_kwargs(engine.tokenizer.chat_template, None, "none") | kwargs
    fmt = tools.fmt if tools else format_for(engine.tokenizer, parsers.tool_call_parser)
    with span("templating"):
        prompt = render_prompt(engine, data.messages, fmt, tools.tools if tools else None,
                               kwargs)
        # The template writes the special tokens itself; adding a BOS again would double it.
        prompt_ids = engine.tokenizer.encode(prompt, add_special_tokens=False)
    field = "max_completion_tokens" if data.max_completion_tokens is not None else "max_tokens"
    sampling = sampling_params(
        engine,
        len(prompt_ids),
        data,
        param=prompt_param,
        max_tokens=data.max_completion_tokens or data.max_tokens,
        max_tokens_param=None if clip else max_tokens_param or field,
        logprobs=(data.top_logprobs or 0) if data.logprobs else None,
    )
    thinking = Thinking(prefilled(prompt)) if thinks and grammar is None else None
    # Calls and thoughts whose markers are special tokens must keep them in the text.
    markers = (*(tools.fmt.markers() if tools else ()), *((START, END) if thinking else ()))
    skip_special = not _any_special(engine, markers)
    sampling = msgspec.structs.replace(sampling, grammar=grammar, skip_special_tokens=skip_special)
    generation = GenerateRequest(
        request_id=new_id("chatcmpl"), prompt_ids=tuple(prompt_ids), sampling=sampling,
        adapter=target.adapter,
    )
    requests = fan_out(engine, [generation], data.n or 1, param=prompt_param)
    return PreparedChat(generation.request_id, requests, tools, thinking, include_usage,
                        bool(data.logprobs), data.model, skip_special, legacy,
                        data.service_tier is not None)


async def answer_chat(
    engine: EngineClient, prepared: PreparedChat, connection: Request[Any, Any, Any]
) -> ChatCompletion:
    """Every choice whole, as one `chat.completion`."""
    done = await complete(engine, prepared.requests, connection)
    choices, thoughts = [], []
    for i, c in enumerate(done):
        reason = finish_reason(c.last)
        message = ChatResponseMessage(content=c.text)
        if (parser := prepared.parser()) is not None:
            answer = parse_answer(parser, c.text)
            message = ChatResponseMessage(content=answer.content)
            if prepared.thinking is not None:
                message.reasoning_content = answer.reasoning
            if answer.calls and prepared.legacy:  # one call at most: parallel calls are off
                _, name, args = answer.calls[0]
                message.function_call = FunctionCall(name=name, arguments=args)
                reason = "function_call" if reason == "stop" else reason
            elif answer.calls:
                message.tool_calls = [
                    ToolCall(id=call_id, function=FunctionCall(name=name, arguments=args))
                    for call_id, name, args in answer.calls
                ]
                reason = "tool_calls" if reason == "stop" else reason
            thoughts.append(parser.reasoning_tokens(engine.tokenizer, c.token_ids,
                                                    prepared.skip_special))
        choices.append(
            ChatChoice(
                index=i,
                message=message,
                logprobs=chat_logprobs(engine.tokenizer, c.logprobs) if prepared.logprobs
                else None,
                finish_reason=reason,
            )
        )
    return ChatCompletion(
        id=prepared.request_id,
        created=now(),
        model=prepared.model,
        choices=choices,
        usage=usage([c.last for c in done], len(done), thoughts),
        service_tier="default" if prepared.service_tier else UNSET,
    )


def _check_messages(data: ChatCompletionRequest) -> None:
    if not data.messages:
        raise APIError(
            "Invalid 'messages': empty array. Expected an array with minimum length 1.",
            param="messages",
            code="empty_array",
        )
    for i, message in enumerate(data.messages):
        if message.tool_calls and message.role != "assistant":
            raise APIError(
                f"Invalid 'messages[{i}].tool_calls': only assistant messages make tool calls.",
                param=f"messages[{i}].tool_calls",
                code="invalid_value",
            )
        if message.audio is not None:
            raise unsupported(f"messages[{i}].audio", f"Unsupported parameter: "
                              f"'messages[{i}].audio': this server never answers with audio.")
        if message.function_call and message.role != "assistant":
            raise APIError(
                f"Invalid 'messages[{i}].function_call': only assistant messages make "
                "function calls.",
                param=f"messages[{i}].function_call",
                code="invalid_value",
            )
        if message.role == "function" and not message.name:
            raise APIError(
                f"Missing parameter 'messages[{i}].name': messages with role 'function' must "
                "have a 'name'.",
                param=f"messages[{i}].name",
                code="missing_required_parameter",
            )
        if message.role == "tool" and not message.tool_call_id:
            raise APIError(
                f"Missing parameter 'messages[{i}].tool_call_id': messages with role 'tool' "
                "must have a 'tool_call_id'.",
                param=f"messages[{i}].tool_call_id",
                code="missing_required_parameter",
            )
    if data.top_logprobs is not None and not data.logprobs:
        raise APIError(
            "Invalid 'top_logprobs': it is only allowed when 'logprobs' is true.",
            param="top_logprobs",
            code="invalid_value",
        )


def _any_special(engine: EngineClient, texts: tuple[str, ...]) -> bool:
    tok = engine.tokenizer
    ids = tok.encode("".join(texts)) if texts else []
    return any(i in tok.special_ids for i in ids)


async def stream_chat(
    engine: EngineClient, prepared: PreparedChat
) -> AsyncGenerator[ChatCompletionChunk, None]:
    """The answer as `chat.completion.chunk`s: a role delta per choice, reasoning, content and
    tool-call deltas as they decode, a finish per choice, then usage if asked."""
    chunk_id, requests = prepared.request_id, prepared.requests
    include_usage, created, model = prepared.include_usage, now(), prepared.model
    tier: Any = "default" if prepared.service_tier else UNSET

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
            service_tier=tier,
        )

    # One parser per choice; a forced call is well formed, so its arguments can stream.
    parsers = [prepared.parser() for _ in requests]
    ids: list[list[int]] = [[] for _ in requests]  # each choice's tokens: the thought's count
    thoughts: dict[int, int | None] = {}
    for i in range(len(requests)):
        yield chunk(i, ChatDelta(role="assistant", content=""))
    lasts: dict[int, RequestOutput] = {}
    async with aclosing(merged(engine, requests)) as outputs:
        async for i, out in outputs:
            lps = chat_logprobs(engine.tokenizer, out.logprobs) if out.logprobs else None
            parser = parsers[i]
            if parser is None:
                if out.text or lps:
                    yield chunk(i, ChatDelta(content=out.text), logprobs=lps)
            else:
                ids[i] += out.token_ids
                for delta, logprobs in _answer_deltas(parser, out, lps, prepared.legacy):
                    yield chunk(i, delta, logprobs=logprobs)
            if out.finished:
                lasts[i] = out
                reason = finish_reason(out)
                if parser is not None:
                    thoughts[i] = parser.reasoning_tokens(engine.tokenizer, ids[i],
                                                          prepared.skip_special)
                    if parser.num_calls and reason == "stop":
                        reason = "function_call" if prepared.legacy else "tool_calls"
                yield chunk(i, ChatDelta(), reason)
    if include_usage and lasts:
        order = sorted(lasts)
        yield ChatCompletionChunk(
            id=chunk_id,
            created=created,
            model=model,
            choices=[],
            usage=usage([lasts[i] for i in order], len(requests),
                        [thoughts.get(i) for i in order]),
            service_tier=tier,
        )


def _answer_deltas(
    parser: AnswerParser, out: RequestOutput, lps: ChatLogprobs | None, legacy: bool = False
) -> list[tuple[ChatDelta, ChatLogprobs | None]]:
    """This engine delta as chat deltas: reasoning, content, then each call piece in its own
    delta (the first of a call with id, type and name; `legacy`: as `function_call`, name
    first). Log-probabilities ride on the first."""
    parsed = [parser.feed(out.text)] + ([parser.finish()] if out.finished else [])
    deltas: list[ChatDelta] = []
    for p in parsed:
        if p.reasoning:
            deltas.append(ChatDelta(reasoning_content=p.reasoning))
        if p.content:
            deltas.append(ChatDelta(content=p.content))
        for c in p.calls:
            function = FunctionCallDelta(arguments=c.arguments)
            if c.name is not None:
                function.name = c.name
            if legacy:
                deltas.append(ChatDelta(function_call=function))
                continue
            call = ToolCallDelta(index=c.index, function=function)
            if c.id is not None:
                call.id, call.type = c.id, "function"
            deltas.append(ChatDelta(tool_calls=[call]))
    if lps and not deltas:
        deltas.append(ChatDelta(content=""))
    return [(d, lps if n == 0 else None) for n, d in enumerate(deltas)]
