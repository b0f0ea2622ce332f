"""Agents: tools described by JSON Schema, a sandboxed code interpreter, and one async loop
over a chat model speaking OpenAI function calling, InternLM2's action format or ReAct text."""

from agents.loop import Agent
from agents.models import ChatModel, ChatModelError, OpenAIChatModel
from agents.protocols import InternLM2Protocol, OpenAIProtocol, ReActProtocol
from agents.records import Action, AgentRun, AssistantTurn, Observation, Step, ToolCall, Usage
from agents.tools import Tool, Toolbox, WorkspaceTools, tool

__all__ = ["Action", "Agent", "AgentRun", "AssistantTurn", "ChatModel", "ChatModelError",
           "InternLM2Protocol", "Observation", "OpenAIChatModel", "OpenAIProtocol",
           "ReActProtocol", "Step", "Tool", "ToolCall", "Toolbox", "Usage", "WorkspaceTools",
           "tool"]
