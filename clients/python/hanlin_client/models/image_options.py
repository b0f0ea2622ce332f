from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.image_options_context_compression_type_1 import ImageOptionsContextCompressionType1
from ..models.image_options_context_compression_type_2_type_1 import (
    ImageOptionsContextCompressionType2Type1,
)
from ..models.image_options_context_compression_type_3_type_1 import (
    ImageOptionsContextCompressionType3Type1,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="ImageOptions")


@_attrs_define
class ImageOptions:
    """
    Attributes:
        context_compression (ImageOptionsContextCompressionType1 | ImageOptionsContextCompressionType2Type1 |
            ImageOptionsContextCompressionType3Type1 | None | Unset):
    """

    context_compression: (
        ImageOptionsContextCompressionType1
        | ImageOptionsContextCompressionType2Type1
        | ImageOptionsContextCompressionType3Type1
        | None
        | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        context_compression: None | str | Unset
        if isinstance(self.context_compression, Unset):
            context_compression = UNSET
        elif isinstance(self.context_compression, ImageOptionsContextCompressionType1):
            context_compression = self.context_compression.value
        elif isinstance(self.context_compression, ImageOptionsContextCompressionType2Type1):
            context_compression = self.context_compression.value
        elif isinstance(self.context_compression, ImageOptionsContextCompressionType3Type1):
            context_compression = self.context_compression.value
        else:
            context_compression = self.context_compression

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if context_compression is not UNSET:
            field_dict["context_compression"] = context_compression

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_context_compression(
            data: object,
        ) -> (
            ImageOptionsContextCompressionType1
            | ImageOptionsContextCompressionType2Type1
            | ImageOptionsContextCompressionType3Type1
            | None
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                context_compression_type_1 = ImageOptionsContextCompressionType1(data)

                return context_compression_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                context_compression_type_2_type_1 = ImageOptionsContextCompressionType2Type1(data)

                return context_compression_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                context_compression_type_3_type_1 = ImageOptionsContextCompressionType3Type1(data)

                return context_compression_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                ImageOptionsContextCompressionType1
                | ImageOptionsContextCompressionType2Type1
                | ImageOptionsContextCompressionType3Type1
                | None
                | Unset,
                data,
            )

        context_compression = _parse_context_compression(d.pop("context_compression", UNSET))

        image_options = cls(
            context_compression=context_compression,
        )

        image_options.additional_properties = d
        return image_options

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
