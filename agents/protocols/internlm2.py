"""InternLM2's native format: tools declared in a `system name=plugin` turn, calls as
`<|action_start|><|plugin|>{json}<|action_end|>` or `<|action_start|><|interpreter|>code
<|action_end|>`, results in an `environment` turn named after the call's kind."""

from __future__ import annotations

import json
import re

from agents.models import Message
from agents.protocols.base import Parsed, Prepared, ToolProtocol
from agents.records import Action, AssistantTurn, ToolCall
from agents.tools.base import Toolbox

ACTION_START, ACTION_END = "<|action_start|>", "<|action_end|>"
PLUGIN, INTERPRETER = "<|plugin|>", "<|interpreter|>"
INTERPRETER_TOOL = "code_interpreter"
# From InternLM2's chat_format.md / Lagent's INTERPRETER_CN, in English.
INTERPRETER_PROMPT = (
    "You now have access to a Jupyter notebook environment supporting Python code execution. "
    "Just send code to python to run in this stateful environment. This feature is suitable "
    "for data analysis, data visualization, mathematical computation and file handling.")
PLUGIN_PROMPT = "You have access to the following APIs; call one with its name and parameters."
_FENCE = re.compile(r"^```(?:python|py)?\s*\n(.*?)\n?```\s*$", re.DOTALL)


class InternLM2Protocol(ToolProtocol):
    name = "internlm2"

    def prepare(self, messages: list[Message], toolbox: Toolbox) -> Prepared:
        system: list[Message] = []
        plugins = [s["function"] for s in toolbox.specs() if s["function"]["name"] != INTERPRETER_TOOL]
        if INTERPRETER_TOOL in toolbox.tools:
            system.append({"role": "system", "name": "interpreter", "content": INTERPRETER_PROMPT})
        if plugins:
            system.append({"role": "system", "name": "plugin",
                           "content": f"{PLUGIN_PROMPT}\n{json.dumps(plugins, ensure_ascii=False)}"})
        # The tool turns follow the ordinary system prompt, as InternLM2's template expects.
        head = [m for m in messages[:1] if m.get("role") == "system"]
        return Prepared(messages=[*head, *system, *messages[len(head):]], stop=[ACTION_END])

    def parse(self, turn: AssistantTurn, step: int) -> Parsed:
        text = turn.content or ""
        if ACTION_START not in text:
            if not text.strip():
                return Parsed(error="the reply was empty: call a tool or give the final answer")
            return Parsed(final_answer=text.strip())
        thought, _, action = text.partition(ACTION_START)
        thought = thought.strip() or None
        action = action.split(ACTION_END, 1)[0]  # the stop string may have cut it already
        call_id = f"call_{step}_0"
        if action.startswith(INTERPRETER):
            code = action[len(INTERPRETER):].strip()
            if fenced := _FENCE.match(code):
                code = fenced.group(1)
            if not code:
                return Parsed(thought=thought, error="the interpreter call holds no code")
            return Parsed(thought=thought, calls=[ToolCall(
                id=call_id, name=INTERPRETER_TOOL, arguments=json.dumps({"code": code}))])
        if not action.startswith(PLUGIN):
            return Parsed(thought=thought, error=f"after {ACTION_START} write {PLUGIN} or "
                                                 f"{INTERPRETER}, got {action[:40]!r}")
        payload = action[len(PLUGIN):].strip()
        try:
            call = json.loads(payload)
        except json.JSONDecodeError as exc:
            return Parsed(thought=thought, error=f"the plugin call is not valid JSON ({exc}): "
                                                 f"{payload[:200]!r}")
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            return Parsed(thought=thought,
                          error='the plugin call must be {"name": ..., "parameters": {...}}')
        arguments = call.get("parameters", call.get("arguments", {}))
        return Parsed(thought=thought, calls=[ToolCall(
            id=call_id, name=call["name"], arguments=json.dumps(arguments, ensure_ascii=False))])

    def assistant_message(self, turn: AssistantTurn) -> Message:
        text = turn.content or ""
        if ACTION_START in text and ACTION_END not in text:
            text += ACTION_END  # the stop string removed it; the template keeps it in history
        return {"role": "assistant", "content": text}

    def observation_messages(self, actions: list[Action]) -> list[Message]:
        return [{"role": "environment",
                 "name": "interpreter" if a.call.name == INTERPRETER_TOOL else "plugin",
                 "content": f"Error: {a.observation.content}" if a.observation.is_error
                 else a.observation.content} for a in actions]

    def error_messages(self, error: str) -> list[Message]:
        return [{"role": "environment", "name": "plugin", "content": f"Error: {error}"}]
