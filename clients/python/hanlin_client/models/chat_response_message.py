from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.function_call import FunctionCall
    from ..models.tool_call import ToolCall


T = TypeVar("T", bound="ChatResponseMessage")


@_attrs_define
class ChatResponseMessage:
    """
    Attributes:
        content (None | str):
        role (Literal['assistant'] | Unset):  Default: 'assistant'.
        reasoning_content (None | str | Unset):
        tool_calls (list[ToolCall] | Unset):
        function_call (FunctionCall | Unset):
    """

    content: None | str
    role: Literal["assistant"] | Unset = "assistant"
    reasoning_content: None | str | Unset = UNSET
    tool_calls: list[ToolCall] | Unset = UNSET
    function_call: FunctionCall | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content: None | str
        content = self.content

        role = self.role

        reasoning_content: None | str | Unset
        if isinstance(self.reasoning_content, Unset):
            reasoning_content = UNSET
        else:
            reasoning_content = self.reasoning_content

        tool_calls: list[dict[str, Any]] | Unset
        if isinstance(self.tool_calls, Unset):
            tool_calls = UNSET
        else:
            tool_calls = []
            for tool_calls_type_0_item_data in self.tool_calls:
                tool_calls_type_0_item = tool_calls_type_0_item_data.to_dict()
                tool_calls.append(tool_calls_type_0_item)

        function_call: dict[str, Any] | Unset = UNSET
        if not isinstance(self.function_call, Unset):
            function_call = self.function_call.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "content": content,
            }
        )
        if role is not UNSET:
            field_dict["role"] = role
        if reasoning_content is not UNSET:
            field_dict["reasoning_content"] = reasoning_content
        if tool_calls is not UNSET:
            field_dict["tool_calls"] = tool_calls
        if function_call is not UNSET:
            field_dict["function_call"] = function_call

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.function_call import FunctionCall  # noqa: PLC0415
        from ..models.tool_call import ToolCall  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_content(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        content = _parse_content(d.pop("content"))

        role = cast(Literal["assistant"] | Unset, d.pop("role", UNSET))
        if role != "assistant" and not isinstance(role, Unset):
            raise ValueError(f"role must match const 'assistant', got '{role}'")

        def _parse_reasoning_content(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reasoning_content = _parse_reasoning_content(d.pop("reasoning_content", UNSET))

        def _parse_tool_calls(data: object) -> list[ToolCall] | Unset:
            if isinstance(data, Unset):
                return data
            if not isinstance(data, list):
                raise TypeError()
            tool_calls_type_0 = []
            _tool_calls_type_0 = data
            for tool_calls_type_0_item_data in _tool_calls_type_0:
                tool_calls_type_0_item = ToolCall.from_dict(tool_calls_type_0_item_data)

                tool_calls_type_0.append(tool_calls_type_0_item)

            return tool_calls_type_0

        tool_calls = _parse_tool_calls(d.pop("tool_calls", UNSET))

        _function_call = d.pop("function_call", UNSET)
        function_call: FunctionCall | Unset
        if isinstance(_function_call, Unset):
            function_call = UNSET
        else:
            function_call = FunctionCall.from_dict(_function_call)

        chat_response_message = cls(
            content=content,
            role=role,
            reasoning_content=reasoning_content,
            tool_calls=tool_calls,
            function_call=function_call,
        )

        chat_response_message.additional_properties = d
        return chat_response_message

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
