from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.stored_completions_data_source_config_metadata_type_0 import (
        StoredCompletionsDataSourceConfigMetadataType0,
    )


T = TypeVar("T", bound="StoredCompletionsDataSourceConfig")


@_attrs_define
class StoredCompletionsDataSourceConfig:
    """
    Attributes:
        type_ (Literal['stored_completions']):
        metadata (None | StoredCompletionsDataSourceConfigMetadataType0 | Unset):
    """

    type_: Literal["stored_completions"]
    metadata: None | StoredCompletionsDataSourceConfigMetadataType0 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.stored_completions_data_source_config_metadata_type_0 import (
            StoredCompletionsDataSourceConfigMetadataType0,  # noqa: PLC0415
        )

        type_ = self.type_

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, StoredCompletionsDataSourceConfigMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.stored_completions_data_source_config_metadata_type_0 import (
            StoredCompletionsDataSourceConfigMetadataType0,  # noqa: PLC0415
        )

        d = dict(src_dict)
        type_ = cast(Literal["stored_completions"], d.pop("type"))
        if type_ != "stored_completions":
            raise ValueError(f"type must match const 'stored_completions', got '{type_}'")

        def _parse_metadata(
            data: object,
        ) -> None | StoredCompletionsDataSourceConfigMetadataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = StoredCompletionsDataSourceConfigMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StoredCompletionsDataSourceConfigMetadataType0 | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        stored_completions_data_source_config = cls(
            type_=type_,
            metadata=metadata,
        )

        stored_completions_data_source_config.additional_properties = d
        return stored_completions_data_source_config

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
