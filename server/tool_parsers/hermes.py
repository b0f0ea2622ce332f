"""Hermes / Qwen2.5 / Qwen3 calls: `<tool_call>{"name": ..., "arguments": ...}</tool_call>`, as
NousResearch's and Qwen's chat templates lay them out; several calls per answer."""

from __future__ import annotations

import json
from typing import Any

from server.tool_parsers.base import Function, ToolFormat


class Hermes(ToolFormat):
    name = "hermes"
    start = "<tool_call>"
    end = "</tool_call>"
    tools_in_system = True

    def call_text(self, name: str, arguments: str) -> str:
        call = f'{{"name": {json.dumps(name)}, "arguments": {arguments}}}'
        return f"<tool_call>\n{call}\n</tool_call>"

    def system_messages(self, tools: list[Function]) -> list[dict[str, Any]]:
        listing = "\n".join(json.dumps(t.as_openai(), ensure_ascii=False) for t in tools)
        text = (
            "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            "You are provided with function signatures within <tools></tools> XML tags:\n"
            f"<tools>\n{listing}\n</tools>\n\n"
            "For each function call, return a json object with function name and arguments "
            "within <tool_call></tool_call> XML tags:\n<tool_call>\n"
            '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
        )
        return [{"role": "system", "content": text}]

    def result_message(self, content: str) -> dict[str, Any]:
        return {"role": "user", "content": f"<tool_response>\n{content}\n</tool_response>"}

    def call_rule(self) -> tuple[str, str]:
        return '"<tool_call>\\n"', '"\\n</tool_call>"'
