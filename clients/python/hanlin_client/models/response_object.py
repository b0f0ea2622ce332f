from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.response_object_service_tier_type_1 import ResponseObjectServiceTierType1
from ..models.response_object_service_tier_type_2_type_1 import ResponseObjectServiceTierType2Type1
from ..models.response_object_service_tier_type_3_type_1 import ResponseObjectServiceTierType3Type1
from ..models.response_object_status import ResponseObjectStatus
from ..models.response_object_truncation import ResponseObjectTruncation
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.code_interpreter_call_item import CodeInterpreterCallItem
    from ..models.function_call_item import FunctionCallItem
    from ..models.incomplete_details import IncompleteDetails
    from ..models.output_message import OutputMessage
    from ..models.reasoning_item import ReasoningItem
    from ..models.reasoning_param import ReasoningParam
    from ..models.response_error import ResponseError
    from ..models.response_object_metadata import ResponseObjectMetadata
    from ..models.response_object_text import ResponseObjectText
    from ..models.response_object_tool_choice_type_1 import ResponseObjectToolChoiceType1
    from ..models.response_object_tools_item import ResponseObjectToolsItem
    from ..models.response_usage import ResponseUsage


T = TypeVar("T", bound="ResponseObject")


@_attrs_define
class ResponseObject:
    """
    Attributes:
        id (str):
        created_at (int):
        status (ResponseObjectStatus):
        model (str):
        output (list[CodeInterpreterCallItem | FunctionCallItem | OutputMessage | ReasoningItem]):
        instructions (None | str):
        tools (list[ResponseObjectToolsItem]):
        tool_choice (ResponseObjectToolChoiceType1 | str):
        parallel_tool_calls (bool):
        max_output_tokens (int | None):
        max_tool_calls (int | None):
        previous_response_id (None | str):
        temperature (float | None):
        top_p (float | None):
        text (ResponseObjectText):
        usage (None | ResponseUsage):
        metadata (ResponseObjectMetadata):
        store (bool):
        object_ (Literal['response'] | Unset):  Default: 'response'.
        completed_at (int | None | Unset):
        reasoning (None | ReasoningParam | Unset):
        error (None | ResponseError | Unset):
        incomplete_details (IncompleteDetails | None | Unset):
        truncation (ResponseObjectTruncation | Unset):  Default: ResponseObjectTruncation.DISABLED.
        background (bool | Unset):  Default: False.
        user (None | str | Unset):
        top_logprobs (int | None | Unset):
        service_tier (None | ResponseObjectServiceTierType1 | ResponseObjectServiceTierType2Type1 |
            ResponseObjectServiceTierType3Type1 | Unset):
        safety_identifier (None | str | Unset):
        prompt_cache_key (None | str | Unset):
    """

    id: str
    created_at: int
    status: ResponseObjectStatus
    model: str
    output: list[CodeInterpreterCallItem | FunctionCallItem | OutputMessage | ReasoningItem]
    instructions: None | str
    tools: list[ResponseObjectToolsItem]
    tool_choice: ResponseObjectToolChoiceType1 | str
    parallel_tool_calls: bool
    max_output_tokens: int | None
    max_tool_calls: int | None
    previous_response_id: None | str
    temperature: float | None
    top_p: float | None
    text: ResponseObjectText
    usage: None | ResponseUsage
    metadata: ResponseObjectMetadata
    store: bool
    object_: Literal["response"] | Unset = "response"
    completed_at: int | None | Unset = UNSET
    reasoning: None | ReasoningParam | Unset = UNSET
    error: None | ResponseError | Unset = UNSET
    incomplete_details: IncompleteDetails | None | Unset = UNSET
    truncation: ResponseObjectTruncation | Unset = ResponseObjectTruncation.DISABLED
    background: bool | Unset = False
    user: None | str | Unset = UNSET
    top_logprobs: int | None | Unset = UNSET
    service_tier: (
        None
        | ResponseObjectServiceTierType1
        | ResponseObjectServiceTierType2Type1
        | ResponseObjectServiceTierType3Type1
        | Unset
    ) = UNSET
    safety_identifier: None | str | Unset = UNSET
    prompt_cache_key: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.code_interpreter_call_item import CodeInterpreterCallItem  # noqa: PLC0415
        from ..models.function_call_item import FunctionCallItem  # noqa: PLC0415
        from ..models.incomplete_details import IncompleteDetails  # noqa: PLC0415
        from ..models.output_message import OutputMessage  # noqa: PLC0415
        from ..models.reasoning_param import ReasoningParam  # noqa: PLC0415
        from ..models.response_error import ResponseError  # noqa: PLC0415
        from ..models.response_object_tool_choice_type_1 import ResponseObjectToolChoiceType1  # noqa: PLC0415
        from ..models.response_usage import ResponseUsage  # noqa: PLC0415

        id = self.id

        created_at = self.created_at

        status = self.status.value

        model = self.model

        output = []
        for output_item_data in self.output:
            output_item: dict[str, Any]
            if isinstance(output_item_data, OutputMessage):
                output_item = output_item_data.to_dict()
            elif isinstance(output_item_data, FunctionCallItem):
                output_item = output_item_data.to_dict()
            elif isinstance(output_item_data, CodeInterpreterCallItem):
                output_item = output_item_data.to_dict()
            else:
                output_item = output_item_data.to_dict()

            output.append(output_item)

        instructions: None | str
        instructions = self.instructions

        tools = []
        for tools_item_data in self.tools:
            tools_item = tools_item_data.to_dict()
            tools.append(tools_item)

        tool_choice: dict[str, Any] | str
        if isinstance(self.tool_choice, ResponseObjectToolChoiceType1):
            tool_choice = self.tool_choice.to_dict()
        else:
            tool_choice = self.tool_choice

        parallel_tool_calls = self.parallel_tool_calls

        max_output_tokens: int | None
        max_output_tokens = self.max_output_tokens

        max_tool_calls: int | None
        max_tool_calls = self.max_tool_calls

        previous_response_id: None | str
        previous_response_id = self.previous_response_id

        temperature: float | None
        temperature = self.temperature

        top_p: float | None
        top_p = self.top_p

        text = self.text.to_dict()

        usage: dict[str, Any] | None
        if isinstance(self.usage, ResponseUsage):
            usage = self.usage.to_dict()
        else:
            usage = self.usage

        metadata = self.metadata.to_dict()

        store = self.store

        object_ = self.object_

        completed_at: int | None | Unset
        if isinstance(self.completed_at, Unset):
            completed_at = UNSET
        else:
            completed_at = self.completed_at

        reasoning: dict[str, Any] | None | Unset
        if isinstance(self.reasoning, Unset):
            reasoning = UNSET
        elif isinstance(self.reasoning, ReasoningParam):
            reasoning = self.reasoning.to_dict()
        else:
            reasoning = self.reasoning

        error: dict[str, Any] | None | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, ResponseError):
            error = self.error.to_dict()
        else:
            error = self.error

        incomplete_details: dict[str, Any] | None | Unset
        if isinstance(self.incomplete_details, Unset):
            incomplete_details = UNSET
        elif isinstance(self.incomplete_details, IncompleteDetails):
            incomplete_details = self.incomplete_details.to_dict()
        else:
            incomplete_details = self.incomplete_details

        truncation: str | Unset = UNSET
        if not isinstance(self.truncation, Unset):
            truncation = self.truncation.value

        background = self.background

        user: None | str | Unset
        if isinstance(self.user, Unset):
            user = UNSET
        else:
            user = self.user

        top_logprobs: int | None | Unset
        if isinstance(self.top_logprobs, Unset):
            top_logprobs = UNSET
        else:
            top_logprobs = self.top_logprobs

        service_tier: None | str | Unset
        if isinstance(self.service_tier, Unset):
            service_tier = UNSET
        elif isinstance(self.service_tier, ResponseObjectServiceTierType1):
            service_tier = self.service_tier.value
        elif isinstance(self.service_tier, ResponseObjectServiceTierType2Type1):
            service_tier = self.service_tier.value
        elif isinstance(self.service_tier, ResponseObjectServiceTierType3Type1):
            service_tier = self.service_tier.value
        else:
            service_tier = self.service_tier

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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "created_at": created_at,
                "status": status,
                "model": model,
                "output": output,
                "instructions": instructions,
                "tools": tools,
                "tool_choice": tool_choice,
                "parallel_tool_calls": parallel_tool_calls,
                "max_output_tokens": max_output_tokens,
                "max_tool_calls": max_tool_calls,
                "previous_response_id": previous_response_id,
                "temperature": temperature,
                "top_p": top_p,
                "text": text,
                "usage": usage,
                "metadata": metadata,
                "store": store,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at
        if reasoning is not UNSET:
            field_dict["reasoning"] = reasoning
        if error is not UNSET:
            field_dict["error"] = error
        if incomplete_details is not UNSET:
            field_dict["incomplete_details"] = incomplete_details
        if truncation is not UNSET:
            field_dict["truncation"] = truncation
        if background is not UNSET:
            field_dict["background"] = background
        if user is not UNSET:
            field_dict["user"] = user
        if top_logprobs is not UNSET:
            field_dict["top_logprobs"] = top_logprobs
        if service_tier is not UNSET:
            field_dict["service_tier"] = service_tier
        if safety_identifier is not UNSET:
            field_dict["safety_identifier"] = safety_identifier
        if prompt_cache_key is not UNSET:
            field_dict["prompt_cache_key"] = prompt_cache_key

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.code_interpreter_call_item import CodeInterpreterCallItem  # noqa: PLC0415
        from ..models.function_call_item import FunctionCallItem  # noqa: PLC0415
        from ..models.incomplete_details import IncompleteDetails  # noqa: PLC0415
        from ..models.output_message import OutputMessage  # noqa: PLC0415
        from ..models.reasoning_item import ReasoningItem  # noqa: PLC0415
        from ..models.reasoning_param import ReasoningParam  # noqa: PLC0415
        from ..models.response_error import ResponseError  # noqa: PLC0415
        from ..models.response_object_metadata import ResponseObjectMetadata  # noqa: PLC0415
        from ..models.response_object_text import ResponseObjectText  # noqa: PLC0415
        from ..models.response_object_tool_choice_type_1 import ResponseObjectToolChoiceType1  # noqa: PLC0415
        from ..models.response_object_tools_item import ResponseObjectToolsItem  # noqa: PLC0415
        from ..models.response_usage import ResponseUsage  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        created_at = d.pop("created_at")

        status = ResponseObjectStatus(d.pop("status"))

        model = d.pop("model")

        output = []
        _output = d.pop("output")
        for output_item_data in _output:

            def _parse_output_item(
                data: object,
            ) -> CodeInterpreterCallItem | FunctionCallItem | OutputMessage | ReasoningItem:
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    output_item_type_0 = OutputMessage.from_dict(data)

                    return output_item_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    output_item_type_1 = FunctionCallItem.from_dict(data)

                    return output_item_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    output_item_type_2 = CodeInterpreterCallItem.from_dict(data)

                    return output_item_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                output_item_type_3 = ReasoningItem.from_dict(data)

                return output_item_type_3

            output_item = _parse_output_item(output_item_data)

            output.append(output_item)

        def _parse_instructions(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        instructions = _parse_instructions(d.pop("instructions"))

        tools = []
        _tools = d.pop("tools")
        for tools_item_data in _tools:
            tools_item = ResponseObjectToolsItem.from_dict(tools_item_data)

            tools.append(tools_item)

        def _parse_tool_choice(data: object) -> ResponseObjectToolChoiceType1 | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                tool_choice_type_1 = ResponseObjectToolChoiceType1.from_dict(data)

                return tool_choice_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ResponseObjectToolChoiceType1 | str, data)

        tool_choice = _parse_tool_choice(d.pop("tool_choice"))

        parallel_tool_calls = d.pop("parallel_tool_calls")

        def _parse_max_output_tokens(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_output_tokens = _parse_max_output_tokens(d.pop("max_output_tokens"))

        def _parse_max_tool_calls(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_tool_calls = _parse_max_tool_calls(d.pop("max_tool_calls"))

        def _parse_previous_response_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        previous_response_id = _parse_previous_response_id(d.pop("previous_response_id"))

        def _parse_temperature(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        temperature = _parse_temperature(d.pop("temperature"))

        def _parse_top_p(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        top_p = _parse_top_p(d.pop("top_p"))

        text = ResponseObjectText.from_dict(d.pop("text"))

        def _parse_usage(data: object) -> None | ResponseUsage:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                usage_type_0 = ResponseUsage.from_dict(data)

                return usage_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ResponseUsage, data)

        usage = _parse_usage(d.pop("usage"))

        metadata = ResponseObjectMetadata.from_dict(d.pop("metadata"))

        store = d.pop("store")

        object_ = cast(Literal["response"] | Unset, d.pop("object", UNSET))
        if object_ != "response" and not isinstance(object_, Unset):
            raise ValueError(f"object must match const 'response', got '{object_}'")

        def _parse_completed_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        completed_at = _parse_completed_at(d.pop("completed_at", UNSET))

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

        def _parse_error(data: object) -> None | ResponseError | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = ResponseError.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ResponseError | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_incomplete_details(data: object) -> IncompleteDetails | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                incomplete_details_type_0 = IncompleteDetails.from_dict(data)

                return incomplete_details_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(IncompleteDetails | None | Unset, data)

        incomplete_details = _parse_incomplete_details(d.pop("incomplete_details", UNSET))

        _truncation = d.pop("truncation", UNSET)
        truncation: ResponseObjectTruncation | Unset
        if isinstance(_truncation, Unset):
            truncation = UNSET
        else:
            truncation = ResponseObjectTruncation(_truncation)

        background = d.pop("background", UNSET)

        def _parse_user(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user = _parse_user(d.pop("user", UNSET))

        def _parse_top_logprobs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        top_logprobs = _parse_top_logprobs(d.pop("top_logprobs", UNSET))

        def _parse_service_tier(
            data: object,
        ) -> (
            None
            | ResponseObjectServiceTierType1
            | ResponseObjectServiceTierType2Type1
            | ResponseObjectServiceTierType3Type1
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                service_tier_type_1 = ResponseObjectServiceTierType1(data)

                return service_tier_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                service_tier_type_2_type_1 = ResponseObjectServiceTierType2Type1(data)

                return service_tier_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                service_tier_type_3_type_1 = ResponseObjectServiceTierType3Type1(data)

                return service_tier_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | ResponseObjectServiceTierType1
                | ResponseObjectServiceTierType2Type1
                | ResponseObjectServiceTierType3Type1
                | Unset,
                data,
            )

        service_tier = _parse_service_tier(d.pop("service_tier", UNSET))

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

        response_object = cls(
            id=id,
            created_at=created_at,
            status=status,
            model=model,
            output=output,
            instructions=instructions,
            tools=tools,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel_tool_calls,
            max_output_tokens=max_output_tokens,
            max_tool_calls=max_tool_calls,
            previous_response_id=previous_response_id,
            temperature=temperature,
            top_p=top_p,
            text=text,
            usage=usage,
            metadata=metadata,
            store=store,
            object_=object_,
            completed_at=completed_at,
            reasoning=reasoning,
            error=error,
            incomplete_details=incomplete_details,
            truncation=truncation,
            background=background,
            user=user,
            top_logprobs=top_logprobs,
            service_tier=service_tier,
            safety_identifier=safety_identifier,
            prompt_cache_key=prompt_cache_key,
        )

        response_object.additional_properties = d
        return response_object

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
