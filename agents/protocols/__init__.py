"""Tool-call protocols: OpenAI function calling, InternLM2's action tokens, ReAct text."""

from agents.protocols.base import Parsed, Prepared, ToolProtocol
from agents.protocols.internlm2 import InternLM2Protocol
from agents.protocols.openai import OpenAIProtocol
from agents.protocols.react import ReActProtocol

__all__ = ["InternLM2Protocol", "OpenAIProtocol", "Parsed", "Prepared", "ReActProtocol",
           "ToolProtocol"]
