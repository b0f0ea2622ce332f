from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.custom_data_source_config_object_schema import CustomDataSourceConfigObjectSchema


T = TypeVar("T", bound="CustomDataSourceConfigObject")


@_attrs_define
class CustomDataSourceConfigObject:
    """
    Attributes:
        schema (CustomDataSourceConfigObjectSchema):
        type_ (Literal['custom'] | Unset):  Default: 'custom'.
    """

    schema: CustomDataSourceConfigObjectSchema
    type_: Literal["custom"] | Unset = "custom"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        schema = self.schema.to_dict()

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "schema": schema,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.custom_data_source_config_object_schema import (
            CustomDataSourceConfigObjectSchema,  # noqa: PLC0415
        )

        d = dict(src_dict)
        schema = CustomDataSourceConfigObjectSchema.from_dict(d.pop("schema"))

        type_ = cast(Literal["custom"] | Unset, d.pop("type", UNSET))
        if type_ != "custom" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'custom', got '{type_}'")

        custom_data_source_config_object = cls(
            schema=schema,
            type_=type_,
        )

        custom_data_source_config_object.additional_properties = d
        return custom_data_source_config_object

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
