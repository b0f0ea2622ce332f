"""Wire types of `/v1/responses`, the subset of OpenAI's Responses API hanlin serves: the request,
the response object with its output items (reasoning, message, function_call,
code_interpreter_call), and the named stream events. Input items stay JSON objects here;
`server.response_items` checks them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from server.protocol import (
    FunctionName,
    Metadata,
    PositiveInt,
    PromptCacheOptions,
    ReasoningEffort,
    Request,
    ServiceTier,
    Temperature,
    TopP,
    Verbosity,
    check_json_schema,
)

# ---- request ----------------------------------------------------------------------------------


class FunctionToolParam(Request, tag_field="type", tag="function", kw_only=True):
    """A function the client runs: calls come back as `function_call` items."""

    name: FunctionName
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None

    def __post_init__(self) -> None:
        check_json_schema(self.parameters)


class ContainerAuto(Request, tag_field="type", tag="auto", kw_only=True):
    """A fresh sandbox for the response: the only container hanlin makes. What it cannot honour
    is refused by name (a 400), never accepted and ignored."""

    file_ids: list[str] | None = None
    memory_limit: Literal["1g"] | None = None  # the sandbox's fixed budget: 1 GiB

    def __post_init__(self) -> None:
        if self.file_ids:
            raise ValueError("Unsupported parameter: 'container.file_ids' (files are not "
                             "copied into the sandbox yet); leave it out or empty")


class CodeInterpreterToolParam(Request, tag_field="type", tag="code_interpreter"):
    """hanlin's sandboxed Python, run server-side; one stateful session per response."""

    container: str | ContainerAuto

    def __post_init__(self) -> None:
        if isinstance(self.container, str):
            raise ValueError("Unsupported parameter: a 'container' id (each response runs in "
                             'a fresh sandbox); pass {"type": "auto"}')


ResponseTool = FunctionToolParam | CodeInterpreterToolParam


class FunctionToolChoice(Request, tag_field="type", tag="function"):
    name: str


class CodeInterpreterToolChoice(Request, tag_field="type", tag="code_interpreter"):
    """Forces a code_interpreter call (OpenAI's hosted-tool choice)."""


class TextFormatText(Request, tag_field="type", tag="text"):
    pass


class TextFormatJSONObject(Request, tag_field="type", tag="json_object"):
    pass


class TextFormatJSONSchema(Request, tag_field="type", tag="json_schema", kw_only=True):
    name: Annotated[str, Meta(pattern=r"^[a-zA-Z0-9_-]{1,64}$")]
    schema: dict[str, Any]
    description: str | None = None
    strict: bool | None = None

    def __post_init__(self) -> None:
        check_json_schema(self.schema)


class TextConfig(Request, kw_only=True):
    format: TextFormatText | TextFormatJSONObject | TextFormatJSONSchema = msgspec.field(
        default_factory=TextFormatText)
    verbosity: Verbosity | None = None  # accepted and ignored: no model here reads a level


SummaryKind = Literal["auto", "concise", "detailed"]


class ReasoningParam(Request, kw_only=True):
    """`effort` works as chat's `reasoning_effort`. No summary is ever written (the reasoning
    item carries the thought itself): `summary` is accepted and changes nothing."""

    effort: ReasoningEffort | None = None
    summary: SummaryKind | None = None
    generate_summary: SummaryKind | None = None  # OpenAI's older spelling of `summary`
    # Accepted and ignored: the template decides which past thoughts it shows; one mode here.
    context: Literal["auto", "current_turn", "all_turns"] | None = None
    mode: str | None = None


class StreamOptionsParam(Request, kw_only=True):
    include_obfuscation: bool | None = None  # accepted and ignored: events carry no padding


# What `include` may name. Honoured: the code interpreter's outputs (always sent) and the
# answer's log-probabilities. Accepted and ignored: items this server never makes (file / web
# search, computer, input images) and encrypted reasoning (reasoning items carry the thought
# in plain text, and are passed back as they are).
Includable = Literal[
    "code_interpreter_call.outputs", "message.output_text.logprobs",
    "file_search_call.results", "web_search_call.results", "web_search_call.action.sources",
    "message.input_image.image_url", "computer_call_output.output.image_url",
    "reasoning.encrypted_content",
]


