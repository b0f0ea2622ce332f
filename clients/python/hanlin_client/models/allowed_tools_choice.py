from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.allowed_tools import AllowedTools


T = TypeVar("T", bound="AllowedToolsChoice")


@_attrs_define
class AllowedToolsChoice:
    """
    Attributes:
        allowed_tools (AllowedTools):
        type_ (Literal['allowed_tools']):
    """

    allowed_tools: AllowedTools
    type_: Literal["allowed_tools"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        allowed_tools = self.allowed_tools.to_dict()

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "allowed_tools": allowed_tools,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.allowed_tools import AllowedTools  # noqa: PLC0415

        d = dict(src_dict)
        allowed_tools = AllowedTools.from_dict(d.pop("allowed_tools"))

        type_ = cast(Literal["allowed_tools"], d.pop("type"))
        if type_ != "allowed_tools":
            raise ValueError(f"type must match const 'allowed_tools', got '{type_}'")

        allowed_tools_choice = cls(
            allowed_tools=allowed_tools,
            type_=type_,
        )

        allowed_tools_choice.additional_properties = d
        return allowed_tools_choice

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
