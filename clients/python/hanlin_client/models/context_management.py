from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ContextManagement")


@_attrs_define
class ContextManagement:
    """
    Attributes:
        type_ (str):
        compact_threshold (int | None | Unset):
    """

    type_: str
    compact_threshold: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        compact_threshold: int | None | Unset
        if isinstance(self.compact_threshold, Unset):
            compact_threshold = UNSET
        else:
            compact_threshold = self.compact_threshold

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if compact_threshold is not UNSET:
            field_dict["compact_threshold"] = compact_threshold

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = d.pop("type")

        def _parse_compact_threshold(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        compact_threshold = _parse_compact_threshold(d.pop("compact_threshold", UNSET))

        context_management = cls(
            type_=type_,
            compact_threshold=compact_threshold,
        )

        context_management.additional_properties = d
        return context_management

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
