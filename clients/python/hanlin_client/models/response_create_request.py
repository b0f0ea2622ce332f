from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.response_create_request_include_type_0_item import (
    ResponseCreateRequestIncludeType0Item,
)
from ..models.response_create_request_prompt_cache_retention_type_1 import (
    ResponseCreateRequestPromptCacheRetentionType1,
)
from ..models.response_create_request_prompt_cache_retention_type_2_type_1 import (
    ResponseCreateRequestPromptCacheRetentionType2Type1,
)
from ..models.response_create_request_prompt_cache_retention_type_3_type_1 import (
    ResponseCreateRequestPromptCacheRetentionType3Type1,
)
from ..models.response_create_request_service_tier_type_1 import (
    ResponseCreateRequestServiceTierType1,
)
from ..models.response_create_request_service_tier_type_2_type_1 import (
    ResponseCreateRequestServiceTierType2Type1,
)
from ..models.response_create_request_service_tier_type_3_type_1 import (
    ResponseCreateRequestServiceTierType3Type1,
)
from ..models.response_create_request_tool_choice_type_0 import ResponseCreateRequestToolChoiceType0
from ..models.response_create_request_truncation_type_1 import ResponseCreateRequestTruncationType1
from ..models.response_create_request_truncation_type_2_type_1 import (
    ResponseCreateRequestTruncationType2Type1,
)
from ..models.response_create_request_truncation_type_3_type_1 import (
    ResponseCreateRequestTruncationType3Type1,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.access_programs import AccessPrograms
    from ..models.background_options import BackgroundOptions
    from ..models.code_interpreter_tool_choice import CodeInterpreterToolChoice
    from ..models.code_interpreter_tool_param import CodeInterpreterToolParam
    from ..models.context_management import ContextManagement
    from ..models.conversation_ref import ConversationRef
    from ..models.function_tool_choice import FunctionToolChoice
    from ..models.function_tool_param import FunctionToolParam
    from ..models.image_options import ImageOptions
    from ..models.prompt_cache_options import PromptCacheOptions
    from ..models.reasoning_param import ReasoningParam
    from ..models.response_create_request_input_type_1_item import (
        ResponseCreateRequestInputType1Item,
    )
    from ..models.response_create_request_metadata_type_0 import ResponseCreateRequestMetadataType0
    from ..models.response_create_request_moderation_type_0 import (
        ResponseCreateRequestModerationType0,
    )
    from ..models.response_create_request_prompt_type_0 import ResponseCreateRequestPromptType0
    from ..models.stream_options_param import StreamOptionsParam
    from ..models.text_config import TextConfig


T = TypeVar("T", bound="ResponseCreateRequest")


@_attrs_define
class ResponseCreateRequest:
    """
    Attributes:
        model (str):
        input_ (list[ResponseCreateRequestInputType1Item] | None | str | Unset):
        instructions (None | str | Unset):
        tools (list[CodeInterpreterToolParam | FunctionToolParam] | None | Unset):
        tool_choice (CodeInterpreterToolChoice | FunctionToolChoice | None | ResponseCreateRequestToolChoiceType0 |
            Unset):
        parallel_tool_calls (bool | None | Unset):
        max_output_tokens (int | None | Unset):
        max_tool_calls (int | None | Unset):
        previous_response_id (None | str | Unset):
        store (bool | None | Unset):
        stream (bool | Unset):  Default: False.
        stream_options (None | StreamOptionsParam | Unset):
        temperature (float | None | Unset):
        top_p (float | None | Unset):
        text (None | TextConfig | Unset):
        reasoning (None | ReasoningParam | Unset):
        metadata (None | ResponseCreateRequestMetadataType0 | Unset):
        top_logprobs (int | None | Unset):
        include (list[ResponseCreateRequestIncludeType0Item] | None | Unset):
        truncation (None | ResponseCreateRequestTruncationType1 | ResponseCreateRequestTruncationType2Type1 |
            ResponseCreateRequestTruncationType3Type1 | Unset):
        user (None | str | Unset):
        safety_identifier (None | str | Unset):
        prompt_cache_key (None | str | Unset):
        prompt_cache_retention (None | ResponseCreateRequestPromptCacheRetentionType1 |
            ResponseCreateRequestPromptCacheRetentionType2Type1 | ResponseCreateRequestPromptCacheRetentionType3Type1 |
            Unset):
        prompt_cache_options (None | PromptCacheOptions | Unset):
        service_tier (None | ResponseCreateRequestServiceTierType1 | ResponseCreateRequestServiceTierType2Type1 |
            ResponseCreateRequestServiceTierType3Type1 | Unset):
        background_options (BackgroundOptions | None | Unset):
        context_management (list[ContextManagement] | None | Unset):
        image (ImageOptions | None | Unset):
        access_programs (AccessPrograms | None | Unset):
        background (bool | None | Unset):
        conversation (ConversationRef | None | str | Unset):
        prompt (None | ResponseCreateRequestPromptType0 | Unset):
        moderation (None | ResponseCreateRequestModerationType0 | Unset):
    """

    model: str
    input_: list[ResponseCreateRequestInputType1Item] | None | str | Unset = UNSET
    instructions: None | str | Unset = UNSET
    tools: list[CodeInterpreterToolParam | FunctionToolParam] | None | Unset = UNSET
    tool_choice: (
        CodeInterpreterToolChoice
        | FunctionToolChoice
        | None
        | ResponseCreateRequestToolChoiceType0
        | Unset
    ) = UNSET
    parallel_tool_calls: bool | None | Unset = UNSET
    max_output_tokens: int | None | Unset = UNSET
    max_tool_calls: int | None | Unset = UNSET
    previous_response_id: None | str | Unset = UNSET
    store: bool | None | Unset = UNSET
    stream: bool | Unset = False
    stream_options: None | StreamOptionsParam | Unset = UNSET
    temperature: float | None | Unset = UNSET
    top_p: float | None | Unset = UNSET
    text: None | TextConfig | Unset = UNSET
    reasoning: None | ReasoningParam | Unset = UNSET
    metadata: None | ResponseCreateRequestMetadataType0 | Unset = UNSET
    top_logprobs: int | None | Unset = UNSET
    include: list[ResponseCreateRequestIncludeType0Item] | None | Unset = UNSET
    truncation: (
        None
        | ResponseCreateRequestTruncationType1
        | ResponseCreateRequestTruncationType2Type1
        | ResponseCreateRequestTruncationType3Type1
        | Unset
    ) = UNSET
    user: None | str | Unset = UNSET
    safety_identifier: None | str | Unset = UNSET
    prompt_cache_key: None | str | Unset = UNSET
    prompt_cache_retention: (
        None
        | ResponseCreateRequestPromptCacheRetentionType1
        | ResponseCreateRequestPromptCacheRetentionType2Type1
        | ResponseCreateRequestPromptCacheRetentionType3Type1
        | Unset
    ) = UNSET
    prompt_cache_options: None | PromptCacheOptions | Unset = UNSET
    service_tier: (
        None
        | ResponseCreateRequestServiceTierType1
        | ResponseCreateRequestServiceTierType2Type1
        | ResponseCreateRequestServiceTierType3Type1
        | Unset
    ) = UNSET
    background_options: BackgroundOptions | None | Unset = UNSET
    context_management: list[ContextManagement] | None | Unset = UNSET
    image: ImageOptions | None | Unset = UNSET
    access_programs: AccessPrograms | None | Unset = UNSET
    background: bool | None | Unset = UNSET
    conversation: ConversationRef | None | str | Unset = UNSET
    prompt: None | ResponseCreateRequestPromptType0 | Unset = UNSET
    moderation: None | ResponseCreateRequestModerationType0 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.access_programs import AccessPrograms  # noqa: PLC0415
        from ..models.background_options import BackgroundOptions  # noqa: PLC0415
        from ..models.code_interpreter_tool_choice import CodeInterpreterToolChoice  # noqa: PLC0415
        from ..models.conversation_ref import ConversationRef  # noqa: PLC0415
        from ..models.function_tool_choice import FunctionToolChoice  # noqa: PLC0415
        from ..models.function_tool_param import FunctionToolParam  # noqa: PLC0415
        from ..models.image_options import ImageOptions  # noqa: PLC0415
        from ..models.prompt_cache_options import PromptCacheOptions  # noqa: PLC0415
        from ..models.reasoning_param import ReasoningParam  # noqa: PLC0415
        from ..models.response_create_request_metadata_type_0 import (
            ResponseCreateRequestMetadataType0,  # noqa: PLC0415
        )
        from ..models.response_create_request_moderation_type_0 import (
            ResponseCreateRequestModerationType0,  # noqa: PLC0415
        )
        from ..models.response_create_request_prompt_type_0 import ResponseCreateRequestPromptType0  # noqa: PLC0415
        from ..models.stream_options_param import StreamOptionsParam  # noqa: PLC0415
        from ..models.text_config import TextConfig  # noqa: PLC0415

        model = self.model

        input_: list[dict[str, Any]] | None | str | Unset
        if isinstance(self.input_, Unset):
            input_ = UNSET
        elif isinstance(self.input_, list):
            input_ = []
            for input_type_1_item_data in self.input_:
                input_type_1_item = input_type_1_item_data.to_dict()
                input_.append(input_type_1_item)

        else:
            input_ = self.input_

        instructions: None | str | Unset
        if isinstance(self.instructions, Unset):
            instructions = UNSET
        else:
            instructions = self.instructions

        tools: list[dict[str, Any]] | None | Unset
        if isinstance(self.tools, Unset):
            tools = UNSET
        elif isinstance(self.tools, list):
            tools = []
            for tools_type_0_item_data in self.tools:
                tools_type_0_item: dict[str, Any]
                if isinstance(tools_type_0_item_data, FunctionToolParam):
                    tools_type_0_item = tools_type_0_item_data.to_dict()
                else:
                    tools_type_0_item = tools_type_0_item_data.to_dict()

                tools.append(tools_type_0_item)

        else:
            tools = self.tools

        tool_choice: dict[str, Any] | None | str | Unset
        if isinstance(self.tool_choice, Unset):
            tool_choice = UNSET
        elif isinstance(self.tool_choice, ResponseCreateRequestToolChoiceType0):
            tool_choice = self.tool_choice.value
        elif isinstance(self.tool_choice, FunctionToolChoice):
            tool_choice = self.tool_choice.to_dict()
        elif isinstance(self.tool_choice, CodeInterpreterToolChoice):
            tool_choice = self.tool_choice.to_dict()
        else:
            tool_choice = self.tool_choice

        parallel_tool_calls: bool | None | Unset
        if isinstance(self.parallel_tool_calls, Unset):
            parallel_tool_calls = UNSET
        else:
            parallel_tool_calls = self.parallel_tool_calls

        max_output_tokens: int | None | Unset
        if isinstance(self.max_output_tokens, Unset):
            max_output_tokens = UNSET
        else:
            max_output_tokens = self.max_output_tokens

        max_tool_calls: int | None | Unset
        if isinstance(self.max_tool_calls, Unset):
            max_tool_calls = UNSET
        else:
            max_tool_calls = self.max_tool_calls

        previous_response_id: None | str | Unset
        if isinstance(self.previous_response_id, Unset):
            previous_response_id = UNSET
        else:
            previous_response_id = self.previous_response_id

        store: bool | None | Unset
        if isinstance(self.store, Unset):
            store = UNSET
        else:
            store = self.store

        stream = self.stream

        stream_options: dict[str, Any] | None | Unset
        if isinstance(self.stream_options, Unset):
            stream_options = UNSET
        elif isinstance(self.stream_options, StreamOptionsParam):
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

        text: dict[str, Any] | None | Unset
        if isinstance(self.text, Unset):
            text = UNSET
        elif isinstance(self.text, TextConfig):
            text = self.text.to_dict()
        else:
            text = self.text

        reasoning: dict[str, Any] | None | Unset
        if isinstance(self.reasoning, Unset):
            reasoning = UNSET
        elif isinstance(self.reasoning, ReasoningParam):
            reasoning = self.reasoning.to_dict()
        else:
            reasoning = self.reasoning

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, ResponseCreateRequestMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        top_logprobs: int | None | Unset
        if isinstance(self.top_logprobs, Unset):
            top_logprobs = UNSET
        else:
            top_logprobs = self.top_logprobs

        include: list[str] | None | Unset
        if isinstance(self.include, Unset):
            include = UNSET
        elif isinstance(self.include, list):
            include = []
            for include_type_0_item_data in self.include:
                include_type_0_item = include_type_0_item_data.value
                include.append(include_type_0_item)

        else:
            include = self.include

        truncation: None | str | Unset
        if isinstance(self.truncation, Unset):
            truncation = UNSET
        elif isinstance(self.truncation, ResponseCreateRequestTruncationType1):
            truncation = self.truncation.value
        elif isinstance(self.truncation, ResponseCreateRequestTruncationType2Type1):
            truncation = self.truncation.value
        elif isinstance(self.truncation, ResponseCreateRequestTruncationType3Type1):
            truncation = self.truncation.value
        else:
            truncation = self.truncation

        user: None | str | Unset
        if isinstance(self.user, Unset):
            user = UNSET
        else:
            user = self.user

        safety_identifier: None | str | Unset
        if isinstance(self.safety_identifier, Unset):
            safety_identifier = UNSET
        else:
            safety_identifier = self.safety_identifier

        prompt_cache_key: None | str | Unset
        if isinstance(self.prompt_cache_key, Unset):
            prompt_cache_key = UNSET
        else:
            prompt_cache_key = self.prompt_cache_key

        prompt_cache_retention: None | str | Unset
        if isinstance(self.prompt_cache_retention, Unset):
            prompt_cache_retention = UNSET
        elif isinstance(
            self.prompt_cache_retention, ResponseCreateRequestPromptCacheRetentionType1
        ):
            prompt_cache_retention = self.prompt_cache_retention.value
        elif isinstance(
            self.prompt_cache_retention, ResponseCreateRequestPromptCacheRetentionType2Type1
        ):
            prompt_cache_retention = self.prompt_cache_retention.value
        elif isinstance(
            self.prompt_cache_retention, ResponseCreateRequestPromptCacheRetentionType3Type1
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

        service_tier: None | str | Unset
        if isinstance(self.service_tier, Unset):
            service_tier = UNSET
        elif isinstance(self.service_tier, ResponseCreateRequestServiceTierType1):
            service_tier = self.service_tier.value
        elif isinstance(self.service_tier, ResponseCreateRequestServiceTierType2Type1):
            service_tier = self.service_tier.value
        elif isinstance(self.service_tier, ResponseCreateRequestServiceTierType3Type1):
            service_tier = self.service_tier.value
        else:
            service_tier = self.service_tier

        background_options: dict[str, Any] | None | Unset
        if isinstance(self.background_options, Unset):
            background_options = UNSET
        elif isinstance(self.background_options, BackgroundOptions):
            background_options = self.background_options.to_dict()
        else:
            background_options = self.background_options

        context_management: list[dict[str, Any]] | None | Unset
        if isinstance(self.context_management, Unset):
            context_management = UNSET
        elif isinstance(self.context_management, list):
            context_management = []
            for context_management_type_0_item_data in self.context_management:
                context_management_type_0_item = context_management_type_0_item_data.to_dict()
                context_management.append(context_management_type_0_item)

        else:
            context_management = self.context_management

        image: dict[str, Any] | None | Unset
        if isinstance(self.image, Unset):
            image = UNSET
        elif isinstance(self.image, ImageOptions):
            image = self.image.to_dict()
        else:
            image = self.image

        access_programs: dict[str, Any] | None | Unset
        if isinstance(self.access_programs, Unset):
            access_programs = UNSET
        elif isinstance(self.access_programs, AccessPrograms):
            access_programs = self.access_programs.to_dict()
        else:
            access_programs = self.access_programs

        background: bool | None | Unset
        if isinstance(self.background, Unset):
            background = UNSET
        else:
            background = self.background

        conversation: dict[str, Any] | None | str | Unset
        if isinstance(self.conversation, Unset):
            conversation = UNSET
        elif isinstance(self.conversation, ConversationRef):
            conversation = self.conversation.to_dict()
        else:
            conversation = self.conversation

        prompt: dict[str, Any] | None | Unset
        if isinstance(self.prompt, Unset):
            prompt = UNSET
        elif isinstance(self.prompt, ResponseCreateRequestPromptType0):
            prompt = self.prompt.to_dict()
        else:
            prompt = self.prompt

        moderation: dict[str, Any] | None | Unset
        if isinstance(self.moderation, Unset):
            moderation = UNSET
        elif isinstance(self.moderation, ResponseCreateRequestModerationType0):
            moderation = self.moderation.to_dict()
        else:
            moderation = self.moderation

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
            }
        )
        if input_ is not UNSET:
            field_dict["input"] = input_
        if instructions is not UNSET:
            field_dict["instructions"] = instructions
        if tools is not UNSET:
            field_dict["tools"] = tools
        if tool_choice is not UNSET:
            field_dict["tool_choice"] = tool_choice
        if parallel_tool_calls is not UNSET:
            field_dict["parallel_tool_calls"] = parallel_tool_calls
        if max_output_tokens is not UNSET:
            field_dict["max_output_tokens"] = max_output_tokens
        if max_tool_calls is not UNSET:
            field_dict["max_tool_calls"] = max_tool_calls
        if previous_response_id is not UNSET:
            field_dict["previous_response_id"] = previous_response_id
        if store is not UNSET:
            field_dict["store"] = store
        if stream is not UNSET:
            field_dict["stream"] = stream
        if stream_options is not UNSET:
            field_dict["stream_options"] = stream_options
        if temperature is not UNSET:
            field_dict["temperature"] = temperature
        if top_p is not UNSET:
            field_dict["top_p"] = top_p
        if text is not UNSET:
            field_dict["text"] = text
        if reasoning is not UNSET:
            field_dict["reasoning"] = reasoning
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if top_logprobs is not UNSET:
            field_dict["top_logprobs"] = top_logprobs
        if include is not UNSET:
            field_dict["include"] = include
        if truncation is not UNSET:
            field_dict["truncation"] = truncation
        if user is not UNSET:
            field_dict["user"] = user
        if safety_identifier is not UNSET:
            field_dict["safety_identifier"] = safety_identifier
        if prompt_cache_key is not UNSET:
            field_dict["prompt_cache_key"] = prompt_cache_key
        if prompt_cache_retention is not UNSET:
            field_dict["prompt_cache_retention"] = prompt_cache_retention
        if prompt_cache_options is not UNSET:
            field_dict["prompt_cache_options"] = prompt_cache_options
        if service_tier is not UNSET:
            field_dict["service_tier"] = service_tier
        if background_options is not UNSET:
            field_dict["background_options"] = background_options
        if context_management is not UNSET:
            field_dict["context_management"] = context_management
        if image is not UNSET:
            field_dict["image"] = image
        if access_programs is not UNSET:
            field_dict["access_programs"] = access_programs
        if background is not UNSET:
            field_dict["background"] = background
        if conversation is not UNSET:
            field_dict["conversation"] = conversation
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if moderation is not UNSET:
            field_dict["moderation"] = moderation

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.access_programs import AccessPrograms  # noqa: PLC0415
        from ..models.background_options import BackgroundOptions  # noqa: PLC0415
        from ..models.code_interpreter_tool_choice import CodeInterpreterToolChoice  # noqa: PLC0415
        from ..models.code_interpreter_tool_param import CodeInterpreterToolParam  # noqa: PLC0415
        from ..models.context_management import ContextManagement  # noqa: PLC0415
        from ..models.conversation_ref import ConversationRef  # noqa: PLC0415
        from ..models.function_tool_choice import FunctionToolChoice  # noqa: PLC0415
        from ..models.function_tool_param import FunctionToolParam  # noqa: PLC0415
        from ..models.image_options import ImageOptions  # noqa: PLC0415
        from ..models.prompt_cache_options import PromptCacheOptions  # noqa: PLC0415
        from ..models.reasoning_param import ReasoningParam  # noqa: PLC0415
        from ..models.response_create_request_input_type_1_item import (
            ResponseCreateRequestInputType1Item,  # noqa: PLC0415
        )
        from ..models.response_create_request_metadata_type_0 import (
            ResponseCreateRequestMetadataType0,  # noqa: PLC0415
        )
        from ..models.response_create_request_moderation_type_0 import (
            ResponseCreateRequestModerationType0,  # noqa: PLC0415
        )
        from ..models.response_create_request_prompt_type_0 import ResponseCreateRequestPromptType0  # noqa: PLC0415
        from ..models.stream_options_param import StreamOptionsParam  # noqa: PLC0415
        from ..models.text_config import TextConfig  # noqa: PLC0415

        d = dict(src_dict)
        model = d.pop("model")

        def _parse_input_(
            data: object,
        ) -> list[ResponseCreateRequestInputType1Item] | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                input_type_1 = []
                _input_type_1 = data
                for input_type_1_item_data in _input_type_1:
                    input_type_1_item = ResponseCreateRequestInputType1Item.from_dict(
                        input_type_1_item_data
                    )

                    input_type_1.append(input_type_1_item)

                return input_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[ResponseCreateRequestInputType1Item] | None | str | Unset, data)

        input_ = _parse_input_(d.pop("input", UNSET))

        def _parse_instructions(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        instructions = _parse_instructions(d.pop("instructions", UNSET))

        def _parse_tools(
            data: object,
        ) -> list[CodeInterpreterToolParam | FunctionToolParam] | None | Unset:
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

                    def _parse_tools_type_0_item(
                        data: object,
                    ) -> CodeInterpreterToolParam | FunctionToolParam:
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            tools_type_0_item_type_0 = FunctionToolParam.from_dict(data)

                            return tools_type_0_item_type_0
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        if not isinstance(data, dict):
                            raise TypeError()
                        tools_type_0_item_type_1 = CodeInterpreterToolParam.from_dict(data)

                        return tools_type_0_item_type_1

                    tools_type_0_item = _parse_tools_type_0_item(tools_type_0_item_data)

                    tools_type_0.append(tools_type_0_item)

                return tools_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[CodeInterpreterToolParam | FunctionToolParam] | None | Unset, data)

        tools = _parse_tools(d.pop("tools", UNSET))

        def _parse_tool_choice(
            data: object,
        ) -> (
            CodeInterpreterToolChoice
            | FunctionToolChoice
            | None
            | ResponseCreateRequestToolChoiceType0
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                tool_choice_type_0 = ResponseCreateRequestToolChoiceType0(data)

                return tool_choice_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                tool_choice_type_1 = FunctionToolChoice.from_dict(data)

                return tool_choice_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                tool_choice_type_2 = CodeInterpreterToolChoice.from_dict(data)

                return tool_choice_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                CodeInterpreterToolChoice
                | FunctionToolChoice
                | None
                | ResponseCreateRequestToolChoiceType0
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

        def _parse_max_output_tokens(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_output_tokens = _parse_max_output_tokens(d.pop("max_output_tokens", UNSET))

        def _parse_max_tool_calls(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_tool_calls = _parse_max_tool_calls(d.pop("max_tool_calls", UNSET))

        def _parse_previous_response_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        previous_response_id = _parse_previous_response_id(d.pop("previous_response_id", UNSET))

        def _parse_store(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        store = _parse_store(d.pop("store", UNSET))

        stream = d.pop("stream", UNSET)

        def _parse_stream_options(data: object) -> None | StreamOptionsParam | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                stream_options_type_0 = StreamOptionsParam.from_dict(data)

                return stream_options_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StreamOptionsParam | Unset, data)

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

        def _parse_text(data: object) -> None | TextConfig | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                text_type_0 = TextConfig.from_dict(data)

                return text_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TextConfig | Unset, data)

        text = _parse_text(d.pop("text", UNSET))

        def _parse_reasoning(data: object) -> None | ReasoningParam | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                reasoning_type_0 = ReasoningParam.from_dict(data)

                return reasoning_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReasoningParam | Unset, data)

        reasoning = _parse_reasoning(d.pop("reasoning", UNSET))

        def _parse_metadata(data: object) -> None | ResponseCreateRequestMetadataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = ResponseCreateRequestMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ResponseCreateRequestMetadataType0 | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_top_logprobs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        top_logprobs = _parse_top_logprobs(d.pop("top_logprobs", UNSET))

        def _parse_include(
            data: object,
        ) -> list[ResponseCreateRequestIncludeType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                include_type_0 = []
                _include_type_0 = data
                for include_type_0_item_data in _include_type_0:
                    include_type_0_item = ResponseCreateRequestIncludeType0Item(
                        include_type_0_item_data
                    )

                    include_type_0.append(include_type_0_item)

                return include_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[ResponseCreateRequestIncludeType0Item] | None | Unset, data)

        include = _parse_include(d.pop("include", UNSET))

        def _parse_truncation(
            data: object,
        ) -> (
            None
            | ResponseCreateRequestTruncationType1
            | ResponseCreateRequestTruncationType2Type1
            | ResponseCreateRequestTruncationType3Type1
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                truncation_type_1 = ResponseCreateRequestTruncationType1(data)

                return truncation_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                truncation_type_2_type_1 = ResponseCreateRequestTruncationType2Type1(data)

                return truncation_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                truncation_type_3_type_1 = ResponseCreateRequestTruncationType3Type1(data)

                return truncation_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | ResponseCreateRequestTruncationType1
                | ResponseCreateRequestTruncationType2Type1
                | ResponseCreateRequestTruncationType3Type1
                | Unset,
                data,
            )

        truncation = _parse_truncation(d.pop("truncation", UNSET))

        def _parse_user(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user = _parse_user(d.pop("user", UNSET))

        def _parse_safety_identifier(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        safety_identifier = _parse_safety_identifier(d.pop("safety_identifier", UNSET))

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
            None
            | ResponseCreateRequestPromptCacheRetentionType1
            | ResponseCreateRequestPromptCacheRetentionType2Type1
            | ResponseCreateRequestPromptCacheRetentionType3Type1
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                prompt_cache_retention_type_1 = ResponseCreateRequestPromptCacheRetentionType1(data)

                return prompt_cache_retention_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                prompt_cache_retention_type_2_type_1 = (
                    ResponseCreateRequestPromptCacheRetentionType2Type1(data)
                )

                return prompt_cache_retention_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                prompt_cache_retention_type_3_type_1 = (
                    ResponseCreateRequestPromptCacheRetentionType3Type1(data)
                )

                return prompt_cache_retention_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | ResponseCreateRequestPromptCacheRetentionType1
                | ResponseCreateRequestPromptCacheRetentionType2Type1
                | ResponseCreateRequestPromptCacheRetentionType3Type1
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

        def _parse_service_tier(
            data: object,
        ) -> (
            None
            | ResponseCreateRequestServiceTierType1
            | ResponseCreateRequestServiceTierType2Type1
            | ResponseCreateRequestServiceTierType3Type1
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                service_tier_type_1 = ResponseCreateRequestServiceTierType1(data)

                return service_tier_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                service_tier_type_2_type_1 = ResponseCreateRequestServiceTierType2Type1(data)

                return service_tier_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                service_tier_type_3_type_1 = ResponseCreateRequestServiceTierType3Type1(data)

                return service_tier_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | ResponseCreateRequestServiceTierType1
                | ResponseCreateRequestServiceTierType2Type1
                | ResponseCreateRequestServiceTierType3Type1
                | Unset,
                data,
            )

        service_tier = _parse_service_tier(d.pop("service_tier", UNSET))

        def _parse_background_options(data: object) -> BackgroundOptions | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                background_options_type_0 = BackgroundOptions.from_dict(data)

                return background_options_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BackgroundOptions | None | Unset, data)

        background_options = _parse_background_options(d.pop("background_options", UNSET))

        def _parse_context_management(data: object) -> list[ContextManagement] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                context_management_type_0 = []
                _context_management_type_0 = data
                for context_management_type_0_item_data in _context_management_type_0:
                    context_management_type_0_item = ContextManagement.from_dict(
                        context_management_type_0_item_data
                    )

                    context_management_type_0.append(context_management_type_0_item)

                return context_management_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[ContextManagement] | None | Unset, data)

        context_management = _parse_context_management(d.pop("context_management", UNSET))

        def _parse_image(data: object) -> ImageOptions | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                image_type_0 = ImageOptions.from_dict(data)

                return image_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ImageOptions | None | Unset, data)

        image = _parse_image(d.pop("image", UNSET))

        def _parse_access_programs(data: object) -> AccessPrograms | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                access_programs_type_0 = AccessPrograms.from_dict(data)

                return access_programs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AccessPrograms | None | Unset, data)

        access_programs = _parse_access_programs(d.pop("access_programs", UNSET))

        def _parse_background(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        background = _parse_background(d.pop("background", UNSET))

        def _parse_conversation(data: object) -> ConversationRef | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                conversation_type_1 = ConversationRef.from_dict(data)

                return conversation_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ConversationRef | None | str | Unset, data)

        conversation = _parse_conversation(d.pop("conversation", UNSET))

        def _parse_prompt(data: object) -> None | ResponseCreateRequestPromptType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                prompt_type_0 = ResponseCreateRequestPromptType0.from_dict(data)

                return prompt_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ResponseCreateRequestPromptType0 | Unset, data)

        prompt = _parse_prompt(d.pop("prompt", UNSET))

        def _parse_moderation(data: object) -> None | ResponseCreateRequestModerationType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                moderation_type_0 = ResponseCreateRequestModerationType0.from_dict(data)

                return moderation_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ResponseCreateRequestModerationType0 | Unset, data)

        moderation = _parse_moderation(d.pop("moderation", UNSET))

        response_create_request = cls(
            model=model,
            input_=input_,
            instructions=instructions,
            tools=tools,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel_tool_calls,
            max_output_tokens=max_output_tokens,
            max_tool_calls=max_tool_calls,
            previous_response_id=previous_response_id,
            store=store,
            stream=stream,
            stream_options=stream_options,
            temperature=temperature,
            top_p=top_p,
            text=text,
            reasoning=reasoning,
            metadata=metadata,
            top_logprobs=top_logprobs,
            include=include,
            truncation=truncation,
            user=user,
            safety_identifier=safety_identifier,
            prompt_cache_key=prompt_cache_key,
            prompt_cache_retention=prompt_cache_retention,
            prompt_cache_options=prompt_cache_options,
            service_tier=service_tier,
            background_options=background_options,
            context_management=context_management,
            image=image,
            access_programs=access_programs,
            background=background,
            conversation=conversation,
            prompt=prompt,
            moderation=moderation,
        )

        response_create_request.additional_properties = d
        return response_create_request

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
