"""Tool calls in each model family's own format (one module per format): how tools and past
calls go into the prompt, the grammar that forces a call, and one parser that reads calls back
out of whole or streamed answers in OpenAI's delta convention.
"""

from server.tool_parsers.base import Function, ToolFormat, new_call_id
from server.tool_parsers.hermes import Hermes
from server.tool_parsers.internlm2 import InternLM2
from server.tool_parsers.llama3 import Llama3Json
from server.tool_parsers.mistral import Mistral
from server.tool_parsers.pick import TOOL_CALL_PARSERS, UnknownParser, check_name, format_for
from server.tool_parsers.prompt import for_template, inline, template_renders_tools
from server.tool_parsers.qwen3_coder import Qwen3Coder
from server.tool_parsers.stream import CallDelta, ParsedDelta, ToolCallParser, collect, parse_whole

__all__ = [
    "TOOL_CALL_PARSERS", "CallDelta", "Function", "Hermes", "InternLM2", "Llama3Json", "Mistral",
    "ParsedDelta", "Qwen3Coder", "ToolCallParser", "ToolFormat", "UnknownParser", "check_name",
    "collect", "for_template", "format_for", "inline", "new_call_id", "parse_whole",
    "template_renders_tools",
]
