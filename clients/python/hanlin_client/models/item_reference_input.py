from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ItemReferenceInput")


@_attrs_define
class ItemReferenceInput:
    """
    Attributes:
        item_reference (str):
        type_ (Literal['item_reference']):
    """

    item_reference: str
    type_: Literal["item_reference"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        item_reference = self.item_reference

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "item_reference": item_reference,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        item_reference = d.pop("item_reference")

        type_ = cast(Literal["item_reference"], d.pop("type"))
        if type_ != "item_reference":
            raise ValueError(f"type must match const 'item_reference', got '{type_}'")

        item_reference_input = cls(
            item_reference=item_reference,
            type_=type_,
        )

        item_reference_input.additional_properties = d
        return item_reference_input

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
