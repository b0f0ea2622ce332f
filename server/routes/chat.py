"""`POST /v1/chat/completions`: messages -> the checkpoint's chat template -> engine -> OpenAI.

Whole answers as `chat.completion`, streams as `chat.completion.chunk` server-sent events;
`response_format` and forced tool calls become a grammar, tool calls are parsed back out.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request, post
from litestar.response import ServerSentEvent
from msgspec import UNSET

from engine.async_engine import AsyncEngine
from engine.chat_template import ChatTemplateError
from engine.grammar import GrammarError, check
from engine.protocol import GenerateRequest, Grammar, RequestOutput
from server.errors import APIError
from server.model_pool import Target
from server.observability import span, traced_stream
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
    FunctionCall,
    FunctionCallDelta,
    JSONObjectFormat,
    JSONSchemaResponseFormat,
    NamedToolChoice,
    ToolCall,
    ToolCallDelta,
)
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
from server.sse import json_or_stream, sse_response
from server.tool_calls import (
    Function,
    ToolCallParser,
    ToolFormat,
    for_template,
    format_for,
    inline,
    parse_whole,
    template_renders_tools,
)


@dataclass(frozen=True)
class ToolUse:
    """What a request's tools mean for this answer: the prompt shows `tools`; calls are parsed
    back in `fmt`; a forced choice comes with the grammar that makes the call."""

    fmt: ToolFormat
    tools: list[Function]
    parallel: bool
    grammar: Grammar | None


@dataclass(frozen=True)
class PreparedChat:
    """A checked chat request, ready for the engine: its n choices, how tool calls are parsed
    back, and what the answer carries (usage chunk, log-probabilities)."""

    request_id: str
    requests: list[GenerateRequest]
    tools: ToolUse | None
    include_usage: bool
    logprobs: bool
    model: str  # as the client named it: the base, or a served `ft:` model


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
        prepared = prepare_chat(target, data, max_n(request))
    if data.stream:
        return sse_response(traced_stream(stream_chat(target.engine, prepared)))
    return await answer_chat(target.engine, prepared, request)


def prepare_chat(target: Target, data: ChatCompletionRequest, max_choices: int, *,
                 prompt_param: str = "messages", max_tokens_param: str | None = None,
                 clip: bool = False) -> PreparedChat:
    """Every check OpenAI makes (a 400 in its envelope otherwise), then the engine requests for
    `target`, the engine (and adapter) that `data.model` resolved to. `/v1/responses` runs its
    turns through here too, naming its own fields in the errors (`prompt_param`,
    `max_tokens_param`); `clip`: the token budget is the server's, cut to the room left instead
    of refused."""
    engine = target.engine
    include_usage = check_common(data.n, data.stream, data.stream_options, max_choices)
    _check_messages(data)
    tools = tool_use(engine, data)
    with span("templating"):
        prompt_ids = render_messages(engine, data.messages, tools.tools if tools else None)
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
    # A forced tool call is the whole answer: its grammar wins over response_format (still
    # checked, so a bad one is a 400 either way).
    grammar = response_grammar(engine, data)
    if tools and tools.grammar:
        grammar = tools.grammar
    sampling = msgspec.structs.replace(
        sampling,
        grammar=grammar,
        # Calls in a format whose markers are special tokens must keep them in the text.
        skip_special_tokens=not (tools and _markers_are_special(engine, tools.fmt)),
    )
    generation = GenerateRequest(
        request_id=new_id("chatcmpl"), prompt_ids=tuple(prompt_ids), sampling=sampling,
        adapter_id=target.adapter_id,
    )
    requests = fan_out(engine, [generation], data.n or 1, param=prompt_param)
    return PreparedChat(generation.request_id, requests, tools, include_usage,
                        bool(data.logprobs), data.model)


async def answer_chat(
    engine: AsyncEngine, prepared: PreparedChat, connection: Request[Any, Any, Any]
) -> ChatCompletion:
    """Every choice whole, as one `chat.completion`."""
    tools = prepared.tools
    done = await complete(engine, prepared.requests, connection)
    choices = []
    for i, c in enumerate(done):
        reason = finish_reason(c.last)
        message = ChatResponseMessage(content=c.text)
        if tools is not None:
            content, calls = parse_whole(c.text, tools.fmt, tools.parallel)
            message = ChatResponseMessage(content=content)
            if calls:
                message.tool_calls = [
                    ToolCall(id=call_id, function=FunctionCall(name=name, arguments=args))
                    for call_id, name, args in calls
                ]
                reason = "tool_calls" if reason == "stop" else reason
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
        usage=usage([c.last for c in done], len(done)),
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


def tool_use(engine: AsyncEngine, data: ChatCompletionRequest) -> ToolUse | None:
    """None when the answer is plain text: no tools, or tool_choice "none" (then the tools are
    not shown either, so the model has no format to answer in but text)."""
    choice = data.tool_choice
    if data.tools is not None and not data.tools:
        raise APIError(
            "Invalid 'tools': empty array. Expected an array with minimum length 1.",
            param="tools",
            code="empty_array",
        )
    if not data.tools:
        if choice not in (None, "none", "auto"):  # "auto" without tools can only be text
            raise APIError(
                "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' "
                "are specified.",
                param="tool_choice",
                code="invalid_value",
            )
        return None
    functions = [
        Function(t.function.name, t.function.description, t.function.parameters)
        for t in data.tools
    ]
    names = [f.name for f in functions]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise APIError(
                f"Invalid 'tools[{i}].function.name': duplicate function name '{name}'.",
                param=f"tools[{i}].function.name",
                code="invalid_value",
            )
    if choice == "none":
        return None
    fmt = format_for(engine.tokenizer)
    for i, f in enumerate(functions):
        _check_grammar(engine, Grammar(kind="json_schema", source=json.dumps(
            f.parameters or {"type": "object"})), f"tools[{i}].function.parameters")
    parallel = data.parallel_tool_calls is not False
    if isinstance(choice, NamedToolChoice):
        if choice.function.name not in names:
            raise APIError(
                f"Invalid value for 'tool_choice': no function named "
                f"'{choice.function.name}' was specified in 'tools'.",
                param="tool_choice",
                code="invalid_value",
            )
        forced = [functions[names.index(choice.function.name)]]
        grammar = fmt.grammar(forced, parallel=False)
    elif choice == "required":
        grammar = fmt.grammar(functions, parallel)
    else:
        grammar = None
    if grammar is not None:
        _check_grammar(engine, grammar, "tool_choice")
    return ToolUse(fmt=fmt, tools=functions, parallel=parallel, grammar=grammar)


def response_grammar(engine: AsyncEngine, data: ChatCompletionRequest) -> Grammar | None:
    """The grammar `response_format` asks for: any JSON object, or the given schema."""
    fmt = data.response_format
    if isinstance(fmt, JSONObjectFormat):
        return Grammar(kind="json_schema", source='{"type": "object"}')
    if not isinstance(fmt, JSONSchemaResponseFormat):
        return None
    schema = fmt.json_schema.schema if fmt.json_schema.schema is not None else {"type": "object"}
    grammar = Grammar(kind="json_schema", source=json.dumps(schema))
    _check_grammar(engine, grammar, "response_format")
    return grammar


def _check_grammar(engine: AsyncEngine, grammar: Grammar, param: str) -> None:
    try:
        check(engine.tokenizer, grammar)
    except GrammarError as exc:
        raise APIError(f"Invalid schema for '{param}': {exc}", param=param,
                       code="invalid_value") from exc


def _markers_are_special(engine: AsyncEngine, fmt: ToolFormat) -> bool:
    tok = engine.tokenizer
    ids = tok.encode(fmt.start + fmt.end)
    return any(i in tok.special_ids for i in ids)


def render_messages(
    engine: AsyncEngine, messages: list[ChatMessage], tools: list[Function] | None = None
) -> list[int]:
    """Token ids of the conversation as the checkpoint's own template lays it out. A template
    that ignores tools gets them (and past calls and results) written in the model's format."""
    tok = engine.tokenizer
    dicts = [_as_dict(m) for m in messages]
    kwargs: dict[str, Any] = {}
    if template_renders_tools(tok):
        dicts = for_template(dicts)
        kwargs["tools"] = [t.as_openai() for t in tools] if tools else None
    elif tools or any(m.role == "tool" or m.tool_calls for m in messages):
        dicts = inline(dicts, tools, format_for(tok))
    try:
        text = tok.apply_chat_template(dicts, add_generation_prompt=True, **kwargs)
    except ChatTemplateError as exc:  # no template, or the template refused the conversation
        raise APIError(str(exc), param="messages") from exc
    # The template writes the special tokens itself; adding a BOS again would double it.
    return tok.encode(text, add_special_tokens=False)


