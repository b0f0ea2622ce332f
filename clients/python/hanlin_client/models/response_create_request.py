from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

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
    from ..models.code_interpreter_tool_choice import CodeInterpreterToolChoice
    from ..models.code_interpreter_tool_param import CodeInterpreterToolParam
    from ..models.function_tool_choice import FunctionToolChoice
    from ..models.function_tool_param import FunctionToolParam
    from ..models.response_create_request_input_type_1_item import (
        ResponseCreateRequestInputType1Item,
    )
    from ..models.response_create_request_metadata_type_0 import ResponseCreateRequestMetadataType0
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
        metadata (None | ResponseCreateRequestMetadataType0 | Unset):
        user (None | str | Unset):
        safety_identifier (None | str | Unset):
        prompt_cache_key (None | str | Unset):
        truncation (None | ResponseCreateRequestTruncationType1 | ResponseCreateRequestTruncationType2Type1 |
            ResponseCreateRequestTruncationType3Type1 | Unset):
        background (bool | None | Unset):
        include (list[Literal['code_interpreter_call.outputs']] | None | Unset):
        service_tier (None | ResponseCreateRequestServiceTierType1 | ResponseCreateRequestServiceTierType2Type1 |
            ResponseCreateRequestServiceTierType3Type1 | Unset):
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
    metadata: None | ResponseCreateRequestMetadataType0 | Unset = UNSET
    user: None | str | Unset = UNSET
    safety_identifier: None | str | Unset = UNSET
    prompt_cache_key: None | str | Unset = UNSET
    truncation: (
        None
        | ResponseCreateRequestTruncationType1
        | ResponseCreateRequestTruncationType2Type1
        | ResponseCreateRequestTruncationType3Type1
        | Unset
    ) = UNSET
    background: bool | None | Unset = UNSET
    include: list[Literal["code_interpreter_call.outputs"]] | None | Unset = UNSET
    service_tier: (
        None
        | ResponseCreateRequestServiceTierType1
        | ResponseCreateRequestServiceTierType2Type1
        | ResponseCreateRequestServiceTierType3Type1
        | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.code_interpreter_tool_choice import CodeInterpreterToolChoice  # noqa: PLC0415
        from ..models.function_tool_choice import FunctionToolChoice  # noqa: PLC0415
        from ..models.function_tool_param import FunctionToolParam  # noqa: PLC0415
        from ..models.response_create_request_metadata_type_0 import (
            ResponseCreateRequestMetadataType0,  # noqa: PLC0415
        )
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

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, ResponseCreateRequestMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

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

        background: bool | None | Unset
        if isinstance(self.background, Unset):
            background = UNSET
        else:
            background = self.background

        include: list[Literal["code_interpreter_call.outputs"]] | None | Unset
        if isinstance(self.include, Unset):
            include = UNSET
        elif isinstance(self.include, list):
            include = self.include

        else:
            include = self.include

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
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if user is not UNSET:
            field_dict["user"] = user
        if safety_identifier is not UNSET:
            field_dict["safety_identifier"] = safety_identifier
        if prompt_cache_key is not UNSET:
            field_dict["prompt_cache_key"] = prompt_cache_key
        if truncation is not UNSET:
            field_dict["truncation"] = truncation
        if background is not UNSET:
            field_dict["background"] = background
        if include is not UNSET:
            field_dict["include"] = include
        if service_tier is not UNSET:
            field_dict["service_tier"] = service_tier

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.code_interpreter_tool_choice import CodeInterpreterToolChoice  # noqa: PLC0415
        from ..models.code_interpreter_tool_param import CodeInterpreterToolParam  # noqa: PLC0415
        from ..models.function_tool_choice import FunctionToolChoice  # noqa: PLC0415
        from ..models.function_tool_param import FunctionToolParam  # noqa: PLC0415
        from ..models.response_create_request_input_type_1_item import (
            ResponseCreateRequestInputType1Item,  # noqa: PLC0415
        )
        from ..models.response_create_request_metadata_type_0 import (
            ResponseCreateRequestMetadataType0,  # noqa: PLC0415
        )
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

        def _parse_background(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        background = _parse_background(d.pop("background", UNSET))

        def _parse_include(
            data: object,
        ) -> list[Literal["code_interpreter_call.outputs"]] | None | Unset:
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
                    include_type_0_item = cast(
                        Literal["code_interpreter_call.outputs"], include_type_0_item_data
                    )
                    if include_type_0_item != "code_interpreter_call.outputs":
                        raise ValueError(
                            f"include_type_0_item must match const 'code_interpreter_call.outputs', got '{include_type_0_item}'"
                        )
                    include_type_0.append(include_type_0_item)

                return include_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Literal["code_interpreter_call.outputs"]] | None | Unset, data)

        include = _parse_include(d.pop("include", UNSET))

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
            metadata=metadata,
            user=user,
            safety_identifier=safety_identifier,
            prompt_cache_key=prompt_cache_key,
            truncation=truncation,
            background=background,
            include=include,
            service_tier=service_tier,
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
