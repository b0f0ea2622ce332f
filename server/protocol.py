"""Wire types of the OpenAI-compatible API: every request and response body as a msgspec Struct.

Requests forbid unknown fields (OpenAI rejects unknown params too); responses use UNSET for keys
that OpenAI omits rather than sends as null.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from engine.schema_check import SchemaError, check_schema

Temperature = Annotated[float, Meta(ge=0.0, le=2.0)]
TopP = Annotated[float, Meta(gt=0.0, le=1.0)]
Penalty = Annotated[float, Meta(ge=-2.0, le=2.0)]
PositiveInt = Annotated[int, Meta(ge=1)]
# -1 and 0 both mean "top-k off", as in vLLM.
TopK = Annotated[int, Meta(ge=-1)]
Stop = str | Annotated[list[str], Meta(max_length=4)]
# "function": the result of a deprecated `function_call`, read as a tool result.
Role = Literal["system", "developer", "user", "assistant", "tool", "function"]
ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]
# OpenAI's limits: 16 pairs, keys up to 64 characters, values up to 512.
Metadata = Annotated[
    dict[Annotated[str, Meta(max_length=64)], Annotated[str, Meta(max_length=512)]],
    Meta(max_length=16),
]
# Every tier is served the one way there is; answers that name one say "default".
ServiceTier = Literal["auto", "default", "flex", "scale", "priority", "fast", "ultrafast"]
Verbosity = Literal["low", "medium", "high"]


class Request(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body: unknown fields are a 400, never silently dropped."""


# ---- shared pieces ---------------------------------------------------------------------------


class StreamOptions(Request):
    include_usage: bool = False
    include_obfuscation: bool | None = None  # accepted and ignored: chunks carry no padding


class PromptCacheOptions(Request, kw_only=True):
    """Accepted and ignored: the prefix cache is automatic (block hashes), with no breakpoints
    or lifetimes to set; a `prewarm` (no answer wanted) is refused where it is read."""

    mode: Literal["implicit", "explicit"] | None = None
    ttl: Literal["30m", "12h"] | None = None
    prewarm: bool | None = None
    comparison_response_id: str | None = None


class PromptTokensDetails(msgspec.Struct, kw_only=True):
    cached_tokens: int = 0


class CompletionTokensDetails(msgspec.Struct, kw_only=True):
    reasoning_tokens: int = 0  # the thought's tokens (`<think>` ... `</think>`), tags excluded


class Usage(msgspec.Struct, kw_only=True):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: PromptTokensDetails
    # Only where answers are read for a thought (a reasoning model's template or vocabulary).
    completion_tokens_details: CompletionTokensDetails | UnsetType = UNSET


# ---- models ----------------------------------------------------------------------------------


# Who may use a fine-tuned model besides its owner and admins (server/model_access.py).
Visibility = Literal["private", "public"]


class Model(msgspec.Struct, kw_only=True):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "hanlin"
    parent: str | None = None  # a fine-tuned model's base (vLLM's field for LoRA adapters)
    max_model_len: int  # vLLM's extension: clients size their prompts with it
    visibility: Visibility | None = None  # hanlin: a fine-tuned model's (None: the base model)
    # hanlin: whether the engine that runs it is in memory now (a request for a model not loaded
    # waits for its load; server/model_pool.py).
    loaded: bool = True


class ModelUpdate(Request):
    """`POST /v1/models/{id}` (hanlin): who may use a fine-tuned model besides its owner and
    admins: nobody (private) or every key (public)."""

    visibility: Visibility


class ModelDeleted(msgspec.Struct, kw_only=True):
    id: str
    object: Literal["model"] = "model"
    deleted: bool = True


class ModelList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[Model]


# ---- chat completions ------------------------------------------------------------------------


class TextPart(Request):
    type: Literal["text"]
    text: str


class FunctionCallParam(Request):
    name: str
    arguments: str  # JSON text, as the model wrote it


class ToolCallParam(Request, kw_only=True):
    """A call an assistant message made earlier in the conversation, sent back by the client."""

    id: str
    type: Literal["function"] = "function"
    function: FunctionCallParam


class ChatMessage(Request):
    role: Role
    content: str | list[TextPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCallParam] | None = None
    tool_call_id: str | None = None  # with role "tool": which call this is the result of
    function_call: FunctionCallParam | None = None  # an assistant's deprecated single call
    refusal: str | None = None  # an assistant's past refusal: shown as its content
    audio: dict[str, Any] | None = None  # a past audio answer: refused (none is ever made)
    # An assistant turn's thought, as this server returned it (vLLM's field); templates that
    # show past thoughts (Qwen3's) get it.
    reasoning_content: str | None = None


# OpenAI's rule for function names.
FunctionName = Annotated[str, Meta(pattern=r"^[a-zA-Z0-9_-]{1,64}$")]


def check_json_schema(schema: dict[str, Any] | None) -> None:
    """A schema no answer could satisfy (no finite instance, nested past the limit) is the
    caller's error at decode time, a 400 naming where it is (`check_schema`). Chat checks its
    schemas where it compiles them (`routes/chat.py`, with OpenAI's `param`); Responses here."""
    if schema is not None:
        try:
            check_schema(schema)
        except SchemaError as exc:
            raise ValueError(f"Invalid schema: {exc}") from None


class FunctionDefinition(Request, kw_only=True):
    name: FunctionName
    description: str | None = None
    parameters: dict[str, Any] | None = None  # a JSON Schema; omitted means no arguments
    strict: bool | None = None


class Tool(Request):
    type: Literal["function"]
    function: FunctionDefinition


