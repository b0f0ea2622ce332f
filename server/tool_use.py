"""A chat request's tools and structured output, checked: the functions in the model's tool-call
format, the grammar a forced call (`tool_choice` "required" or named) or `response_format` asks
for, each compiled for the vocabulary first so a bad schema is a 400 naming its field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from engine.grammar import GrammarError, check
from engine.protocol import EngineClient, Grammar
from server.errors import APIError
from server.protocol import (
    AllowedToolsChoice,
    ChatCompletionRequest,
    JSONObjectFormat,
    JSONSchemaResponseFormat,
    NamedToolChoice,
)
from server.tool_parsers import Function, ToolFormat, format_for


@dataclass(frozen=True)
class ToolUse:
    """What a request's tools mean for this answer: the prompt shows `tools`; calls are parsed
    back in `fmt`; a forced choice comes with the grammar that makes the call."""

    fmt: ToolFormat
    tools: list[Function]
    parallel: bool
    grammar: Grammar | None


def tool_use(engine: EngineClient, data: ChatCompletionRequest,
             parser: str | None = None) -> ToolUse | None:
    """None when the answer is plain text: no tools, or tool_choice "none" (then the tools are
    not shown either, so the model has no format to answer in but text). `parser`: the
    format's name (`--tool-call-parser`), else the model's own."""
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
    if isinstance(choice, AllowedToolsChoice):
        functions, choice = _allowed(functions, choice)
        names = [f.name for f in functions]
    if choice == "none":
        return None
    fmt = format_for(engine.tokenizer, parser)
    for i, f in enumerate(functions):
        check_grammar(engine, Grammar(kind="json_schema", source=json.dumps(
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
        check_grammar(engine, grammar, "tool_choice")
    return ToolUse(fmt=fmt, tools=functions, parallel=parallel, grammar=grammar)


def _allowed(functions: list[Function],
             choice: AllowedToolsChoice) -> tuple[list[Function], str]:
    """The tools an `allowed_tools` choice leaves, and its mode as a plain tool_choice."""
    by_name = {f.name: f for f in functions}
    for i, named in enumerate(choice.allowed_tools.tools):
        if named.function.name not in by_name:
            param = f"tool_choice.allowed_tools.tools[{i}]"
            raise APIError(f"Invalid value for '{param}': no function named "
                           f"'{named.function.name}' was specified in 'tools'.",
                           param=param, code="invalid_value")
    allowed = {t.function.name for t in choice.allowed_tools.tools}
    return [f for f in functions if f.name in allowed], choice.allowed_tools.mode


def response_grammar(engine: EngineClient, data: ChatCompletionRequest) -> Grammar | None:
    """The grammar `response_format` asks for: any JSON object, or the given schema."""
    fmt = data.response_format
    if isinstance(fmt, JSONObjectFormat):
        return Grammar(kind="json_schema", source='{"type": "object"}')
    if not isinstance(fmt, JSONSchemaResponseFormat):
        return None
    schema = fmt.json_schema.schema if fmt.json_schema.schema is not None else {"type": "object"}
    grammar = Grammar(kind="json_schema", source=json.dumps(schema))
    check_grammar(engine, grammar, "response_format")
    return grammar


def check_grammar(engine: EngineClient, grammar: Grammar, param: str) -> None:
    try:
        check(engine.tokenizer, grammar)
    except GrammarError as exc:
        raise APIError(f"Invalid schema for '{param}': {exc}", param=param,
                       code="invalid_value") from exc
