from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.chat_completion_request_function_call_type_0 import (
    ChatCompletionRequestFunctionCallType0,
)
from ..models.chat_completion_request_modalities_type_0_item import (
    ChatCompletionRequestModalitiesType0Item,
)
from ..models.chat_completion_request_prompt_cache_retention_type_1 import (
    ChatCompletionRequestPromptCacheRetentionType1,
)
from ..models.chat_completion_request_prompt_cache_retention_type_2_type_1 import (
    ChatCompletionRequestPromptCacheRetentionType2Type1,
)
from ..models.chat_completion_request_prompt_cache_retention_type_3_type_1 import (
    ChatCompletionRequestPromptCacheRetentionType3Type1,
)
from ..models.chat_completion_request_reasoning_effort_type_1 import (
    ChatCompletionRequestReasoningEffortType1,
)
from ..models.chat_completion_request_reasoning_effort_type_2_type_1 import (
    ChatCompletionRequestReasoningEffortType2Type1,
)
from ..models.chat_completion_request_reasoning_effort_type_3_type_1 import (
    ChatCompletionRequestReasoningEffortType3Type1,
)
from ..models.chat_completion_request_service_tier_type_1 import (
    ChatCompletionRequestServiceTierType1,
)
from ..models.chat_completion_request_service_tier_type_2_type_1 import (
    ChatCompletionRequestServiceTierType2Type1,
)
from ..models.chat_completion_request_service_tier_type_3_type_1 import (
    ChatCompletionRequestServiceTierType3Type1,
)
from ..models.chat_completion_request_tool_choice_type_0 import ChatCompletionRequestToolChoiceType0
from ..models.chat_completion_request_verbosity_type_1 import ChatCompletionRequestVerbosityType1
from ..models.chat_completion_request_verbosity_type_2_type_1 import (
    ChatCompletionRequestVerbosityType2Type1,
)
from ..models.chat_completion_request_verbosity_type_3_type_1 import (
    ChatCompletionRequestVerbosityType3Type1,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.allowed_tools_choice import AllowedToolsChoice
    from ..models.chat_completion_request_audio_type_0 import ChatCompletionRequestAudioType0
    from ..models.chat_completion_request_chat_template_kwargs_type_0 import (
        ChatCompletionRequestChatTemplateKwargsType0,
    )
    from ..models.chat_completion_request_logit_bias_type_0 import (
        ChatCompletionRequestLogitBiasType0,
    )
    from ..models.chat_completion_request_metadata_type_0 import ChatCompletionRequestMetadataType0
    from ..models.chat_completion_request_moderation_type_0 import (
        ChatCompletionRequestModerationType0,
    )
    from ..models.chat_completion_request_web_search_options_type_0 import (
        ChatCompletionRequestWebSearchOptionsType0,
    )
    from ..models.chat_message import ChatMessage
    from ..models.json_object_format import JSONObjectFormat
    from ..models.json_schema_response_format import JSONSchemaResponseFormat
    from ..models.legacy_function import LegacyFunction
    from ..models.legacy_function_choice import LegacyFunctionChoice
    from ..models.named_tool_choice import NamedToolChoice
    from ..models.prediction import Prediction
    from ..models.prompt_cache_options import PromptCacheOptions
    from ..models.stream_options import StreamOptions
    from ..models.text_format import TextFormat
    from ..models.tool import Tool


T = TypeVar("T", bound="ChatCompletionRequest")


@_attrs_define
class ChatCompletionRequest:
    """
    Attributes:
        model (str):
        messages (list[ChatMessage]):
        stream (bool | Unset):  Default: False.
        stream_options (None | StreamOptions | Unset):
        temperature (float | None | Unset):
        top_p (float | None | Unset):
        top_k (int | None | Unset):
        seed (int | None | Unset):
        stop (list[str] | None | str | Unset):
        n (int | None | Unset):
        user (None | str | Unset):
        presence_penalty (float | None | Unset):
        frequency_penalty (float | None | Unset):
        logit_bias (ChatCompletionRequestLogitBiasType0 | None | Unset):
        ignore_eos (bool | Unset):  Default: False.
        stop_token_ids (list[int] | None | Unset):
        repetition_penalty (float | None | Unset):
        min_p (float | None | Unset):
        max_tokens (int | None | Unset):
        max_completion_tokens (int | None | Unset):
        logprobs (bool | None | Unset):
        top_logprobs (int | None | Unset):
        tools (list[Tool] | None | Unset):
        tool_choice (AllowedToolsChoice | ChatCompletionRequestToolChoiceType0 | NamedToolChoice | None | Unset):
        parallel_tool_calls (bool | None | Unset):
        response_format (JSONObjectFormat | JSONSchemaResponseFormat | None | TextFormat | Unset):
        functions (list[LegacyFunction] | None | Unset):
        function_call (ChatCompletionRequestFunctionCallType0 | LegacyFunctionChoice | None | Unset):
        modalities (list[ChatCompletionRequestModalitiesType0Item] | None | Unset):
        store (bool | None | Unset):
        metadata (ChatCompletionRequestMetadataType0 | None | Unset):
        service_tier (ChatCompletionRequestServiceTierType1 | ChatCompletionRequestServiceTierType2Type1 |
            ChatCompletionRequestServiceTierType3Type1 | None | Unset):
        prompt_cache_key (None | str | Unset):
        prompt_cache_retention (ChatCompletionRequestPromptCacheRetentionType1 |
            ChatCompletionRequestPromptCacheRetentionType2Type1 | ChatCompletionRequestPromptCacheRetentionType3Type1 | None
            | Unset):
        prompt_cache_options (None | PromptCacheOptions | Unset):
        safety_identifier (None | str | Unset):
        verbosity (ChatCompletionRequestVerbosityType1 | ChatCompletionRequestVerbosityType2Type1 |
            ChatCompletionRequestVerbosityType3Type1 | None | Unset):
        prediction (None | Prediction | Unset):
        audio (ChatCompletionRequestAudioType0 | None | Unset):
        moderation (ChatCompletionRequestModerationType0 | None | Unset):
        web_search_options (ChatCompletionRequestWebSearchOptionsType0 | None | Unset):
        chat_template_kwargs (ChatCompletionRequestChatTemplateKwargsType0 | None | Unset):
        reasoning_effort (ChatCompletionRequestReasoningEffortType1 | ChatCompletionRequestReasoningEffortType2Type1 |
            ChatCompletionRequestReasoningEffortType3Type1 | None | Unset):
    """

    model: str
    messages: list[ChatMessage]
    stream: bool | Unset = False
    stream_options: None | StreamOptions | Unset = UNSET
    temperature: float | None | Unset = UNSET
    top_p: float | None | Unset = UNSET
    top_k: int | None | Unset = UNSET
    seed: int | None | Unset = UNSET
    stop: list[str] | None | str | Unset = UNSET
    n: int | None | Unset = UNSET
    user: None | str | Unset = UNSET
    presence_penalty: float | None | Unset = UNSET
    frequency_penalty: float | None | Unset = UNSET
    logit_bias: ChatCompletionRequestLogitBiasType0 | None | Unset = UNSET
    ignore_eos: bool | Unset = False
    stop_token_ids: list[int] | None | Unset = UNSET
    repetition_penalty: float | None | Unset = UNSET
    min_p: float | None | Unset = UNSET
    max_tokens: int | None | Unset = UNSET
    max_completion_tokens: int | None | Unset = UNSET
    logprobs: bool | None | Unset = UNSET
    top_logprobs: int | None | Unset = UNSET
    tools: list[Tool] | None | Unset = UNSET
    tool_choice: (
        AllowedToolsChoice | ChatCompletionRequestToolChoiceType0 | NamedToolChoice | None | Unset
    ) = UNSET
    parallel_tool_calls: bool | None | Unset = UNSET
    response_format: JSONObjectFormat | JSONSchemaResponseFormat | None | TextFormat | Unset = UNSET
    functions: list[LegacyFunction] | None | Unset = UNSET
    function_call: ChatCompletionRequestFunctionCallType0 | LegacyFunctionChoice | None | Unset = (
        UNSET
    )
    modalities: list[ChatCompletionRequestModalitiesType0Item] | None | Unset = UNSET
    store: bool | None | Unset = UNSET
    metadata: ChatCompletionRequestMetadataType0 | None | Unset = UNSET
    service_tier: (
        ChatCompletionRequestServiceTierType1
        | ChatCompletionRequestServiceTierType2Type1
        | ChatCompletionRequestServiceTierType3Type1
        | None
        | Unset
    ) = UNSET
    prompt_cache_key: None | str | Unset = UNSET
    prompt_cache_retention: (
        ChatCompletionRequestPromptCacheRetentionType1
        | ChatCompletionRequestPromptCacheRetentionType2Type1
        | ChatCompletionRequestPromptCacheRetentionType3Type1
        | None
        | Unset
    ) = UNSET
    prompt_cache_options: None | PromptCacheOptions | Unset = UNSET
    safety_identifier: None | str | Unset = UNSET
    verbosity: (
        ChatCompletionRequestVerbosityType1
        | ChatCompletionRequestVerbosityType2Type1
        | ChatCompletionRequestVerbosityType3Type1
        | None
        | Unset
    ) = UNSET
    prediction: None | Prediction | Unset = UNSET
    audio: ChatCompletionRequestAudioType0 | None | Unset = UNSET
    moderation: ChatCompletionRequestModerationType0 | None | Unset = UNSET
    web_search_options: ChatCompletionRequestWebSearchOptionsType0 | None | Unset = UNSET
    chat_template_kwargs: ChatCompletionRequestChatTemplateKwargsType0 | None | Unset = UNSET
    reasoning_effort: (
        ChatCompletionRequestReasoningEffortType1
        | ChatCompletionRequestReasoningEffortType2Type1
        | ChatCompletionRequestReasoningEffortType3Type1
        | None
        | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.allowed_tools_choice import AllowedToolsChoice  # noqa: PLC0415
        from ..models.chat_completion_request_audio_type_0 import ChatCompletionRequestAudioType0  # noqa: PLC0415
        from ..models.chat_completion_request_chat_template_kwargs_type_0 import (
            ChatCompletionRequestChatTemplateKwargsType0,  # noqa: PLC0415
        )
        from ..models.chat_completion_request_logit_bias_type_0 import (
            ChatCompletionRequestLogitBiasType0,  # noqa: PLC0415
        )
        from ..models.chat_completion_request_metadata_type_0 import (
            ChatCompletionRequestMetadataType0,  # noqa: PLC0415
        )
        from ..models.chat_completion_request_moderation_type_0 import (
            ChatCompletionRequestModerationType0,  # noqa: PLC0415
        )
        from ..models.chat_completion_request_web_search_options_type_0 import (
            ChatCompletionRequestWebSearchOptionsType0,  # noqa: PLC0415
        )
        from ..models.json_object_format import JSONObjectFormat  # noqa: PLC0415
        from ..models.json_schema_response_format import JSONSchemaResponseFormat  # noqa: PLC0415
        from ..models.legacy_function_choice import LegacyFunctionChoice  # noqa: PLC0415
        from ..models.named_tool_choice import NamedToolChoice  # noqa: PLC0415
        from ..models.prediction import Prediction  # noqa: PLC0415
        from ..models.prompt_cache_options import PromptCacheOptions  # noqa: PLC0415
        from ..models.stream_options import StreamOptions  # noqa: PLC0415
        from ..models.text_format import TextFormat  # noqa: PLC0415

        model = self.model

        messages = []
        for messages_item_data in self.messages:
            messages_item = messages_item_data.to_dict()
            messages.append(messages_item)

        stream = self.stream

        stream_options: dict[str, Any] | None | Unset
        if isinstance(self.stream_options, Unset):
            stream_options = UNSET
        elif isinstance(self.stream_options, StreamOptions):
            stream_options = self.stream_options.to_dict()
        else:
            stream_options = self.stream_options

        temperature: float | None | Unset
        if isinstance(self.temperature, Unset):
            temperature = UNSET
        else:
            temperature = self.temperature

        top_p: float | None | Unset
        if isinstance(self.top_p, Unset):
            top_p = UNSET
        else:
            top_p = self.top_p

        top_k: int | None | Unset
        if isinstance(self.top_k, Unset):
            top_k = UNSET
        else:
            top_k = self.top_k

        seed: int | None | Unset
        if isinstance(self.seed, Unset):
            seed = UNSET
        else:
            seed = self.seed

        stop: list[str] | None | str | Unset
        if isinstance(self.stop, Unset):
            stop = UNSET
        elif isinstance(self.stop, list):
            stop = self.stop

        else:
            stop = self.stop

        n: int | None | Unset
        if isinstance(self.n, Unset):
            n = UNSET
        else:
            n = self.n

        user: None | str | Unset
        if isinstance(self.user, Unset):
            user = UNSET
        else:
            user = self.user

        presence_penalty: float | None | Unset
        if isinstance(self.presence_penalty, Unset):
            presence_penalty = UNSET
        else:
            presence_penalty = self.presence_penalty

        frequency_penalty: float | None | Unset
        if isinstance(self.frequency_penalty, Unset):
            frequency_penalty = UNSET
        else:
            frequency_penalty = self.frequency_penalty

        logit_bias: dict[str, Any] | None | Unset
        if isinstance(self.logit_bias, Unset):
            logit_bias = UNSET
        elif isinstance(self.logit_bias, ChatCompletionRequestLogitBiasType0):
            logit_bias = self.logit_bias.to_dict()
        else:
            logit_bias = self.logit_bias

        ignore_eos = self.ignore_eos

        stop_token_ids: list[int] | None | Unset
        if isinstance(self.stop_token_ids, Unset):
            stop_token_ids = UNSET
        elif isinstance(self.stop_token_ids, list):
            stop_token_ids = self.stop_token_ids

        else:
            stop_token_ids = self.stop_token_ids

        repetition_penalty: float | None | Unset
        if isinstance(self.repetition_penalty, Unset):
            repetition_penalty = UNSET
        else:
            repetition_penalty = self.repetition_penalty

        min_p: float | None | Unset
        if isinstance(self.min_p, Unset):
            min_p = UNSET
        else:
            min_p = self.min_p

        max_tokens: int | None | Unset
        if isinstance(self.max_tokens, Unset):
            max_tokens = UNSET
        else:
            max_tokens = self.max_tokens

        max_completion_tokens: int | None | Unset
        if isinstance(self.max_completion_tokens, Unset):
            max_completion_tokens = UNSET
        else:
            max_completion_tokens = self.max_completion_tokens

        logprobs: bool | None | Unset
        if isinstance(self.logprobs, Unset):
            logprobs = UNSET
        else:
            logprobs = self.logprobs

        top_logprobs: int | None | Unset
        if isinstance(self.top_logprobs, Unset):
            top_logprobs = UNSET
        else:
            top_logprobs = self.top_logprobs

        tools: list[dict[str, Any]] | None | Unset
        if isinstance(self.tools, Unset):
            tools = UNSET
        elif isinstance(self.tools, list):
            tools = []
            for tools_type_0_item_data in self.tools:
                tools_type_0_item = tools_type_0_item_data.to_dict()
                tools.append(tools_type_0_item)

        else:
            tools = self.tools

        tool_choice: dict[str, Any] | None | str | Unset
        if isinstance(self.tool_choice, Unset):
            tool_choice = UNSET
        elif isinstance(self.tool_choice, ChatCompletionRequestToolChoiceType0):
            tool_choice = self.tool_choice.value
        elif isinstance(self.tool_choice, NamedToolChoice):
            tool_choice = self.tool_choice.to_dict()
        elif isinstance(self.tool_choice, AllowedToolsChoice):
            tool_choice = self.tool_choice.to_dict()
        else:
            tool_choice = self.tool_choice

        parallel_tool_calls: bool | None | Unset
        if isinstance(self.parallel_tool_calls, Unset):
            parallel_tool_calls = UNSET
        else:
            parallel_tool_calls = self.parallel_tool_calls

        response_format: dict[str, Any] | None | Unset
        if isinstance(self.response_format, Unset):
            response_format = UNSET
        elif isinstance(self.response_format, TextFormat):
            response_format = self.response_format.to_dict()
        elif isinstance(self.response_format, JSONObjectFormat):
            response_format = self.response_format.to_dict()
        elif isinstance(self.response_format, JSONSchemaResponseFormat):
            response_format = self.response_format.to_dict()
        else:
            response_format = self.response_format

        functions: list[dict[str, Any]] | None | Unset
        if isinstance(self.functions, Unset):
            functions = UNSET
        elif isinstance(self.functions, list):
            functions = []
            for functions_type_0_item_data in self.functions:
                functions_type_0_item = functions_type_0_item_data.to_dict()
                functions.append(functions_type_0_item)

        else:
            functions = self.functions

        function_call: dict[str, Any] | None | str | Unset
        if isinstance(self.function_call, Unset):
            function_call = UNSET
        elif isinstance(self.function_call, ChatCompletionRequestFunctionCallType0):
            function_call = self.function_call.value
        elif isinstance(self.function_call, LegacyFunctionChoice):
            function_call = self.function_call.to_dict()
        else:
            function_call = self.function_call

        modalities: list[str] | None | Unset
        if isinstance(self.modalities, Unset):
            modalities = UNSET
        elif isinstance(self.modalities, list):
            modalities = []
            for modalities_type_0_item_data in self.modalities:
                modalities_type_0_item = modalities_type_0_item_data.value
                modalities.append(modalities_type_0_item)

        else:
            modalities = self.modalities

        store: bool | None | Unset
        if isinstance(self.store, Unset):
            store = UNSET
        else:
            store = self.store

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, ChatCompletionRequestMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        service_tier: None | str | Unset
        if isinstance(self.service_tier, Unset):
            service_tier = UNSET
        elif isinstance(self.service_tier, ChatCompletionRequestServiceTierType1):
            service_tier = self.service_tier.value
        elif isinstance(self.service_tier, ChatCompletionRequestServiceTierType2Type1):
            service_tier = self.service_tier.value
        elif isinstance(self.service_tier, ChatCompletionRequestServiceTierType3Type1):
            service_tier = self.service_tier.value
        else:
            service_tier = self.service_tier

        prompt_cache_key: None | str | Unset
        if isinstance(self.prompt_cache_key, Unset):
            prompt_cache_key = UNSET
        else:
            prompt_cache_key = self.prompt_cache_key

        prompt_cache_retention: None | str | Unset
        if isinstance(self.prompt_cache_retention, Unset):
            prompt_cache_retention = UNSET
        elif isinstance(
            self.prompt_cache_retention, ChatCompletionRequestPromptCacheRetentionType1
        ):
            prompt_cache_retention = self.prompt_cache_retention.value
        elif isinstance(
            self.prompt_cache_retention, ChatCompletionRequestPromptCacheRetentionType2Type1
        ):
            prompt_cache_retention = self.prompt_cache_retention.value
        elif isinstance(
            self.prompt_cache_retention, ChatCompletionRequestPromptCacheRetentionType3Type1
        ):
            prompt_cache_retention = self.prompt_cache_retention.value
        else:
            prompt_cache_retention = self.prompt_cache_retention

        prompt_cache_options: dict[str, Any] | None | Unset
        if isinstance(self.prompt_cache_options, Unset):
            prompt_cache_options = UNSET
        elif isinstance(self.prompt_cache_options, PromptCacheOptions):
            prompt_cache_options = self.prompt_cache_options.to_dict()
        else:
            prompt_cache_options = self.prompt_cache_options

        safety_identifier: None | str | Unset
        if isinstance(self.safety_identifier, Unset):
            safety_identifier = UNSET
        else:
            safety_identifier = self.safety_identifier

        verbosity: None | str | Unset
        if isinstance(self.verbosity, Unset):
            verbosity = UNSET
        elif isinstance(self.verbosity, ChatCompletionRequestVerbosityType1):
            verbosity = self.verbosity.value
        elif isinstance(self.verbosity, ChatCompletionRequestVerbosityType2Type1):
            verbosity = self.verbosity.value
        elif isinstance(self.verbosity, ChatCompletionRequestVerbosityType3Type1):
            verbosity = self.verbosity.value
        else:
            verbosity = self.verbosity

        prediction: dict[str, Any] | None | Unset
        if isinstance(self.prediction, Unset):
            prediction = UNSET
        elif isinstance(self.prediction, Prediction):
            prediction = self.prediction.to_dict()
        else:
            prediction = self.prediction

        audio: dict[str, Any] | None | Unset
        if isinstance(self.audio, Unset):
            audio = UNSET
        elif isinstance(self.audio, ChatCompletionRequestAudioType0):
            audio = self.audio.to_dict()
        else:
            audio = self.audio

        moderation: dict[str, Any] | None | Unset
        if isinstance(self.moderation, Unset):
            moderation = UNSET
        elif isinstance(self.moderation, ChatCompletionRequestModerationType0):
            moderation = self.moderation.to_dict()
        else:
            moderation = self.moderation

        web_search_options: dict[str, Any] | None | Unset
        if isinstance(self.web_search_options, Unset):
            web_search_options = UNSET
        elif isinstance(self.web_search_options, ChatCompletionRequestWebSearchOptionsType0):
            web_search_options = self.web_search_options.to_dict()
        else:
            web_search_options = self.web_search_options

        chat_template_kwargs: dict[str, Any] | None | Unset
        if isinstance(self.chat_template_kwargs, Unset):
            chat_template_kwargs = UNSET
        elif isinstance(self.chat_template_kwargs, ChatCompletionRequestChatTemplateKwargsType0):
            chat_template_kwargs = self.chat_template_kwargs.to_dict()
        else:
            chat_template_kwargs = self.chat_template_kwargs

        reasoning_effort: None | str | Unset
        if isinstance(self.reasoning_effort, Unset):
            reasoning_effort = UNSET
        elif isinstance(self.reasoning_effort, ChatCompletionRequestReasoningEffortType1):
            reasoning_effort = self.reasoning_effort.value
        elif isinstance(self.reasoning_effort, ChatCompletionRequestReasoningEffortType2Type1):
            reasoning_effort = self.reasoning_effort.value
        elif isinstance(self.reasoning_effort, ChatCompletionRequestReasoningEffortType3Type1):
            reasoning_effort = self.reasoning_effort.value
        else:
            reasoning_effort = self.reasoning_effort

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "messages": messages,
            }
        )
        if stream is not UNSET:
            field_dict["stream"] = stream
        if stream_options is not UNSET:
            field_dict["stream_options"] = stream_options
        if temperature is not UNSET:
            field_dict["temperature"] = temperature
        if top_p is not UNSET:
            field_dict["top_p"] = top_p
        if top_k is not UNSET:
            field_dict["top_k"] = top_k
        if seed is not UNSET:
            field_dict["seed"] = seed
        if stop is not UNSET:
            field_dict["stop"] = stop
        if n is not UNSET:
            field_dict["n"] = n
        if user is not UNSET:
            field_dict["user"] = user
        if presence_penalty is not UNSET:
            field_dict["presence_penalty"] = presence_penalty
        if frequency_penalty is not UNSET:
            field_dict["frequency_penalty"] = frequency_penalty
        if logit_bias is not UNSET:
            field_dict["logit_bias"] = logit_bias
        if ignore_eos is not UNSET:
            field_dict["ignore_eos"] = ignore_eos
        if stop_token_ids is not UNSET:
            field_dict["stop_token_ids"] = stop_token_ids
        if repetition_penalty is not UNSET:
            field_dict["repetition_penalty"] = repetition_penalty
        if min_p is not UNSET:
            field_dict["min_p"] = min_p
        if max_tokens is not UNSET:
            field_dict["max_tokens"] = max_tokens
        if max_completion_tokens is not UNSET:
            field_dict["max_completion_tokens"] = max_completion_tokens
        if logprobs is not UNSET:
            field_dict["logprobs"] = logprobs
        if top_logprobs is not UNSET:
            field_dict["top_logprobs"] = top_logprobs
        if tools is not UNSET:
            field_dict["tools"] = tools
        if tool_choice is not UNSET:
            field_dict["tool_choice"] = tool_choice
        if parallel_tool_calls is not UNSET:
            field_dict["parallel_tool_calls"] = parallel_tool_calls
        if response_format is not UNSET:
            field_dict["response_format"] = response_format
        if functions is not UNSET:
            field_dict["functions"] = functions
        if function_call is not UNSET:
            field_dict["function_call"] = function_call
        if modalities is not UNSET:
            field_dict["modalities"] = modalities
        if store is not UNSET:
            field_dict["store"] = store
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if service_tier is not UNSET:
            field_dict["service_tier"] = service_tier
        if prompt_cache_key is not UNSET:
            field_dict["prompt_cache_key"] = prompt_cache_key
        if prompt_cache_retention is not UNSET:
            field_dict["prompt_cache_retention"] = prompt_cache_retention
        if prompt_cache_options is not UNSET:
            field_dict["prompt_cache_options"] = prompt_cache_options
        if safety_identifier is not UNSET:
            field_dict["safety_identifier"] = safety_identifier
        if verbosity is not UNSET:
            field_dict["verbosity"] = verbosity
        if prediction is not UNSET:
            field_dict["prediction"] = prediction
        if audio is not UNSET:
            field_dict["audio"] = audio
        if moderation is not UNSET:
            field_dict["moderation"] = moderation
        if web_search_options is not UNSET:
            field_dict["web_search_options"] = web_search_options
        if chat_template_kwargs is not UNSET:
            field_dict["chat_template_kwargs"] = chat_template_kwargs
        if reasoning_effort is not UNSET:
            field_dict["reasoning_effort"] = reasoning_effort

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.allowed_tools_choice import AllowedToolsChoice  # noqa: PLC0415
        from ..models.chat_completion_request_audio_type_0 import ChatCompletionRequestAudioType0  # noqa: PLC0415
        from ..models.chat_completion_request_chat_template_kwargs_type_0 import (
            ChatCompletionRequestChatTemplateKwargsType0,  # noqa: PLC0415
        )
        from ..models.chat_completion_request_logit_bias_type_0 import (
            ChatCompletionRequestLogitBiasType0,  # noqa: PLC0415
        )
        from ..models.chat_completion_request_metadata_type_0 import (
            ChatCompletionRequestMetadataType0,  # noqa: PLC0415
        )
        from ..models.chat_completion_request_moderation_type_0 import (
            ChatCompletionRequestModerationType0,  # noqa: PLC0415
        )
        from ..models.chat_completion_request_web_search_options_type_0 import (
            ChatCompletionRequestWebSearchOptionsType0,  # noqa: PLC0415
        )
        from ..models.chat_message import ChatMessage  # noqa: PLC0415
        from ..models.json_object_format import JSONObjectFormat  # noqa: PLC0415
        from ..models.json_schema_response_format import JSONSchemaResponseFormat  # noqa: PLC0415
        from ..models.legacy_function import LegacyFunction  # noqa: PLC0415
        from ..models.legacy_function_choice import LegacyFunctionChoice  # noqa: PLC0415
        from ..models.named_tool_choice import NamedToolChoice  # noqa: PLC0415
        from ..models.prediction import Prediction  # noqa: PLC0415
        from ..models.prompt_cache_options import PromptCacheOptions  # noqa: PLC0415
        from ..models.stream_options import StreamOptions  # noqa: PLC0415
        from ..models.text_format import TextFormat  # noqa: PLC0415
        from ..models.tool import Tool  # noqa: PLC0415

        d = dict(src_dict)
        model = d.pop("model")

        messages = []
        _messages = d.pop("messages")
        for messages_item_data in _messages:
            messages_item = ChatMessage.from_dict(messages_item_data)

            messages.append(messages_item)

        stream = d.pop("stream", UNSET)

        def _parse_stream_options(data: object) -> None | StreamOptions | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                stream_options_type_0 = StreamOptions.from_dict(data)

                return stream_options_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StreamOptions | Unset, data)

        stream_options = _parse_stream_options(d.pop("stream_options", UNSET))

        def _parse_temperature(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        temperature = _parse_temperature(d.pop("temperature", UNSET))

        def _parse_top_p(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        top_p = _parse_top_p(d.pop("top_p", UNSET))

        def _parse_top_k(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        top_k = _parse_top_k(d.pop("top_k", UNSET))

        def _parse_seed(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seed = _parse_seed(d.pop("seed", UNSET))

        def _parse_stop(data: object) -> list[str] | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                stop_type_1 = cast(list[str], data)

                return stop_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | str | Unset, data)

        stop = _parse_stop(d.pop("stop", UNSET))

        def _parse_n(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        n = _parse_n(d.pop("n", UNSET))

        def _parse_user(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user = _parse_user(d.pop("user", UNSET))

        def _parse_presence_penalty(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        presence_penalty = _parse_presence_penalty(d.pop("presence_penalty", UNSET))

        def _parse_frequency_penalty(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        frequency_penalty = _parse_frequency_penalty(d.pop("frequency_penalty", UNSET))

        def _parse_logit_bias(data: object) -> ChatCompletionRequestLogitBiasType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                logit_bias_type_0 = ChatCompletionRequestLogitBiasType0.from_dict(data)

                return logit_bias_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatCompletionRequestLogitBiasType0 | None | Unset, data)

        logit_bias = _parse_logit_bias(d.pop("logit_bias", UNSET))

        ignore_eos = d.pop("ignore_eos", UNSET)

        def _parse_stop_token_ids(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                stop_token_ids_type_0 = cast(list[int], data)

                return stop_token_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        stop_token_ids = _parse_stop_token_ids(d.pop("stop_token_ids", UNSET))

        def _parse_repetition_penalty(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        repetition_penalty = _parse_repetition_penalty(d.pop("repetition_penalty", UNSET))

        def _parse_min_p(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        min_p = _parse_min_p(d.pop("min_p", UNSET))

        def _parse_max_tokens(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_tokens = _parse_max_tokens(d.pop("max_tokens", UNSET))

        def _parse_max_completion_tokens(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_completion_tokens = _parse_max_completion_tokens(d.pop("max_completion_tokens", UNSET))

        def _parse_logprobs(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        logprobs = _parse_logprobs(d.pop("logprobs", UNSET))

        def _parse_top_logprobs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        top_logprobs = _parse_top_logprobs(d.pop("top_logprobs", UNSET))

        def _parse_tools(data: object) -> list[Tool] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                tools_type_0 = []
                _tools_type_0 = data
                for tools_type_0_item_data in _tools_type_0:
                    tools_type_0_item = Tool.from_dict(tools_type_0_item_data)

                    tools_type_0.append(tools_type_0_item)

                return tools_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Tool] | None | Unset, data)

        tools = _parse_tools(d.pop("tools", UNSET))

        def _parse_tool_choice(
            data: object,
        ) -> (
            AllowedToolsChoice
            | ChatCompletionRequestToolChoiceType0
            | NamedToolChoice
            | None
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                tool_choice_type_0 = ChatCompletionRequestToolChoiceType0(data)

                return tool_choice_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                tool_choice_type_1 = NamedToolChoice.from_dict(data)

                return tool_choice_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                tool_choice_type_2 = AllowedToolsChoice.from_dict(data)

                return tool_choice_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                AllowedToolsChoice
                | ChatCompletionRequestToolChoiceType0
                | NamedToolChoice
                | None
                | Unset,
                data,
            )

        tool_choice = _parse_tool_choice(d.pop("tool_choice", UNSET))

        def _parse_parallel_tool_calls(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        parallel_tool_calls = _parse_parallel_tool_calls(d.pop("parallel_tool_calls", UNSET))

        def _parse_response_format(
            data: object,
        ) -> JSONObjectFormat | JSONSchemaResponseFormat | None | TextFormat | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_format_type_0 = TextFormat.from_dict(data)

                return response_format_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_format_type_1 = JSONObjectFormat.from_dict(data)

                return response_format_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_format_type_2 = JSONSchemaResponseFormat.from_dict(data)

                return response_format_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                JSONObjectFormat | JSONSchemaResponseFormat | None | TextFormat | Unset, data
            )

        response_format = _parse_response_format(d.pop("response_format", UNSET))

        def _parse_functions(data: object) -> list[LegacyFunction] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                functions_type_0 = []
                _functions_type_0 = data
                for functions_type_0_item_data in _functions_type_0:
                    functions_type_0_item = LegacyFunction.from_dict(functions_type_0_item_data)

                    functions_type_0.append(functions_type_0_item)

                return functions_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[LegacyFunction] | None | Unset, data)

        functions = _parse_functions(d.pop("functions", UNSET))

        def _parse_function_call(
            data: object,
        ) -> ChatCompletionRequestFunctionCallType0 | LegacyFunctionChoice | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                function_call_type_0 = ChatCompletionRequestFunctionCallType0(data)

                return function_call_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                function_call_type_1 = LegacyFunctionChoice.from_dict(data)

                return function_call_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                ChatCompletionRequestFunctionCallType0 | LegacyFunctionChoice | None | Unset, data
            )

        function_call = _parse_function_call(d.pop("function_call", UNSET))

        def _parse_modalities(
            data: object,
        ) -> list[ChatCompletionRequestModalitiesType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                modalities_type_0 = []
                _modalities_type_0 = data
                for modalities_type_0_item_data in _modalities_type_0:
                    modalities_type_0_item = ChatCompletionRequestModalitiesType0Item(
                        modalities_type_0_item_data
                    )

                    modalities_type_0.append(modalities_type_0_item)

                return modalities_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[ChatCompletionRequestModalitiesType0Item] | None | Unset, data)

        modalities = _parse_modalities(d.pop("modalities", UNSET))

        def _parse_store(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        store = _parse_store(d.pop("store", UNSET))

        def _parse_metadata(data: object) -> ChatCompletionRequestMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = ChatCompletionRequestMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatCompletionRequestMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_service_tier(
            data: object,
        ) -> (
            ChatCompletionRequestServiceTierType1
            | ChatCompletionRequestServiceTierType2Type1
            | ChatCompletionRequestServiceTierType3Type1
            | None
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                service_tier_type_1 = ChatCompletionRequestServiceTierType1(data)

                return service_tier_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                service_tier_type_2_type_1 = ChatCompletionRequestServiceTierType2Type1(data)

                return service_tier_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                service_tier_type_3_type_1 = ChatCompletionRequestServiceTierType3Type1(data)

                return service_tier_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                ChatCompletionRequestServiceTierType1
                | ChatCompletionRequestServiceTierType2Type1
                | ChatCompletionRequestServiceTierType3Type1
                | None
                | Unset,
                data,
            )

        service_tier = _parse_service_tier(d.pop("service_tier", UNSET))

        def _parse_prompt_cache_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        prompt_cache_key = _parse_prompt_cache_key(d.pop("prompt_cache_key", UNSET))

        def _parse_prompt_cache_retention(
            data: object,
        ) -> (
            ChatCompletionRequestPromptCacheRetentionType1
            | ChatCompletionRequestPromptCacheRetentionType2Type1
            | ChatCompletionRequestPromptCacheRetentionType3Type1
            | None
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                prompt_cache_retention_type_1 = ChatCompletionRequestPromptCacheRetentionType1(data)

                return prompt_cache_retention_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                prompt_cache_retention_type_2_type_1 = (
                    ChatCompletionRequestPromptCacheRetentionType2Type1(data)
                )

                return prompt_cache_retention_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                prompt_cache_retention_type_3_type_1 = (
                    ChatCompletionRequestPromptCacheRetentionType3Type1(data)
                )

                return prompt_cache_retention_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                ChatCompletionRequestPromptCacheRetentionType1
                | ChatCompletionRequestPromptCacheRetentionType2Type1
                | ChatCompletionRequestPromptCacheRetentionType3Type1
                | None
                | Unset,
                data,
            )

        prompt_cache_retention = _parse_prompt_cache_retention(
            d.pop("prompt_cache_retention", UNSET)
        )

        def _parse_prompt_cache_options(data: object) -> None | PromptCacheOptions | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                prompt_cache_options_type_0 = PromptCacheOptions.from_dict(data)

                return prompt_cache_options_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PromptCacheOptions | Unset, data)

        prompt_cache_options = _parse_prompt_cache_options(d.pop("prompt_cache_options", UNSET))

        def _parse_safety_identifier(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        safety_identifier = _parse_safety_identifier(d.pop("safety_identifier", UNSET))

        def _parse_verbosity(
            data: object,
        ) -> (
            ChatCompletionRequestVerbosityType1
            | ChatCompletionRequestVerbosityType2Type1
            | ChatCompletionRequestVerbosityType3Type1
            | None
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                verbosity_type_1 = ChatCompletionRequestVerbosityType1(data)

                return verbosity_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                verbosity_type_2_type_1 = ChatCompletionRequestVerbosityType2Type1(data)

                return verbosity_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                verbosity_type_3_type_1 = ChatCompletionRequestVerbosityType3Type1(data)

                return verbosity_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                ChatCompletionRequestVerbosityType1
                | ChatCompletionRequestVerbosityType2Type1
                | ChatCompletionRequestVerbosityType3Type1
                | None
                | Unset,
                data,
            )

        verbosity = _parse_verbosity(d.pop("verbosity", UNSET))

        def _parse_prediction(data: object) -> None | Prediction | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                prediction_type_0 = Prediction.from_dict(data)

                return prediction_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Prediction | Unset, data)

        prediction = _parse_prediction(d.pop("prediction", UNSET))

        def _parse_audio(data: object) -> ChatCompletionRequestAudioType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                audio_type_0 = ChatCompletionRequestAudioType0.from_dict(data)

                return audio_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatCompletionRequestAudioType0 | None | Unset, data)

        audio = _parse_audio(d.pop("audio", UNSET))

        def _parse_moderation(data: object) -> ChatCompletionRequestModerationType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                moderation_type_0 = ChatCompletionRequestModerationType0.from_dict(data)

                return moderation_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatCompletionRequestModerationType0 | None | Unset, data)

        moderation = _parse_moderation(d.pop("moderation", UNSET))

        def _parse_web_search_options(
            data: object,
        ) -> ChatCompletionRequestWebSearchOptionsType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                web_search_options_type_0 = ChatCompletionRequestWebSearchOptionsType0.from_dict(
                    data
                )

                return web_search_options_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatCompletionRequestWebSearchOptionsType0 | None | Unset, data)

        web_search_options = _parse_web_search_options(d.pop("web_search_options", UNSET))

        def _parse_chat_template_kwargs(
            data: object,
        ) -> ChatCompletionRequestChatTemplateKwargsType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                chat_template_kwargs_type_0 = (
                    ChatCompletionRequestChatTemplateKwargsType0.from_dict(data)
                )

                return chat_template_kwargs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatCompletionRequestChatTemplateKwargsType0 | None | Unset, data)

        chat_template_kwargs = _parse_chat_template_kwargs(d.pop("chat_template_kwargs", UNSET))

        def _parse_reasoning_effort(
            data: object,
        ) -> (
            ChatCompletionRequestReasoningEffortType1
            | ChatCompletionRequestReasoningEffortType2Type1
            | ChatCompletionRequestReasoningEffortType3Type1
            | None
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                reasoning_effort_type_1 = ChatCompletionRequestReasoningEffortType1(data)

                return reasoning_effort_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                reasoning_effort_type_2_type_1 = ChatCompletionRequestReasoningEffortType2Type1(
                    data
                )

                return reasoning_effort_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                reasoning_effort_type_3_type_1 = ChatCompletionRequestReasoningEffortType3Type1(
                    data
                )

                return reasoning_effort_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                ChatCompletionRequestReasoningEffortType1
                | ChatCompletionRequestReasoningEffortType2Type1
                | ChatCompletionRequestReasoningEffortType3Type1
                | None
                | Unset,
                data,
            )

        reasoning_effort = _parse_reasoning_effort(d.pop("reasoning_effort", UNSET))

        chat_completion_request = cls(
            model=model,
            messages=messages,
            stream=stream,
            stream_options=stream_options,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            seed=seed,
            stop=stop,
            n=n,
            user=user,
            presence_penalty=presence_penalty,
            frequency_penalty=frequency_penalty,
            logit_bias=logit_bias,
            ignore_eos=ignore_eos,
            stop_token_ids=stop_token_ids,
            repetition_penalty=repetition_penalty,
            min_p=min_p,
            max_tokens=max_tokens,
            max_completion_tokens=max_completion_tokens,
            logprobs=logprobs,
            top_logprobs=top_logprobs,
            tools=tools,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel_tool_calls,
            response_format=response_format,
            functions=functions,
            function_call=function_call,
            modalities=modalities,
            store=store,
            metadata=metadata,
            service_tier=service_tier,
            prompt_cache_key=prompt_cache_key,
            prompt_cache_retention=prompt_cache_retention,
            prompt_cache_options=prompt_cache_options,
            safety_identifier=safety_identifier,
            verbosity=verbosity,
            prediction=prediction,
            audio=audio,
            moderation=moderation,
            web_search_options=web_search_options,
            chat_template_kwargs=chat_template_kwargs,
            reasoning_effort=reasoning_effort,
        )

        chat_completion_request.additional_properties = d
        return chat_completion_request

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
