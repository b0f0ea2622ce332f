from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.invoke_request_arguments_type_0 import InvokeRequestArgumentsType0


T = TypeVar("T", bound="InvokeRequest")


@_attrs_define
class InvokeRequest:
    """
    Attributes:
        arguments (InvokeRequestArgumentsType0 | str | Unset):
    """

    arguments: InvokeRequestArgumentsType0 | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.invoke_request_arguments_type_0 import InvokeRequestArgumentsType0  # noqa: PLC0415

        arguments: dict[str, Any] | str | Unset
        if isinstance(self.arguments, Unset):
            arguments = UNSET
        elif isinstance(self.arguments, InvokeRequestArgumentsType0):
            arguments = self.arguments.to_dict()
        else:
            arguments = self.arguments

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if arguments is not UNSET:
            field_dict["arguments"] = arguments

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.invoke_request_arguments_type_0 import InvokeRequestArgumentsType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_arguments(data: object) -> InvokeRequestArgumentsType0 | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                arguments_type_0 = InvokeRequestArgumentsType0.from_dict(data)

                return arguments_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(InvokeRequestArgumentsType0 | str | Unset, data)

        arguments = _parse_arguments(d.pop("arguments", UNSET))

        invoke_request = cls(
            arguments=arguments,
        )

        invoke_request.additional_properties = d
        return invoke_request

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
