"""Chat's deprecated `functions` / `function_call`, served as tools: the request becomes `tools` /
`tool_choice` with one call at most (as the old API made), and the call comes back as
`message.function_call` (`delta.function_call` in streams) with finish_reason "function_call".
Past turns of that protocol are rewritten in `server.prompts`.
"""

from __future__ import annotations

import msgspec

from server.errors import APIError
from server.protocol import (
    ChatCompletionRequest,
    FunctionChoice,
    FunctionDefinition,
    LegacyFunctionChoice,
    NamedToolChoice,
    Tool,
)


def is_legacy(data: ChatCompletionRequest) -> bool:
    return data.functions is not None or data.function_call is not None


def as_tools(data: ChatCompletionRequest) -> ChatCompletionRequest:
    """`data` with its functions as tools (unchanged without them); a 400 naming the field for
    both spellings at once, an empty list, or a call of a function not in the list."""
    if not is_legacy(data):
        return data
    param = "functions" if data.functions is not None else "function_call"
    if data.tools is not None or data.tool_choice is not None:
        raise APIError(f"Invalid '{param}': send either 'functions' / 'function_call' "
                       "(deprecated) or 'tools' / 'tool_choice', not both.", param=param,
                       code="invalid_value")
    if data.functions is not None and not data.functions:
        raise APIError("Invalid 'functions': empty array. Expected an array with minimum "
                       "length 1.", param="functions", code="empty_array")
    names = [f.name for f in data.functions or ()]
    choice = data.function_call
    if isinstance(choice, LegacyFunctionChoice):
        if choice.name not in names:
            raise APIError(f"Invalid value for 'function_call': no function named "
                           f"'{choice.name}' was specified in 'functions'.",
                           param="function_call", code="invalid_value")
        choice = NamedToolChoice(function=FunctionChoice(name=choice.name))
    tools = [Tool(type="function", function=FunctionDefinition(
        name=f.name, description=f.description, parameters=f.parameters))
        for f in data.functions or ()]
    return msgspec.structs.replace(data, tools=tools or None, tool_choice=choice,
                                   parallel_tool_calls=False, functions=None,
                                   function_call=None)


def call_id(name: str) -> str:
    """The id that ties a past `function_call` to the "function" message answering it: the old
    protocol has no ids, and one call at a time, so the name is enough."""
    return f"call_{name}"