class ConversationRef(Request):
    id: str


class BackgroundOptions(Request, kw_only=True):
    completion_window: Literal["soonest", "2h", "8h"] | None = None
    continuation_id: str | None = None


class ContextManagement(Request, kw_only=True):
    type: str
    compact_threshold: int | None = None


class ImageOptions(Request, kw_only=True):
    context_compression: Literal["auto", "enabled", "disabled"] | None = None


class AccessPrograms(Request, kw_only=True):
    cyber: Literal["standard", "daybreak_blue", "daybreak_red"] | None = None


class ResponseCreateRequest(Request, kw_only=True):
    model: str
    # A string is one user message; a list holds message / function_call /
    # function_call_output / code_interpreter_call items.
    input: str | list[dict[str, Any]] | None = None
    instructions: str | None = None
    tools: list[ResponseTool] | None = None
    tool_choice: (Literal["none", "auto", "required"] | FunctionToolChoice
                  | CodeInterpreterToolChoice | None) = None
    parallel_tool_calls: bool | None = None
    max_output_tokens: PositiveInt | None = None
    max_tool_calls: PositiveInt | None = None
    previous_response_id: str | None = None
    store: bool | None = None
    stream: bool = False
    stream_options: StreamOptionsParam | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    text: TextConfig | None = None
    reasoning: ReasoningParam | None = None
    metadata: Metadata | None = None  # stored with the response
    top_logprobs: Annotated[int, Meta(ge=0, le=20)] | None = None
    include: list[Includable] | None = None
    # "auto": the oldest turns are dropped until the prompt fits.
    truncation: Literal["auto", "disabled"] | None = None
    # Accepted and ignored (README, "Request fields"): echoed where OpenAI echoes them.
    user: str | None = None
    safety_identifier: str | None = None
    prompt_cache_key: str | None = None
    prompt_cache_retention: Literal["in_memory", "24h"] | None = None
    prompt_cache_options: PromptCacheOptions | None = None
    service_tier: ServiceTier | None = None
    background_options: BackgroundOptions | None = None
    context_management: list[ContextManagement] | None = None
    image: ImageOptions | None = None
    access_programs: AccessPrograms | None = None
    # Refused when given (`server.request_fields`): only false for background.
    background: bool | None = None
    conversation: str | ConversationRef | None = None
    prompt: dict[str, Any] | None = None
    moderation: dict[str, Any] | None = None


# ---- response ---------------------------------------------------------------------------------


class OutputText(msgspec.Struct, tag_field="type", tag="output_text", kw_only=True):
    text: str
    annotations: list[dict[str, Any]] = []
    logprobs: list[dict[str, Any]] = []


class OutputMessage(msgspec.Struct, tag_field="type", tag="message", kw_only=True):
    id: str
    role: Literal["assistant"] = "assistant"
    status: Literal["in_progress", "completed", "incomplete"]
    content: list[OutputText]


class FunctionCallItem(msgspec.Struct, tag_field="type", tag="function_call", kw_only=True):
    id: str
    call_id: str
    name: str
    arguments: str  # JSON text as the model wrote it
    status: Literal["in_progress", "completed", "incomplete"]


class ReasoningText(msgspec.Struct, tag_field="type", tag="reasoning_text", kw_only=True):
    text: str


class ReasoningItem(msgspec.Struct, tag_field="type", tag="reasoning", kw_only=True):
    """A reasoning model's thought (`<think>` ... `</think>`), before the turn's message."""

    id: str
    summary: list[dict[str, Any]] = []
    content: list[ReasoningText]
    status: Literal["in_progress", "completed", "incomplete"]


class CodeInterpreterLogs(msgspec.Struct, tag_field="type", tag="logs"):
    logs: str


class CodeInterpreterCallItem(
    msgspec.Struct, tag_field="type", tag="code_interpreter_call", kw_only=True
):
    id: str
    code: str | None
    container_id: str
    outputs: list[CodeInterpreterLogs] | None
    status: Literal["in_progress", "interpreting", "completed", "incomplete", "failed"]


OutputItem = OutputMessage | FunctionCallItem | CodeInterpreterCallItem | ReasoningItem


class InputTokensDetails(msgspec.Struct, kw_only=True):
    cached_tokens: int = 0


