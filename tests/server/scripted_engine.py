"""A scripted engine, a test double for the model only: it answers each generate request with the
next of a list of texts (a list of pieces: one delta each), through the real tokenizer and chat
template, and keeps the prompts it was shown. Everything around it (routes, tool-call and
reasoning parsing, the sandbox, the database) is real."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import numpy as np

from engine.config import DEFAULT_MODEL, EngineConfig
from engine.embed import EmbedRequest
from engine.llm_engine import EngineStats
from engine.loaders.default_model import resolve_model_path
from engine.protocol import EngineClient, GenerateRequest, RequestOutput
from engine.tokenizer import Tokenizer
from server.tool_parsers import format_for


class ScriptedEngine(EngineClient):
    """An EngineClient (engine/protocol.py) with no thread and no model."""

    max_model_len = 2048
    embedding_size = 576
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

    async def embed(self, request: EmbedRequest) -> np.ndarray:
        raise NotImplementedError("a scripted engine has no model to embed with")

    @property
    def request_token_budget(self) -> int:
        return self.config.scheduler.token_budget(self.max_model_len)

    def stats(self) -> EngineStats:
        return EngineStats(running=0, waiting=0, kv_blocks_total=0, kv_blocks_free=0,
                           kv_blocks_cached=0, num_preemptions=0, prefix_cache_hit_tokens=0,
                           prompt_tokens=0, generated_tokens=0, weights="none",
                           kv_cache_dtype="none", kv_bytes_per_token=0, kv_capacity_tokens=0)

    def shutdown(self) -> None:
        pass
