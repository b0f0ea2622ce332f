from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.container_auto import ContainerAuto


T = TypeVar("T", bound="CodeInterpreterToolParam")


@_attrs_define
class CodeInterpreterToolParam:
    """
    Attributes:
        container (ContainerAuto | str):
        type_ (Literal['code_interpreter']):
    """

    container: ContainerAuto | str
    type_: Literal["code_interpreter"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.container_auto import ContainerAuto  # noqa: PLC0415

        container: dict[str, Any] | str
        if isinstance(self.container, ContainerAuto):
            container = self.container.to_dict()
        else:
            container = self.container

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "container": container,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.container_auto import ContainerAuto  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_container(data: object) -> ContainerAuto | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                container_type_1 = ContainerAuto.from_dict(data)

                return container_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ContainerAuto | str, data)

        container = _parse_container(d.pop("container"))

        type_ = cast(Literal["code_interpreter"], d.pop("type"))
        if type_ != "code_interpreter":
            raise ValueError(f"type must match const 'code_interpreter', got '{type_}'")

        code_interpreter_tool_param = cls(
            container=container,
            type_=type_,
        )

        code_interpreter_tool_param.additional_properties = d
        return code_interpreter_tool_param

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
