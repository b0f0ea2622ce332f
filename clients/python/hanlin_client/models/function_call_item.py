from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.function_call_item_status import FunctionCallItemStatus

T = TypeVar("T", bound="FunctionCallItem")


@_attrs_define
class FunctionCallItem:
    """
    Attributes:
        id (str):
        call_id (str):
        name (str):
        arguments (str):
        status (FunctionCallItemStatus):
        type_ (Literal['function_call']):
    """

    id: str
    call_id: str
    name: str
    arguments: str
    status: FunctionCallItemStatus
    type_: Literal["function_call"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        call_id = self.call_id

        name = self.name

        arguments = self.arguments

        status = self.status.value

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "call_id": call_id,
                "name": name,
                "arguments": arguments,
                "status": status,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        call_id = d.pop("call_id")

        name = d.pop("name")

        arguments = d.pop("arguments")

        status = FunctionCallItemStatus(d.pop("status"))

        type_ = cast(Literal["function_call"], d.pop("type"))
        if type_ != "function_call":
            raise ValueError(f"type must match const 'function_call', got '{type_}'")

        function_call_item = cls(
            id=id,
            call_id=call_id,
            name=name,
            arguments=arguments,
            status=status,
            type_=type_,
        )

        function_call_item.additional_properties = d
        return function_call_item

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
