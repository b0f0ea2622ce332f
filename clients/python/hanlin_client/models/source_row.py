from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.source_row_item import SourceRowItem
    from ..models.source_row_sample_type_0 import SourceRowSampleType0


T = TypeVar("T", bound="SourceRow")


@_attrs_define
class SourceRow:
    """
    Attributes:
        item (SourceRowItem):
        sample (None | SourceRowSampleType0 | Unset):
    """

    item: SourceRowItem
    sample: None | SourceRowSampleType0 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.source_row_sample_type_0 import SourceRowSampleType0  # noqa: PLC0415

        item = self.item.to_dict()

        sample: dict[str, Any] | None | Unset
        if isinstance(self.sample, Unset):
            sample = UNSET
        elif isinstance(self.sample, SourceRowSampleType0):
            sample = self.sample.to_dict()
        else:
            sample = self.sample

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "item": item,
            }
        )
        if sample is not UNSET:
            field_dict["sample"] = sample

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.source_row_item import SourceRowItem  # noqa: PLC0415
        from ..models.source_row_sample_type_0 import SourceRowSampleType0  # noqa: PLC0415

        d = dict(src_dict)
        item = SourceRowItem.from_dict(d.pop("item"))

        def _parse_sample(data: object) -> None | SourceRowSampleType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                sample_type_0 = SourceRowSampleType0.from_dict(data)

                return sample_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SourceRowSampleType0 | Unset, data)

        sample = _parse_sample(d.pop("sample", UNSET))

        source_row = cls(
            item=item,
            sample=sample,
        )

        source_row.additional_properties = d
        return source_row

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
