"""One `/v1/responses` answer as a stream of named events: chat turns through the chat route's own
code (`prepare_chat` / `stream_chat`), the built-in code interpreter run server-side in the
sandbox between turns, function calls handed back to the client. The whole-JSON answer is the
same stream, read to its end."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import anyio
import msgspec

from agents.sandbox import SandboxConfig, Workspace
from agents.tools import WorkspaceTools
from server.errors import APIError
from server.model_pool import Target
from server.protocol import ChatCompletionRequest
from server.protocol_responses import (
    ArgumentsDeltaEvent,
    ArgumentsDoneEvent,
    CodeDeltaEvent,
    CodeDoneEvent,
    CodeInterpreterCallItem,
    CodeInterpreterLogs,
    CodeInterpreterToolChoice,
    CodeInterpreterToolParam,
    CodeStatusEvent,
    ContentPartEvent,
    FunctionCallItem,
    FunctionToolChoice,
    IncompleteDetails,
    InputTokensDetails,
    OutputItem,
    OutputItemEvent,
    OutputMessage,
    OutputText,
    OutputTokensDetails,
    ReasoningDeltaEvent,
    ReasoningDoneEvent,
    ReasoningItem,
    ReasoningText,
    ResponseCreateRequest,
    ResponseEvent,
    ResponseObject,
    ResponseStateEvent,
    ResponseUsage,
    TextDeltaEvent,
    TextDoneEvent,
    TextFormatJSONObject,
    TextFormatJSONSchema,
)
from server.response_items import CODE_INTERPRETER, Message, item_id
from server.routes.chat import PreparedChat, prepare_chat, stream_chat
from server.routes.tools import builtin_specs
from server.settings import ParserSettings

MAX_TURNS = 16  # model turns in one response, built-in tool rounds included


@dataclass
class _Call:
    call_id: str = ""
    name: str = ""
    arguments: str = ""
    item: FunctionCallItem | None = None  # a function call's item, open while it streams
    index: int = -1


@dataclass
class _Turn:
    thought: list[str] = field(default_factory=list)
    reasoning: ReasoningItem | None = None  # open while the thought streams
    reasoning_index: int = -1
    text: list[str] = field(default_factory=list)
    logprobs: list[dict[str, Any]] = field(default_factory=list)  # the text's, where asked
    pending: list[dict[str, Any]] = field(default_factory=list)  # for text not yet sent
    message: OutputMessage | None = None
    message_index: int = -1
    calls: dict[int, _Call] = field(default_factory=dict)
    finish: str | None = None


class ResponseRun:
    """Build it (every request check happens here, before a stream starts), then read
    `events()`; `response` and `messages` hold the outcome once the events end."""

    def __init__(self, target: Target, data: ResponseCreateRequest, *, response_id: str,
                 created_at: int, history: list[Message], max_choices: int,
                 parsers: ParserSettings) -> None:
        self.target, self.engine = target, target.engine  # what `data.model` resolved to
        self.data, self.max_choices, self.parsers = data, max_choices, parsers
        self.messages = list(history)  # the conversation, instructions excluded
        self.output: list[OutputItem] = []
        self.usage = ResponseUsage()
        self.builtin_calls = 0
        self._seq = 0
        self._shown = 0  # the first of `messages` the model is shown (truncation "auto")
        self._logprobs = data.top_logprobs is not None or \
            "message.output_text.logprobs" in (data.include or ())
        self._tools = _chat_tools(data)
        self._workspace: Workspace | None = None
        self._interpreter: WorkspaceTools | None = None
        self.response = self._response(response_id, created_at, "in_progress")
        self._first = self._prepare(0)  # a bad request is an HTTP error, not a failed stream

    async def events(self) -> AsyncGenerator[ResponseEvent, None]:
        try:
            yield self._event(ResponseStateEvent(type="response.created", response=self.response))
            yield self._event(ResponseStateEvent(type="response.in_progress",
                                                 response=self.response))
            async for event in self._turns():
                yield self._event(event)
            final = "response.incomplete" if self.response.status == "incomplete" else \
                "response.completed"
            yield self._event(ResponseStateEvent(type=final, response=self.response))
        finally:
            await self._close_sandbox()

    async def _turns(self) -> AsyncGenerator[ResponseEvent, None]:
        for turn_index in range(MAX_TURNS):
            prepared = self._first if turn_index == 0 else self._prepare(turn_index)
            turn = _Turn()
            async with aclosing(self._stream_turn(prepared, turn)) as events:
                async for event in events:
                    yield event
            calls = [turn.calls[i] for i in sorted(turn.calls)]
            self.messages.append(_assistant_message(turn, calls))
            builtin = [c for c in calls if c.name == CODE_INTERPRETER and self._interprets]
            for call in builtin:
                async for event in self._interpret(call):
                    yield event
            if turn.finish == "length":
                self._finish("incomplete")
                return
            if not builtin or len(builtin) < len(calls):
                self._finish("completed")  # an answer, or function calls for the client
                return
            if self._token_budget() < 1:
                self._finish("incomplete")
                return
        self._finish("completed")

    async def _stream_turn(self, prepared: PreparedChat,
                           turn: _Turn) -> AsyncGenerator[ResponseEvent, None]:
        async with aclosing(stream_chat(self.engine, prepared)) as chunks:
            async for chunk in chunks:
                if chunk.usage:
                    self._add_usage(chunk.usage)
                for choice in chunk.choices:
                    delta = choice.delta
                    if isinstance(delta.reasoning_content, str) and delta.reasoning_content:
                        for event in self._thought(turn, delta.reasoning_content):
                            yield event
                    elif delta.content or delta.tool_calls:  # the thought is over
                        for event in self._close_thought(turn, "completed"):
                            yield event
                    if self._logprobs and choice.logprobs and choice.logprobs.content and \
                            isinstance(delta.content, str):
                        turn.pending += msgspec.to_builtins(choice.logprobs.content)
                    if isinstance(delta.content, str) and delta.content:
                        for event in self._text(turn, delta.content):
                            yield event
                    for tc in delta.tool_calls or ():
                        for event in self._call_delta(turn, tc):
                            yield event
                    if choice.finish_reason:
                        turn.finish = choice.finish_reason
        for event in self._close_turn(turn):
            yield event

    # ---- output items as they stream ----------------------------------------------------------

    def _thought(self, turn: _Turn, delta: str) -> list[ResponseEvent]:
        events: list[ResponseEvent] = []
        if turn.reasoning is None:
            turn.reasoning = ReasoningItem(id=item_id("rs"), content=[], status="in_progress")
            turn.reasoning_index = self._add(turn.reasoning)
            events += [
                OutputItemEvent(type="response.output_item.added",
                                output_index=turn.reasoning_index, item=turn.reasoning),
                ContentPartEvent(type="response.content_part.added", item_id=turn.reasoning.id,
                                 output_index=turn.reasoning_index, part=ReasoningText(text="")),
            ]
        turn.thought.append(delta)
        events.append(ReasoningDeltaEvent(type="response.reasoning_text.delta",
                                          item_id=turn.reasoning.id,
                                          output_index=turn.reasoning_index, delta=delta))
        return events

    def _close_thought(self, turn: _Turn, status: str) -> list[ResponseEvent]:
        item = turn.reasoning
        if item is None or item.status != "in_progress":
            return []
        text = "".join(turn.thought)
        part = ReasoningText(text=text)
        item.content, item.status = [part], status  # type: ignore[assignment]
        where = {"item_id": item.id, "output_index": turn.reasoning_index}
        return [
            ReasoningDoneEvent(type="response.reasoning_text.done", text=text, **where),
            ContentPartEvent(type="response.content_part.done", part=part, **where),
            OutputItemEvent(type="response.output_item.done", output_index=turn.reasoning_index,
                            item=item),
        ]

    def _text(self, turn: _Turn, delta: str) -> list[ResponseEvent]:
        events: list[ResponseEvent] = []
        if turn.message is None:
            turn.message = OutputMessage(id=item_id("msg"), status="in_progress", content=[])
            turn.message_index = self._add(turn.message)
            events += [
                OutputItemEvent(type="response.output_item.added",
                                output_index=turn.message_index, item=turn.message),
                ContentPartEvent(type="response.content_part.added", item_id=turn.message.id,
                                 output_index=turn.message_index, part=OutputText(text="")),
            ]
        turn.text.append(delta)
        logprobs, turn.pending = turn.pending, []
        turn.logprobs += logprobs
        events.append(TextDeltaEvent(type="response.output_text.delta", item_id=turn.message.id,
                                     output_index=turn.message_index, delta=delta,
                                     logprobs=logprobs))
        return events

    def _call_delta(self, turn: _Turn, tc: Any) -> list[ResponseEvent]:
        call = turn.calls.setdefault(tc.index, _Call())
        if isinstance(tc.id, str):
            call.call_id = tc.id
        if isinstance(tc.function.name, str):
            call.name = tc.function.name
        args = tc.function.arguments if isinstance(tc.function.arguments, str) else ""
        call.arguments += args
        if call.name == CODE_INTERPRETER and self._interprets:
            return []  # run whole once the turn ends; its item streams then
        events: list[ResponseEvent] = []
        if call.item is None:
            call.item = FunctionCallItem(id=item_id("fc"), call_id=call.call_id, name=call.name,
                                         arguments="", status="in_progress")
            call.index = self._add(call.item)
            events.append(OutputItemEvent(type="response.output_item.added",
                                          output_index=call.index, item=call.item))
        if args:
            events.append(ArgumentsDeltaEvent(type="response.function_call_arguments.delta",
                                              item_id=call.item.id, output_index=call.index,
                                              delta=args))
        return events

    def _close_turn(self, turn: _Turn) -> list[ResponseEvent]:
        status = "incomplete" if turn.finish == "length" else "completed"
        events = self._close_thought(turn, status)
        if turn.message is not None:
            text = "".join(turn.text)
            part = OutputText(text=text, logprobs=turn.logprobs)
            turn.message.content, turn.message.status = [part], status
            where = {"item_id": turn.message.id, "output_index": turn.message_index}
            events += [
                TextDoneEvent(type="response.output_text.done", text=text,
                              logprobs=turn.logprobs, **where),
                ContentPartEvent(type="response.content_part.done", part=part, **where),
                OutputItemEvent(type="response.output_item.done",
                                output_index=turn.message_index, item=turn.message),
            ]
        for call in (turn.calls[i] for i in sorted(turn.calls)):
            if call.item is None:
                continue
            call.item.arguments, call.item.status = call.arguments, status
            events += [
                ArgumentsDoneEvent(type="response.function_call_arguments.done",
                                   item_id=call.item.id, output_index=call.index,
                                   name=call.name, arguments=call.arguments),
                OutputItemEvent(type="response.output_item.done", output_index=call.index,
                                item=call.item),
            ]
        return events

    async def _interpret(self, call: _Call) -> AsyncGenerator[ResponseEvent, None]:
        """The built-in code interpreter, server-side: the call streams as a
        code_interpreter_call item while the sandbox runs it."""
        code = _code_of(call.arguments)
        item = CodeInterpreterCallItem(id=call.call_id or item_id("ci"), code=code,
                                       container_id=await self._container(), outputs=None,
                                       status="in_progress")
        index = self._add(item)
        where = {"item_id": item.id, "output_index": index}
        yield OutputItemEvent(type="response.output_item.added", output_index=index, item=item)
        yield CodeStatusEvent(type="response.code_interpreter_call.in_progress", **where)
        yield CodeDeltaEvent(type="response.code_interpreter_call_code.delta", delta=code, **where)
        yield CodeDoneEvent(type="response.code_interpreter_call_code.done", code=code, **where)
        item.status = "interpreting"
        yield CodeStatusEvent(type="response.code_interpreter_call.interpreting", **where)
        assert self._interpreter is not None
        observation = await self._interpreter.toolbox().invoke(CODE_INTERPRETER, call.arguments)
        self.builtin_calls += 1
        item.outputs = [CodeInterpreterLogs(logs=observation.content)]
        item.status = "failed" if observation.is_error else "completed"
        yield CodeStatusEvent(type="response.code_interpreter_call.completed", **where)
        yield OutputItemEvent(type="response.output_item.done", output_index=index, item=item)
        self.messages.append({"role": "tool", "tool_call_id": call.call_id,
                              "content": observation.content})

    # ---- turns --------------------------------------------------------------------------------

    def _prepare(self, turn_index: int) -> PreparedChat:
        # The client's max_output_tokens must fit after the first turn's prompt (a 400, as for
        # chat); later turns spend what is left of it, cut to the room their prompt leaves.
        while True:
            chat = self._chat_request(turn_index)
            try:
                return prepare_chat(self.target, chat, self.max_choices, self.parsers,
                                    prompt_param="input", max_tokens_param="max_output_tokens",
                                    clip=turn_index > 0)
            except APIError as exc:
                if exc.code != "context_length_exceeded" or not self._truncate():
                    raise

    def _truncate(self) -> bool:
        """truncation "auto": stop showing the oldest exchange (up to the next user message,
        so no call is cut from its result); False when there is none left to drop."""
        if self.data.truncation != "auto":
            return False
        shown = self.messages[self._shown:]
        next_user = next((i for i, m in enumerate(shown) if i and m["role"] == "user"), None)
        if next_user is None:
            return False
        self._shown += next_user
        return True

    def _chat_request(self, turn_index: int) -> ChatCompletionRequest:
        data = self.data
        body: dict[str, Any] = {
            "model": data.model, "messages": self._chat_messages(), "stream": True,
            "stream_options": {"include_usage": True}, "temperature": data.temperature,
            "top_p": data.top_p, "parallel_tool_calls": data.parallel_tool_calls,
            "reasoning_effort": data.reasoning.effort if data.reasoning else None,
        }
        if data.max_output_tokens is not None:
            body["max_completion_tokens"] = self._token_budget()
        if self._logprobs:
            body |= {"logprobs": True, "top_logprobs": data.top_logprobs or 0}
        if self._tools:
            body["tools"] = self._tools
            body["tool_choice"] = self._tool_choice(turn_index)
        fmt = data.text.format if data.text else None
        if isinstance(fmt, TextFormatJSONObject):
            body["response_format"] = {"type": "json_object"}
        elif isinstance(fmt, TextFormatJSONSchema):
            body["response_format"] = {"type": "json_schema", "json_schema": {
                "name": fmt.name, "schema": fmt.schema, "strict": fmt.strict}}
        try:
            return msgspec.convert({k: v for k, v in body.items() if v is not None},
                                   ChatCompletionRequest)
        except msgspec.ValidationError as exc:
            raise APIError(f"Invalid 'input': {exc}", param="input") from exc

    def _chat_messages(self) -> list[Message]:
        system = [{"role": "system", "content": self.data.instructions}] \
            if self.data.instructions else []
        return system + self.messages[self._shown:]

    def _tool_choice(self, turn_index: int) -> Any:
        choice = self.data.tool_choice
        if self.data.max_tool_calls is not None and self.builtin_calls >= self.data.max_tool_calls:
            return "none"
        if turn_index > 0 and choice not in (None, "none", "auto"):
            return "auto"  # a forced call was made; what follows is the model's choice
        if isinstance(choice, FunctionToolChoice):
            return {"type": "function", "function": {"name": choice.name}}
        if isinstance(choice, CodeInterpreterToolChoice):
            if not self._interprets:
                raise APIError("Invalid value for 'tool_choice': the code_interpreter tool is "
                               "not in 'tools'.", param="tool_choice", code="invalid_value")
            return {"type": "function", "function": {"name": CODE_INTERPRETER}}
        return choice or "auto"

    def _token_budget(self) -> int:
        if self.data.max_output_tokens is None:
            return self.engine.max_model_len
        return self.data.max_output_tokens - self.usage.output_tokens

    @property
    def _interprets(self) -> bool:
        return any(isinstance(t, CodeInterpreterToolParam) for t in self.data.tools or ())

    # ---- bookkeeping --------------------------------------------------------------------------

    def _add(self, item: OutputItem) -> int:
        self.output.append(item)
        return len(self.output) - 1

    def _add_usage(self, usage: Any) -> None:
        u = self.usage
        u.input_tokens += usage.prompt_tokens
        u.output_tokens += usage.completion_tokens
        u.total_tokens = u.input_tokens + u.output_tokens
        u.input_tokens_details = InputTokensDetails(
            cached_tokens=u.input_tokens_details.cached_tokens
            + usage.prompt_tokens_details.cached_tokens)
        if details := usage.completion_tokens_details:  # UNSET where no thought is read
            u.output_tokens_details = OutputTokensDetails(
                reasoning_tokens=u.output_tokens_details.reasoning_tokens
                + details.reasoning_tokens)

    def _event(self, event: ResponseEvent) -> ResponseEvent:
        event.sequence_number = self._seq
        self._seq += 1
        return event

    def _finish(self, status: str) -> None:
        self.response = self._response(self.response.id, self.response.created_at, status)

    def _response(self, response_id: str, created_at: int, status: str) -> ResponseObject:
        data = self.data
        done = status != "in_progress"
        fmt = data.text.format if data.text else None
        return ResponseObject(
            id=response_id, created_at=created_at, status=status,  # type: ignore[arg-type]
            completed_at=int(time.time()) if done else None,
            model=data.model, output=list(self.output) if done else [],
            instructions=data.instructions,
            tools=[msgspec.to_builtins(t) for t in data.tools or ()],
            tool_choice=msgspec.to_builtins(data.tool_choice) if data.tool_choice else "auto",
            parallel_tool_calls=data.parallel_tool_calls is not False,
            max_output_tokens=data.max_output_tokens, max_tool_calls=data.max_tool_calls,
            previous_response_id=data.previous_response_id, temperature=data.temperature,
            top_p=data.top_p,
            text={"format": msgspec.to_builtins(fmt) if fmt else {"type": "text"}},
            reasoning=data.reasoning, usage=self.usage if done else None,
            incomplete_details=IncompleteDetails(reason="max_output_tokens")
            if status == "incomplete" else None,
            metadata=data.metadata or {}, store=data.store is not False, user=data.user,
            truncation=data.truncation or "disabled", top_logprobs=data.top_logprobs,
            service_tier="default" if data.service_tier else None,
            safety_identifier=data.safety_identifier, prompt_cache_key=data.prompt_cache_key)

    async def _container(self) -> str:
        if self._workspace is None:
            config = SandboxConfig.from_env()
            self._workspace = await anyio.to_thread.run_sync(Workspace, config)
            self._interpreter = WorkspaceTools(self._workspace, config, stateful=True)
        return f"cntr_{self._workspace.folder.name}"

    async def _close_sandbox(self) -> None:
        if self._interpreter is not None:
            await self._interpreter.aclose()
        if self._workspace is not None:
            await anyio.to_thread.run_sync(self._workspace.close)


def _chat_tools(data: ResponseCreateRequest) -> list[dict[str, Any]]:
    """The request's tools as chat tools; the code interpreter is the built-in tool's spec."""
    tools = []
    for i, tool in enumerate(data.tools or ()):
        if isinstance(tool, CodeInterpreterToolParam):
            tools.append(next(s for s in builtin_specs()
                              if s["function"]["name"] == CODE_INTERPRETER))
            continue
        if tool.name == CODE_INTERPRETER:
            raise APIError(f"Invalid 'tools[{i}].name': '{CODE_INTERPRETER}' is the built-in "
                           "tool's name.", param=f"tools[{i}].name", code="invalid_value")
        function = {"name": tool.name, "description": tool.description,
                    "parameters": tool.parameters, "strict": tool.strict}
        tools.append({"type": "function",
                      "function": {k: v for k, v in function.items() if v is not None}})
    return tools


def _assistant_message(turn: _Turn, calls: list[_Call]) -> Message:
    message: Message = {"role": "assistant", "content": "".join(turn.text)}
    if turn.thought:  # templates that show the thoughts of this question's turns (Qwen3) get it
        message["reasoning_content"] = "".join(turn.thought)
    if calls:
        message["tool_calls"] = [{"id": c.call_id, "type": "function",
                                  "function": {"name": c.name, "arguments": c.arguments}}
                                 for c in calls]
    return message


def _code_of(arguments: str) -> str:
    try:
        value = json.loads(arguments)
    except ValueError:
        return arguments
    code = value.get("code") if isinstance(value, dict) else None
    return code if isinstance(code, str) else arguments
