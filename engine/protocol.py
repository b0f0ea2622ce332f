"""Typed messages that cross the engine boundary: what a caller submits and what it gets back.

Every other package talks to the engine only through these Structs (SGLang's io_struct habit).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

import msgspec

if TYPE_CHECKING:  # for the annotations of EngineClient only: this module stays import-light
    import numpy as np

    from engine.config import EngineConfig
    from engine.embed import EmbedRequest
    from engine.llm_engine import EngineStats
    from engine.tokenizer import Tokenizer


class Grammar(msgspec.Struct, frozen=True, kw_only=True):
    """A constraint on what a request may generate, enforced token by token in the sampler.

    kind "json_schema": `source` is a JSON Schema (JSON text) the whole output must validate
    against; kind "lark": `source` is a grammar in llguidance's Lark dialect (`%json {...}`
    for inline schemas, `<|name|>` for special tokens). The request ends ("stop") as soon as
    the grammar is complete.
    """

    kind: Literal["json_schema", "lark"]
    source: str


class SamplingParams(msgspec.Struct, frozen=True, kw_only=True):
    """How one request samples. temperature 0 means greedy."""

    max_tokens: int = 256
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0  # 0: off
    min_p: float = 0.0  # 0: off; drop tokens below min_p x the top token's probability
    presence_penalty: float = 0.0  # OpenAI's: subtracted once from every token already generated
    frequency_penalty: float = 0.0  # OpenAI's: subtracted per occurrence in the output
    repetition_penalty: float = 1.0  # HF / vLLM's: divides (or multiplies) seen tokens' logits
    logit_bias: tuple[tuple[int, float], ...] = ()
    logprobs: int | None = None  # None: none; k: the chosen token's logprob and the top k
    prompt_logprobs: int | None = None  # the same for every prompt token after the first (echo)
    seed: int | None = None
    stop: tuple[str, ...] = ()
    stop_token_ids: tuple[int, ...] = ()
    ignore_eos: bool = False
    grammar: Grammar | None = None
    # Special tokens are dropped from `text` unless a parser needs to see them (InternLM2's
    # <|action_start|><|plugin|> tool calls are special tokens).
    skip_special_tokens: bool = True

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0.0

    @property
    def penalized(self) -> bool:
        return bool(self.presence_penalty or self.frequency_penalty or self.logit_bias
                    or self.repetition_penalty != 1.0)


class TokenLogprob(msgspec.Struct, array_like=True):
    """One position's log-probabilities: the token that stands there and the top alternatives,
    from the model's own distribution (log-softmax of the raw logits; penalties and temperature
    are not applied). Under a grammar the distribution is the one sampled from: tokens the
    grammar forbids are excluded and the rest renormalized, so no alternative is listed that
    could not have been produced."""

    token_id: int
    logprob: float
    top: list[tuple[int, float]]


class AdapterRef(msgspec.Struct, frozen=True, kw_only=True):
    """A LoRA adapter to run a request with: its model id (the KV prefix cache and the batch's
    rows are keyed by it) and the peft folder it is loaded from at its first request. The
    server's model registry (server/model_registry.py) is the one place that maps an id to its
    folder and its engine; the engine keeps loaded adapters by id, nothing else."""

    id: str
    path: str


class GenerateRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One generation: prompt token ids in, a stream of RequestOutput deltas out."""

    request_id: str
    prompt_ids: tuple[int, ...]
    sampling: SamplingParams = SamplingParams()
    adapter: AdapterRef | None = None  # None: the engine's own weights
    # Who asked (the server passes the caller's API key id). The scheduler shares the engine
    # fairly between tenants, so one key's giant request cannot starve another key's small one;
    # None is one tenant of its own (the key-less operator, in-process callers).
    tenant: str | None = None


class RequestOutput(msgspec.Struct, kw_only=True):
    """One delta for one request: the tokens and text produced since the previous delta.

    `text` never ends in half a UTF-8 character and never shows a stop string or a prefix of one
    that may still complete. The last delta has `finished` set and a `finish_reason`:
    "stop" (EOS, stop token or stop string), "length" (max_tokens or the context), "abort".
    """

    request_id: str
    token_ids: list[int]
    text: str
    logprobs: list[TokenLogprob] | None = None  # one per token in token_ids, when asked for
    prompt_logprobs: list[TokenLogprob | None] | None = None  # first delta only; first entry None
    # The EOS / stop token that ended the request, when logprobs were asked for: not in token_ids
    # (it is not part of the answer), but the legacy completions' lists end with it, as OpenAI's
    # and vLLM's do (lm-eval's `local-completions` counts on one entry per sampled token).
    stop_logprob: TokenLogprob | None = None
    finished: bool = False
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0


@runtime_checkable
class EngineClient(Protocol):
    """What the server asks of an engine, and all it asks: `engine.async_engine.AsyncEngine`
    implements it, and so do the server's test doubles (tests/server/scripted_engine.py). Which
    engine serves which model is the server's model registry's to say."""

    config: EngineConfig  # what it was started with (the pool starts others on the same)
    model_name: str  # the id clients name it by
    created: int  # when it was loaded (unix seconds): `/v1/models`' `created`
    max_model_len: int  # its context, prompt and answer together
    embedding_size: int  # the hidden size: `/v1/embeddings`' full dimensions
    tokenizer: Tokenizer

    def generate(self, request: GenerateRequest) -> AsyncGenerator[RequestOutput, None]:
        """The request's deltas until the finished one; leaving early aborts it."""
        ...

    async def embed(self, request: EmbedRequest) -> np.ndarray:
        """Unit-norm embeddings of the request's inputs, [inputs, dimensions] float32."""
        ...

    def abort(self, request_id: str) -> None:
        """Stop a request at the next step boundary and free its blocks."""
        ...

    @property
    def request_token_budget(self) -> int:
        """The most n x (prompt + max_tokens) one request may ask of this engine."""
        ...

    def stats(self) -> EngineStats:
        """Its load as of its last step."""
        ...

    def shutdown(self) -> None:
        """Stop it; requests still running end with an engine error."""
        ...