def _as_dict(message: ChatMessage) -> dict[str, Any]:
    content = message.content
    if isinstance(content, list):  # text parts are joined as vLLM does
        content = "\n".join(part.text for part in content)
    # Templates know "system"; OpenAI's "developer" is the same instruction role for them.
    role = "system" if message.role == "developer" else message.role
    calls = [
        {"id": c.id, "type": c.type,
         "function": {"name": c.function.name, "arguments": c.function.arguments}}
        for c in message.tool_calls or ()
    ]
    return {
        "role": role,
        # A call-only assistant turn has no content; templates concatenate strings.
        "content": content or "",
        "name": message.name,
        "tool_calls": calls or None,
        "tool_call_id": message.tool_call_id,
    }


async def stream_chat(
    engine: AsyncEngine, prepared: PreparedChat
) -> AsyncGenerator[ChatCompletionChunk, None]:
    """The answer as `chat.completion.chunk`s: a role delta per choice, content and tool-call
    deltas as they decode, a finish per choice, then usage if asked."""
    chunk_id, requests = prepared.request_id, prepared.requests
    include_usage, tools = prepared.include_usage, prepared.tools
    created, model = now(), prepared.model

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

    # One parser per choice; a forced call is well formed, so its arguments can stream.
    parsers = [
        ToolCallParser(tools.fmt, tools.parallel, incremental=tools.grammar is not None)
        if tools
        else None
        for _ in requests
    ]
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
                for delta, logprobs in _tool_deltas(parser, out, lps):
                    yield chunk(i, delta, logprobs=logprobs)
            if out.finished:
                lasts[i] = out
                reason = finish_reason(out)
                if parser is not None and parser.num_calls and reason == "stop":
                    reason = "tool_calls"
                yield chunk(i, ChatDelta(), reason)
    if include_usage and lasts:
        yield ChatCompletionChunk(
            id=chunk_id,
            created=created,
            model=model,
            choices=[],
            usage=usage([lasts[i] for i in sorted(lasts)], len(requests)),
        )


def _tool_deltas(
    parser: ToolCallParser, out: RequestOutput, lps: ChatLogprobs | None
) -> list[tuple[ChatDelta, ChatLogprobs | None]]:
    """This engine delta as chat deltas: content, then each call piece in its own delta (the
    first of a call with id, type and name). Log-probabilities ride on the first delta."""
    parsed = [parser.feed(out.text)] + ([parser.finish()] if out.finished else [])
    deltas: list[ChatDelta] = []
    for p in parsed:
        if p.content:
            deltas.append(ChatDelta(content=p.content))
        for c in p.calls:
            function = FunctionCallDelta(arguments=c.arguments)
            if c.name is not None:
                function.name = c.name
            call = ToolCallDelta(index=c.index, function=function)
            if c.id is not None:
                call.id, call.type = c.id, "function"
            deltas.append(ChatDelta(tool_calls=[call]))
    if lps and not deltas:
        deltas.append(ChatDelta(content=""))
    return [(d, lps if n == 0 else None) for n, d in enumerate(deltas)]
