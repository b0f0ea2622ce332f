from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.template_message import TemplateMessage


T = TypeVar("T", bound="TemplateInput")


@_attrs_define
class TemplateInput:
    """
    Attributes:
        template (list[TemplateMessage]):
        type_ (Literal['template']):
    """

    template: list[TemplateMessage]
    type_: Literal["template"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        template = []
        for template_item_data in self.template:
            template_item = template_item_data.to_dict()
            template.append(template_item)

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "template": template,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.template_message import TemplateMessage  # noqa: PLC0415

        d = dict(src_dict)
        template = []
        _template = d.pop("template")
        for template_item_data in _template:
            template_item = TemplateMessage.from_dict(template_item_data)

            template.append(template_item)

        type_ = cast(Literal["template"], d.pop("type"))
        if type_ != "template":
            raise ValueError(f"type must match const 'template', got '{type_}'")

        template_input = cls(
            template=template,
            type_=type_,
        )

        template_input.additional_properties = d
        return template_input

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
