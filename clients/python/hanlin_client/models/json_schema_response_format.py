from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.json_schema_format import JSONSchemaFormat


T = TypeVar("T", bound="JSONSchemaResponseFormat")


@_attrs_define
class JSONSchemaResponseFormat:
    """
    Attributes:
        json_schema (JSONSchemaFormat):
        type_ (Literal['json_schema']):
    """

    json_schema: JSONSchemaFormat
    type_: Literal["json_schema"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        json_schema = self.json_schema.to_dict()

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "json_schema": json_schema,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.json_schema_format import JSONSchemaFormat  # noqa: PLC0415

        d = dict(src_dict)
        json_schema = JSONSchemaFormat.from_dict(d.pop("json_schema"))

        type_ = cast(Literal["json_schema"], d.pop("type"))
        if type_ != "json_schema":
            raise ValueError(f"type must match const 'json_schema', got '{type_}'")

        json_schema_response_format = cls(
            json_schema=json_schema,
            type_=type_,
        )

        json_schema_response_format.additional_properties = d
        return json_schema_response_format

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
