from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.source_row import SourceRow


T = TypeVar("T", bound="FileContentSource")


@_attrs_define
class FileContentSource:
    """
    Attributes:
        content (list[SourceRow]):
        type_ (Literal['file_content']):
    """

    content: list[SourceRow]
    type_: Literal["file_content"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content = []
        for content_item_data in self.content:
            content_item = content_item_data.to_dict()
            content.append(content_item)

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "content": content,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.source_row import SourceRow  # noqa: PLC0415

        d = dict(src_dict)
        content = []
        _content = d.pop("content")
        for content_item_data in _content:
            content_item = SourceRow.from_dict(content_item_data)

            content.append(content_item)

        type_ = cast(Literal["file_content"], d.pop("type"))
        if type_ != "file_content":
            raise ValueError(f"type must match const 'file_content', got '{type_}'")

        file_content_source = cls(
            content=content,
            type_=type_,
        )

        file_content_source.additional_properties = d
        return file_content_source

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
