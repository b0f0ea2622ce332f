"""A scripted engine, a test double for the model only: it answers each generate request with the
next of a list of texts (a list of pieces: one delta each), through the real tokenizer and chat
template, and keeps the prompts it was shown. Everything around it (routes, tool-call and
reasoning parsing, the sandbox, the database) is real."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from engine.async_engine import AsyncEngine
from engine.config import DEFAULT_MODEL, EngineConfig
from engine.loaders.default_model import resolve_model_path
from engine.protocol import GenerateRequest, RequestOutput
from engine.tokenizer import Tokenizer
from server.tool_parsers import format_for


class ScriptedEngine(AsyncEngine):
    """An AsyncEngine in type only (routes ask for one): no thread, no model."""

    max_model_len = 2048
    config = EngineConfig()  # the default scheduler settings: the request token budget

    def __init__(self, script: list[str | list[str]] | None = None,  # noqa: D107 - no thread
                 tokenizer: Tokenizer | None = None) -> None:
        self.model_name = DEFAULT_MODEL
        self.tokenizer = tokenizer or Tokenizer.from_gguf(resolve_model_path(DEFAULT_MODEL))
        self.script: list[str | list[str]] = list(script or [])
        self.finish_reason = "stop"  # how every answer ends ("length": cut at max_tokens)
        self.created = 0
        self.prompts: list[str] = []  # what the model was shown, turn by turn

    def call(self, name: str, arguments: str) -> str:
        """A tool call as this model family writes it."""
        return format_for(self.tokenizer).call_text(name, arguments)

    async def generate(self, request: GenerateRequest) -> AsyncGenerator[RequestOutput, None]:
        self.prompts.append(self.tokenizer.decode(list(request.prompt_ids)))
        entry = self.script.pop(0)
        pieces = [entry] if isinstance(entry, str) else entry
        produced = 0
        for n, text in enumerate(pieces):
            ids = self.tokenizer.encode(text, add_special_tokens=False)
            produced += len(ids)
            last = n == len(pieces) - 1
            yield RequestOutput(request_id=request.request_id, token_ids=ids, text=text,
                                finished=last, finish_reason=self.finish_reason if last else None,
                                prompt_tokens=len(request.prompt_ids), completion_tokens=produced)

    def abort(self, request_id: str) -> None:
        pass
