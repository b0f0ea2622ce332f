"""Wire types of the OpenAI-compatible API: every request and response body as a msgspec Struct.

Requests forbid unknown fields (OpenAI rejects unknown params too); responses use UNSET for keys
that OpenAI omits rather than sends as null.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

Temperature = Annotated[float, Meta(ge=0.0, le=2.0)]
TopP = Annotated[float, Meta(gt=0.0, le=1.0)]
Penalty = Annotated[float, Meta(ge=-2.0, le=2.0)]
PositiveInt = Annotated[int, Meta(ge=1)]
# -1 and 0 both mean "top-k off", as in vLLM.
TopK = Annotated[int, Meta(ge=-1)]
Stop = str | Annotated[list[str], Meta(max_length=4)]
Role = Literal["system", "developer", "user", "assistant", "tool"]


class Request(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body: unknown fields are a 400, never silently dropped."""


# ---- shared pieces ---------------------------------------------------------------------------


class StreamOptions(Request):
    include_usage: bool = False
    include_obfuscation: bool | None = None


class PromptTokensDetails(msgspec.Struct, kw_only=True):
    cached_tokens: int = 0


class Usage(msgspec.Struct, kw_only=True):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: PromptTokensDetails


# ---- models ----------------------------------------------------------------------------------


class Model(msgspec.Struct, kw_only=True):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "hanlin"
    max_model_len: int  # vLLM's extension: clients size their prompts with it


class ModelList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[Model]


# ---- chat completions ------------------------------------------------------------------------


class TextPart(Request):
    type: Literal["text"]
    text: str


class ChatMessage(Request):
    role: Role
    content: str | list[TextPart] | None = None
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None


class GenerationFields(Request, kw_only=True):
    """What chat and text completions share: choices, streaming and every sampling control."""

    model: str
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    top_k: TopK | None = None
    seed: int | None = None
    stop: Stop | None = None
    n: PositiveInt | None = None
    user: str | None = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    logit_bias: dict[str, float] | None = None
    # vLLM's extensions, for benchmarks and evals: run past EOS; extra token ids that stop.
    ignore_eos: bool = False
    stop_token_ids: list[int] | None = None
    repetition_penalty: Annotated[float, Meta(gt=0.0)] | None = None
    min_p: Annotated[float, Meta(ge=0.0, le=1.0)] | None = None


class ChatCompletionRequest(GenerationFields, kw_only=True):
    messages: list[ChatMessage]
    max_tokens: PositiveInt | None = None
    max_completion_tokens: PositiveInt | None = None
    logprobs: bool | None = None
    top_logprobs: Annotated[int, Meta(ge=0, le=20)] | None = None
    # In OpenAI's schema but not implemented yet: only their neutral values pass (see validate).
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    response_format: dict[str, Any] | None = None


class TopLogprob(msgspec.Struct, kw_only=True):
    token: str
    logprob: float
    bytes: list[int] | None


class ChatTokenLogprob(msgspec.Struct, kw_only=True):
    token: str
    logprob: float
    bytes: list[int] | None
    top_logprobs: list[TopLogprob]


class ChatLogprobs(msgspec.Struct, kw_only=True):
    content: list[ChatTokenLogprob] | None
    refusal: None = None


class CompletionLogprobs(msgspec.Struct, kw_only=True):
    tokens: list[str]
    token_logprobs: list[float | None]
    top_logprobs: list[dict[str, float] | None]
    text_offset: list[int]


class ChatResponseMessage(msgspec.Struct, kw_only=True):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(msgspec.Struct, kw_only=True):
    index: int
    message: ChatResponseMessage
    logprobs: ChatLogprobs | None = None
    finish_reason: str


class ChatCompletion(msgspec.Struct, kw_only=True):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage


class ChatDelta(msgspec.Struct, kw_only=True):
    role: Literal["assistant"] | UnsetType = UNSET
    content: str | UnsetType = UNSET


class ChatChunkChoice(msgspec.Struct, kw_only=True):
    index: int
    delta: ChatDelta
    logprobs: ChatLogprobs | None = None
    finish_reason: str | None = None


class ChatCompletionChunk(msgspec.Struct, kw_only=True):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChatChunkChoice]
    # Omitted unless stream_options.include_usage; then null on all but the last chunk.
    usage: Usage | None | UnsetType = UNSET


# ---- legacy completions ----------------------------------------------------------------------


class CompletionRequest(GenerationFields, kw_only=True):
    # OpenAI allows str | list[str] | list[int] | list[list[int]]; msgspec allows one array type
    # in a union, so the list forms are told apart in the route.
    prompt: str | list[str | int | list[int]]
    # 0 only with echo: score the prompt, generate nothing (lm-evaluation-harness does this).
    max_tokens: Annotated[int, Meta(ge=0)] = 16
    echo: bool = False
    logprobs: Annotated[int, Meta(ge=0, le=5)] | None = None
    # Not implemented yet: only their neutral values pass.
    suffix: str | None = None
    best_of: PositiveInt | None = None


class CompletionChoice(msgspec.Struct, kw_only=True):
    index: int
    text: str
    logprobs: CompletionLogprobs | None = None
    finish_reason: str | None = None


class Completion(msgspec.Struct, kw_only=True):
    """Both the whole answer and a stream chunk: OpenAI uses one shape and one `object` for both."""

    id: str
    object: Literal["text_completion"] = "text_completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: Usage | None | UnsetType = UNSET


# ---- errors ----------------------------------------------------------------------------------


class ErrorInfo(msgspec.Struct, kw_only=True):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(msgspec.Struct, kw_only=True):
    error: ErrorInfo


# ---- token utilities (vLLM's shapes) ---------------------------------------------------------


class TokenizeRequest(Request):
    """Exactly one of `prompt` (raw text) or `messages` (rendered by the chat template)."""

    model: str
    prompt: str | None = None
    messages: list[ChatMessage] | None = None
    add_special_tokens: bool = True


class TokenizeResponse(msgspec.Struct, kw_only=True):
    count: int
    max_model_len: int
    tokens: list[int]


class DetokenizeRequest(Request):
    model: str
    tokens: list[int]


class DetokenizeResponse(msgspec.Struct, kw_only=True):
    prompt: str