class FunctionChoice(Request):
    name: str


class NamedToolChoice(Request, tag_field="type", tag="function"):
    function: FunctionChoice


class JSONSchemaFormat(Request, kw_only=True):
    name: Annotated[str, Meta(pattern=r"^[a-zA-Z0-9_-]{1,64}$")]
    description: str | None = None
    schema: dict[str, Any] | None = None  # omitted: any JSON object
    strict: bool | None = None


class TextFormat(Request, tag_field="type", tag="text"):
    pass


class JSONObjectFormat(Request, tag_field="type", tag="json_object"):
    pass


class JSONSchemaResponseFormat(Request, tag_field="type", tag="json_schema"):
    json_schema: JSONSchemaFormat


ResponseFormat = TextFormat | JSONObjectFormat | JSONSchemaResponseFormat


class LegacyFunction(Request, kw_only=True):
    """An entry of the deprecated `functions`, served as a tool."""

    name: FunctionName
    description: str | None = None
    parameters: dict[str, Any] | None = None


class LegacyFunctionChoice(Request):
    name: str


class AllowedTools(Request, kw_only=True):
    mode: Literal["auto", "required"]
    tools: Annotated[list[NamedToolChoice], Meta(min_length=1)]


class AllowedToolsChoice(Request, tag_field="type", tag="allowed_tools"):
    """Offer only these of `tools` (OpenAI keeps the full list for its prompt cache)."""

    allowed_tools: AllowedTools


class Prediction(Request, kw_only=True):
    type: Literal["content"]
    content: str | list[TextPart]


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
    tools: list[Tool] | None = None
    tool_choice: (Literal["none", "auto", "required"] | NamedToolChoice | AllowedToolsChoice
                  | None) = None
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormat | None = None
    # Deprecated spellings of tools / tool_choice (answers come back as `function_call`).
    functions: list[LegacyFunction] | None = None
    function_call: Literal["none", "auto"] | LegacyFunctionChoice | None = None
    modalities: list[Literal["text", "audio"]] | None = None  # "audio" is refused
    # Accepted and ignored (README, "Request fields"): nothing is stored, billed, cached by key
    # or checked for abuse here; a prediction only speeds OpenAI up.
    store: bool | None = None
    metadata: Metadata | None = None
    service_tier: ServiceTier | None = None
    prompt_cache_key: str | None = None
    prompt_cache_retention: Literal["in_memory", "24h"] | None = None
    prompt_cache_options: PromptCacheOptions | None = None
    safety_identifier: str | None = None
    verbosity: Verbosity | None = None
    prediction: Prediction | None = None
    # Refused when given (server.routes.chat): no audio, moderation model or web search here.
    audio: dict[str, Any] | None = None
    moderation: dict[str, Any] | None = None
    web_search_options: dict[str, Any] | None = None
    # Variables for the checkpoint's chat template (vLLM's extension), e.g. enable_thinking.
    chat_template_kwargs: dict[str, Any] | None = None
    # "none" / "minimal": enable_thinking false where the template has that switch; passed as
    # `reasoning_effort` to templates that read it; otherwise accepted and changes nothing.
    reasoning_effort: ReasoningEffort | None = None


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


class FunctionCall(msgspec.Struct, kw_only=True):
    name: str
    arguments: str  # JSON text


class ToolCall(msgspec.Struct, kw_only=True):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class ChatResponseMessage(msgspec.Struct, kw_only=True):
    role: Literal["assistant"] = "assistant"
    content: str | None  # null when the answer is only tool calls, or only a thought
    # The thought (null: none), sent where answers are read for one.
    reasoning_content: str | None | UnsetType = UNSET
    tool_calls: list[ToolCall] | UnsetType = UNSET
    function_call: FunctionCall | UnsetType = UNSET  # the call, for a request with `functions`


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
    service_tier: Literal["default"] | UnsetType = UNSET  # where the request named a tier


class FunctionCallDelta(msgspec.Struct, kw_only=True):
    name: str | UnsetType = UNSET
    arguments: str | UnsetType = UNSET


class ToolCallDelta(msgspec.Struct, kw_only=True):
    """OpenAI's streaming convention: a call's first delta has index, id, type and the name
    (arguments ""); the later ones only the index and a fragment of the arguments."""

    index: int
    id: str | UnsetType = UNSET
    type: Literal["function"] | UnsetType = UNSET
    function: FunctionCallDelta


class ChatDelta(msgspec.Struct, kw_only=True):
    role: Literal["assistant"] | UnsetType = UNSET
    content: str | UnsetType = UNSET
    reasoning_content: str | UnsetType = UNSET
    tool_calls: list[ToolCallDelta] | UnsetType = UNSET
    function_call: FunctionCallDelta | UnsetType = UNSET


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
    service_tier: Literal["default"] | UnsetType = UNSET


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


# ---- embeddings ------------------------------------------------------------------------------


class EmbeddingRequest(Request):
    """OpenAI's four input forms, told apart in the route as for completions' `prompt`."""

    model: str
    input: str | list[str | int | list[int]]
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: PositiveInt | None = None
    user: str | None = None


class Embedding(msgspec.Struct, kw_only=True):
    object: Literal["embedding"] = "embedding"
    index: int
    # base64: the vector's little-endian float32 bytes, as OpenAI sends them.
    embedding: list[float] | str


class EmbeddingUsage(msgspec.Struct, kw_only=True):
    prompt_tokens: int
    total_tokens: int


class EmbeddingList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[Embedding]
    model: str
    usage: EmbeddingUsage
