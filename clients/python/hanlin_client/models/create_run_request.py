from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.completions_data_source import CompletionsDataSource
    from ..models.create_run_request_metadata_type_0 import CreateRunRequestMetadataType0
    from ..models.jsonl_data_source import JsonlDataSource


T = TypeVar("T", bound="CreateRunRequest")


@_attrs_define
class CreateRunRequest:
    """
    Attributes:
        data_source (CompletionsDataSource | JsonlDataSource):
        name (None | str | Unset):
        metadata (CreateRunRequestMetadataType0 | None | Unset):
    """

    data_source: CompletionsDataSource | JsonlDataSource
    name: None | str | Unset = UNSET
    metadata: CreateRunRequestMetadataType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.create_run_request_metadata_type_0 import CreateRunRequestMetadataType0  # noqa: PLC0415
        from ..models.jsonl_data_source import JsonlDataSource  # noqa: PLC0415

        data_source: dict[str, Any]
        if isinstance(self.data_source, JsonlDataSource):
            data_source = self.data_source.to_dict()
        else:
            data_source = self.data_source.to_dict()

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, CreateRunRequestMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data_source": data_source,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.completions_data_source import CompletionsDataSource  # noqa: PLC0415
        from ..models.create_run_request_metadata_type_0 import CreateRunRequestMetadataType0  # noqa: PLC0415
        from ..models.jsonl_data_source import JsonlDataSource  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_data_source(data: object) -> CompletionsDataSource | JsonlDataSource:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                data_source_type_0 = JsonlDataSource.from_dict(data)

                return data_source_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            data_source_type_1 = CompletionsDataSource.from_dict(data)

            return data_source_type_1

        data_source = _parse_data_source(d.pop("data_source"))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_metadata(data: object) -> CreateRunRequestMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = CreateRunRequestMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateRunRequestMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        create_run_request = cls(
            data_source=data_source,
            name=name,
            metadata=metadata,
        )

        create_run_request.additional_properties = d
        return create_run_request

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
