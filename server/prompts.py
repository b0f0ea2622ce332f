"""A chat request's messages as the checkpoint's own chat template lays them out: tools and past
calls as the template (or the model's tool-call format) wants them, past thoughts, and the
template variables the request sets (`chat_template_kwargs`, `reasoning_effort`).
"""

from __future__ import annotations

from typing import Any

from engine.chat_template import ChatTemplateError
from engine.protocol import EngineClient
from server.errors import APIError
from server.legacy_functions import call_id
from server.protocol import ChatCompletionRequest, ChatMessage
from server.reasoning import RESERVED_KWARGS, template_kwargs
from server.settings import ParserSettings
from server.tool_parsers import (
    Function,
    ToolFormat,
    for_template,
    format_for,
    inline,
    template_renders_tools,
)


def request_variables(engine: EngineClient, data: ChatCompletionRequest) -> dict[str, Any]:
    """The template variables the request sets (`server.reasoning.template_kwargs`); a 400 for
    one the renderer sets itself."""
    for key in data.chat_template_kwargs or {}:
        if key in RESERVED_KWARGS:
            raise APIError(f"Invalid 'chat_template_kwargs.{key}': the server sets '{key}' "
                           "itself.", param=f"chat_template_kwargs.{key}", code="invalid_value")
    return template_kwargs(engine.tokenizer.chat_template, data.chat_template_kwargs,
                           data.reasoning_effort)


def render_prompt(engine: EngineClient, messages: list[ChatMessage], fmt: ToolFormat,
                  tools: list[Function] | None = None,
                  variables: dict[str, Any] | None = None) -> str:
    """The conversation as the checkpoint's own template lays it out, with the template
    `variables` a request set. A template that ignores tools gets them (and past calls and
    results) written in `fmt`, the model's format."""
    tok = engine.tokenizer
    dicts = [_as_dict(m) for m in messages]
    kwargs: dict[str, Any] = dict(variables or {})
    if template_renders_tools(tok):
        dicts = for_template(dicts)
        kwargs["tools"] = [t.as_openai() for t in tools] if tools else None
    elif tools or any(m.role in ("tool", "function") or m.tool_calls or m.function_call
                      for m in messages):
        dicts = inline(dicts, tools, fmt)
    try:
        return tok.apply_chat_template(dicts, add_generation_prompt=True, **kwargs)
    except ChatTemplateError as exc:  # no template, or the template refused the conversation
        raise APIError(str(exc), param="messages") from exc
    except TypeError as exc:  # a variable of a type the template cannot use
        if not variables:
            raise
        raise APIError(f"chat template error: {exc}", param="chat_template_kwargs",
                       code="invalid_value") from exc


def render_messages(engine: EngineClient, messages: list[ChatMessage],
                    parsers: ParserSettings) -> list[int]:
    """Token ids of the conversation, as a chat request without tools would prompt."""
    fmt = format_for(engine.tokenizer, parsers.tool_call_parser)
    # The template writes the special tokens itself; adding a BOS again would double it.
    return engine.tokenizer.encode(render_prompt(engine, messages, fmt), add_special_tokens=False)


def _as_dict(message: ChatMessage) -> dict[str, Any]:
    content = message.content
    if isinstance(content, list):  # text parts are joined as vLLM does
        content = "\n".join(part.text for part in content)
    # Templates know "system"; OpenAI's "developer" is the same instruction role for them, and
    # a deprecated "function" message is the result of the call its name made.
    role = {"developer": "system", "function": "tool"}.get(message.role, message.role)
    calls = [
        {"id": c.id, "type": c.type,
         "function": {"name": c.function.name, "arguments": c.function.arguments}}
        for c in message.tool_calls or ()
    ]
    if (old := message.function_call) is not None:
        calls.append({"id": call_id(old.name), "type": "function",
                      "function": {"name": old.name, "arguments": old.arguments}})
    result_of = call_id(message.name or "") if message.role == "function" else None
    return {
        "role": role,
        # A call-only assistant turn has no content; templates concatenate strings.
        "content": content or message.refusal or "",
        "name": message.name,
        "tool_calls": calls or None,
        "tool_call_id": message.tool_call_id or result_of,
        "reasoning_content": message.reasoning_content,
    }
