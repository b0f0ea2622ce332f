"""InternLM2-chat's plugin calls (LMDeploy's and vLLM's internlm2 parser):
`<|action_start|><|plugin|>{"name": ..., "parameters": ...}<|action_end|>`, one per answer; the
tools in a `system name=<|plugin|>` turn, results in an `environment name=<|plugin|>` turn."""

from __future__ import annotations

import json
from typing import Any

from server.tool_parsers.base import Function, ToolFormat


class InternLM2(ToolFormat):
    name = "internlm2"
    start = "<|action_start|><|plugin|>"
    end = "<|action_end|>"
    args_key = "parameters"
    parallel = False

    def call_text(self, name: str, arguments: str) -> str:
        return f'{self.start}\n{{"name": {json.dumps(name)}, "parameters": {arguments}}}{self.end}'

    def system_messages(self, tools: list[Function]) -> list[dict[str, Any]]:
        listing = json.dumps([t.as_openai()["function"] for t in tools], ensure_ascii=False)
        return [{"role": "system name=<|plugin|>", "content": listing}]

    def result_message(self, content: str) -> dict[str, Any]:
        return {"role": "environment name=<|plugin|>", "content": content}

    def call_rule(self) -> tuple[str, str]:
        # Its markers are special tokens: the grammar names them as tokens.
        return '<|action_start|> <|plugin|> "\\n"', "<|action_end|>"
