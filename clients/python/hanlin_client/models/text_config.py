from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.text_config_verbosity_type_1 import TextConfigVerbosityType1
from ..models.text_config_verbosity_type_2_type_1 import TextConfigVerbosityType2Type1
from ..models.text_config_verbosity_type_3_type_1 import TextConfigVerbosityType3Type1
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.text_format_json_object import TextFormatJSONObject
    from ..models.text_format_json_schema import TextFormatJSONSchema
    from ..models.text_format_text import TextFormatText


T = TypeVar("T", bound="TextConfig")


@_attrs_define
class TextConfig:
    """
    Attributes:
        format_ (TextFormatJSONObject | TextFormatJSONSchema | TextFormatText | Unset):
        verbosity (None | TextConfigVerbosityType1 | TextConfigVerbosityType2Type1 | TextConfigVerbosityType3Type1 |
            Unset):
    """

    format_: TextFormatJSONObject | TextFormatJSONSchema | TextFormatText | Unset = UNSET
    verbosity: (
        None
        | TextConfigVerbosityType1
        | TextConfigVerbosityType2Type1
        | TextConfigVerbosityType3Type1
        | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.text_format_json_object import TextFormatJSONObject  # noqa: PLC0415
        from ..models.text_format_text import TextFormatText  # noqa: PLC0415

        format_: dict[str, Any] | Unset
        if isinstance(self.format_, Unset):
            format_ = UNSET
        elif isinstance(self.format_, TextFormatText):
            format_ = self.format_.to_dict()
        elif isinstance(self.format_, TextFormatJSONObject):
            format_ = self.format_.to_dict()
        else:
            format_ = self.format_.to_dict()

        verbosity: None | str | Unset
        if isinstance(self.verbosity, Unset):
            verbosity = UNSET
        elif isinstance(self.verbosity, TextConfigVerbosityType1):
            verbosity = self.verbosity.value
        elif isinstance(self.verbosity, TextConfigVerbosityType2Type1):
            verbosity = self.verbosity.value
        elif isinstance(self.verbosity, TextConfigVerbosityType3Type1):
            verbosity = self.verbosity.value
        else:
            verbosity = self.verbosity

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if format_ is not UNSET:
            field_dict["format"] = format_
        if verbosity is not UNSET:
            field_dict["verbosity"] = verbosity

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.text_format_json_object import TextFormatJSONObject  # noqa: PLC0415
        from ..models.text_format_json_schema import TextFormatJSONSchema  # noqa: PLC0415
        from ..models.text_format_text import TextFormatText  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_format_(
            data: object,
        ) -> TextFormatJSONObject | TextFormatJSONSchema | TextFormatText | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                format_type_0 = TextFormatText.from_dict(data)

                return format_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                format_type_1 = TextFormatJSONObject.from_dict(data)

                return format_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            format_type_2 = TextFormatJSONSchema.from_dict(data)

            return format_type_2

        format_ = _parse_format_(d.pop("format", UNSET))

        def _parse_verbosity(
            data: object,
        ) -> (
            None
            | TextConfigVerbosityType1
            | TextConfigVerbosityType2Type1
            | TextConfigVerbosityType3Type1
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                verbosity_type_1 = TextConfigVerbosityType1(data)

                return verbosity_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                verbosity_type_2_type_1 = TextConfigVerbosityType2Type1(data)

                return verbosity_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                verbosity_type_3_type_1 = TextConfigVerbosityType3Type1(data)

                return verbosity_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | TextConfigVerbosityType1
                | TextConfigVerbosityType2Type1
                | TextConfigVerbosityType3Type1
                | Unset,
                data,
            )

        verbosity = _parse_verbosity(d.pop("verbosity", UNSET))

        text_config = cls(
            format_=format_,
            verbosity=verbosity,
        )

        text_config.additional_properties = d
        return text_config

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
