from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.allowed_tools_mode import AllowedToolsMode

if TYPE_CHECKING:
    from ..models.named_tool_choice import NamedToolChoice


T = TypeVar("T", bound="AllowedTools")


@_attrs_define
class AllowedTools:
    """
    Attributes:
        mode (AllowedToolsMode):
        tools (list[NamedToolChoice]):
    """

    mode: AllowedToolsMode
    tools: list[NamedToolChoice]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        mode = self.mode.value

        tools = []
        for tools_item_data in self.tools:
            tools_item = tools_item_data.to_dict()
            tools.append(tools_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "mode": mode,
                "tools": tools,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.named_tool_choice import NamedToolChoice  # noqa: PLC0415

        d = dict(src_dict)
        mode = AllowedToolsMode(d.pop("mode"))

        tools = []
        _tools = d.pop("tools")
        for tools_item_data in _tools:
            tools_item = NamedToolChoice.from_dict(tools_item_data)

            tools.append(tools_item)

        allowed_tools = cls(
            mode=mode,
            tools=tools,
        )

        allowed_tools.additional_properties = d
        return allowed_tools

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
