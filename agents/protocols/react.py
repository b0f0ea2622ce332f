"""ReAct as text, for models without native tool calls: `Thought:` / `Action:` /
`Action Input:` from the model, `Observation:` back to it, until `Final Answer:`."""

from __future__ import annotations

import json
import re

from agents.models import Message
from agents.protocols.base import Parsed, Prepared, ToolProtocol
from agents.records import Action, AssistantTurn, ToolCall
from agents.tools.base import Toolbox

PROMPT = """You can use these tools:

{tools}

Answer in this format:
Thought: what you think about the question and what to do next
Action: the tool to use, one of [{names}]
Action Input: the tool's arguments as a JSON object
Then stop: you will get back
Observation: the result of the tool
and may repeat Thought / Action / Action Input. When you know the answer, write
Thought: I know the final answer
Final Answer: the answer to the question"""
_FINAL = re.compile(r"Final Answer\s*:\s*(.*)", re.DOTALL | re.IGNORECASE)
_ACTION = re.compile(r"Action\s*:\s*(.*?)\s*(?:\n|$)", re.IGNORECASE)
_INPUT = re.compile(r"Action Input\s*:\s*(.*)", re.DOTALL | re.IGNORECASE)
_THOUGHT = re.compile(r"Thought\s*:\s*(.*?)(?=\n\s*(?:Action|Final Answer)\s*:|$)",
                      re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


class ReActProtocol(ToolProtocol):
    name = "react"

    def prepare(self, messages: list[Message], toolbox: Toolbox) -> Prepared:
        tools = "\n".join(f"{s['function']['name']}: {s['function']['description']} "
                          f"Arguments: {json.dumps(s['function']['parameters']['properties'])}"
                          for s in toolbox.specs())
        prompt = PROMPT.format(tools=tools, names=", ".join(toolbox.tools))
        if messages and messages[0].get("role") == "system":
            head = {**messages[0], "content": f"{messages[0]['content']}\n\n{prompt}"}
            rest = messages[1:]
        else:
            head, rest = {"role": "system", "content": prompt}, messages
        # The model must stop before inventing the observation itself.
        return Prepared(messages=[head, *rest], stop=["\nObservation:"])

    def parse(self, turn: AssistantTurn, step: int) -> Parsed:
        text = (turn.content or "").strip()
        thought_match = _THOUGHT.search(text)
        thought = thought_match.group(1).strip() if thought_match else None
        action = _ACTION.search(text)
        final = _FINAL.search(text)
        if final and not (action and action.start() < final.start()):
            return Parsed(thought=thought, final_answer=final.group(1).strip())
        if not action:
            return Parsed(thought=thought, error="write `Action:` and `Action Input:` to use a "
                                                 "tool, or `Final Answer:` to answer")
        arguments = _INPUT.search(text, action.end())
        if not arguments:
            return Parsed(thought=thought, error=f"`Action: {action.group(1)}` needs an "
                                                 "`Action Input:` line with a JSON object")
        raw = arguments.group(1).split("\nObservation", 1)[0].strip()
        if fenced := _FENCE.match(raw):
            raw = fenced.group(1)
        return Parsed(thought=thought, calls=[ToolCall(
            id=f"call_{step}_0", name=action.group(1).strip().strip("`"), arguments=raw)])

    def observation_messages(self, actions: list[Action]) -> list[Message]:
        return [{"role": "user", "content": "Observation: " + (
            f"Error: {a.observation.content}" if a.observation.is_error
            else a.observation.content)} for a in actions]

    def error_messages(self, error: str) -> list[Message]:
        return [{"role": "user", "content": f"Observation: Error: {error}"}]

    def force_final_message(self) -> Message:
        return {"role": "user", "content": "You have used all your steps. Do not use any more "
                                           "tools. Reply now with `Final Answer:` and the answer."}
