from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.string_check_grader_operation import StringCheckGraderOperation

T = TypeVar("T", bound="StringCheckGrader")


@_attrs_define
class StringCheckGrader:
    """
    Attributes:
        input_ (str):
        reference (str):
        operation (StringCheckGraderOperation):
        name (str):
        type_ (Literal['string_check']):
    """

    input_: str
    reference: str
    operation: StringCheckGraderOperation
    name: str
    type_: Literal["string_check"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        input_ = self.input_

        reference = self.reference

        operation = self.operation.value

        name = self.name

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "input": input_,
                "reference": reference,
                "operation": operation,
                "name": name,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        input_ = d.pop("input")

        reference = d.pop("reference")

        operation = StringCheckGraderOperation(d.pop("operation"))

        name = d.pop("name")

        type_ = cast(Literal["string_check"], d.pop("type"))
        if type_ != "string_check":
            raise ValueError(f"type must match const 'string_check', got '{type_}'")

        string_check_grader = cls(
            input_=input_,
            reference=reference,
            operation=operation,
            name=name,
            type_=type_,
        )

        string_check_grader.additional_properties = d
        return string_check_grader

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
