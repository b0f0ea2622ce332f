from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.file_content_source import FileContentSource
    from ..models.file_id_source import FileIdSource


T = TypeVar("T", bound="JsonlDataSource")


@_attrs_define
class JsonlDataSource:
    """
    Attributes:
        source (FileContentSource | FileIdSource):
        type_ (Literal['jsonl']):
    """

    source: FileContentSource | FileIdSource
    type_: Literal["jsonl"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.file_content_source import FileContentSource  # noqa: PLC0415

        source: dict[str, Any]
        if isinstance(self.source, FileContentSource):
            source = self.source.to_dict()
        else:
            source = self.source.to_dict()

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "source": source,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.file_content_source import FileContentSource  # noqa: PLC0415
        from ..models.file_id_source import FileIdSource  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_source(data: object) -> FileContentSource | FileIdSource:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                source_type_0 = FileContentSource.from_dict(data)

                return source_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            source_type_1 = FileIdSource.from_dict(data)

            return source_type_1

        source = _parse_source(d.pop("source"))

        type_ = cast(Literal["jsonl"], d.pop("type"))
        if type_ != "jsonl":
            raise ValueError(f"type must match const 'jsonl', got '{type_}'")

        jsonl_data_source = cls(
            source=source,
            type_=type_,
        )

        jsonl_data_source.additional_properties = d
        return jsonl_data_source

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