class OutputTokensDetails(msgspec.Struct, kw_only=True):
    reasoning_tokens: int = 0


class ResponseUsage(msgspec.Struct, kw_only=True):
    input_tokens: int = 0
    input_tokens_details: InputTokensDetails = msgspec.field(default_factory=InputTokensDetails)
    output_tokens: int = 0
    output_tokens_details: OutputTokensDetails = msgspec.field(
        default_factory=OutputTokensDetails)
    total_tokens: int = 0


class IncompleteDetails(msgspec.Struct, kw_only=True):
    reason: Literal["max_output_tokens"]


class ResponseError(msgspec.Struct, kw_only=True):
    code: str
    message: str


class ResponseObject(msgspec.Struct, kw_only=True):
    id: str
    object: Literal["response"] = "response"
    created_at: int
    completed_at: int | None = None
    status: Literal["in_progress", "completed", "incomplete", "failed"]
    model: str
    output: list[OutputItem]
    instructions: str | None
    tools: list[dict[str, Any]]
    tool_choice: str | dict[str, Any]
    parallel_tool_calls: bool
    max_output_tokens: int | None
    max_tool_calls: int | None
    previous_response_id: str | None
    temperature: float | None
    top_p: float | None
    text: dict[str, Any]
    reasoning: ReasoningParam | None = None
    usage: ResponseUsage | None
    error: ResponseError | None = None
    incomplete_details: IncompleteDetails | None = None
    metadata: dict[str, str]
    store: bool
    truncation: Literal["auto", "disabled"] = "disabled"
    background: bool = False
    user: str | None = None
    top_logprobs: int | None = None
    service_tier: Literal["default"] | None = None  # the tier that served it, where one was named
    safety_identifier: str | None = None
    prompt_cache_key: str | None = None


class ResponseDeleted(msgspec.Struct, kw_only=True):
    id: str
    object: Literal["response.deleted"] = "response.deleted"
    deleted: bool = True


class InputItemList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[dict[str, Any]]
    first_id: str | None
    last_id: str | None
    has_more: bool


# ---- stream events ----------------------------------------------------------------------------
# Each is framed as `event: <type>` + `data: <json>`; sequence_number counts from 0.


class ResponseEvent(msgspec.Struct, kw_only=True):
    type: str
    sequence_number: int = 0


class ResponseStateEvent(ResponseEvent, kw_only=True):
    response: ResponseObject


class OutputItemEvent(ResponseEvent, kw_only=True):
    output_index: int
    item: OutputItem


class ContentPartEvent(ResponseEvent, kw_only=True):
    item_id: str
    output_index: int
    content_index: int = 0
    part: OutputText | ReasoningText


class TextDeltaEvent(ResponseEvent, kw_only=True):
    item_id: str
    output_index: int
    content_index: int = 0
    delta: str
    logprobs: list[dict[str, Any]] = []


class TextDoneEvent(ResponseEvent, kw_only=True):
    item_id: str
    output_index: int
    content_index: int = 0
    text: str
    logprobs: list[dict[str, Any]] = []


class ReasoningDeltaEvent(ResponseEvent, kw_only=True):
    """response.reasoning_text.delta"""

    item_id: str
    output_index: int
    content_index: int = 0
    delta: str


class ReasoningDoneEvent(ResponseEvent, kw_only=True):
    """response.reasoning_text.done"""

    item_id: str
    output_index: int
    content_index: int = 0
    text: str


class ArgumentsDeltaEvent(ResponseEvent, kw_only=True):
    item_id: str
    output_index: int
    delta: str


class ArgumentsDoneEvent(ResponseEvent, kw_only=True):
    item_id: str
    output_index: int
    name: str
    arguments: str


class CodeDeltaEvent(ResponseEvent, kw_only=True):
    item_id: str
    output_index: int
    delta: str


class CodeDoneEvent(ResponseEvent, kw_only=True):
    item_id: str
    output_index: int
    code: str


class CodeStatusEvent(ResponseEvent, kw_only=True):
    """response.code_interpreter_call.in_progress / .interpreting / .completed"""

    item_id: str
    output_index: int


class ErrorEvent(ResponseEvent, kw_only=True):
    code: str | None
    message: str
    param: str | None
    error: dict[str, Any]  # the envelope's object too: the SDKs raise on an `error` key
