from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.prompt_cache_options_mode_type_1 import PromptCacheOptionsModeType1
from ..models.prompt_cache_options_mode_type_2_type_1 import PromptCacheOptionsModeType2Type1
from ..models.prompt_cache_options_mode_type_3_type_1 import PromptCacheOptionsModeType3Type1
from ..models.prompt_cache_options_ttl_type_1 import PromptCacheOptionsTtlType1
from ..models.prompt_cache_options_ttl_type_2_type_1 import PromptCacheOptionsTtlType2Type1
from ..models.prompt_cache_options_ttl_type_3_type_1 import PromptCacheOptionsTtlType3Type1
from ..types import UNSET, Unset

T = TypeVar("T", bound="PromptCacheOptions")


@_attrs_define
class PromptCacheOptions:
    """
    Attributes:
        mode (None | PromptCacheOptionsModeType1 | PromptCacheOptionsModeType2Type1 | PromptCacheOptionsModeType3Type1 |
            Unset):
        ttl (None | PromptCacheOptionsTtlType1 | PromptCacheOptionsTtlType2Type1 | PromptCacheOptionsTtlType3Type1 |
            Unset):
        prewarm (bool | None | Unset):
        comparison_response_id (None | str | Unset):
    """

    mode: (
        None
        | PromptCacheOptionsModeType1
        | PromptCacheOptionsModeType2Type1
        | PromptCacheOptionsModeType3Type1
        | Unset
    ) = UNSET
    ttl: (
        None
        | PromptCacheOptionsTtlType1
        | PromptCacheOptionsTtlType2Type1
        | PromptCacheOptionsTtlType3Type1
        | Unset
    ) = UNSET
    prewarm: bool | None | Unset = UNSET
    comparison_response_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        mode: None | str | Unset
        if isinstance(self.mode, Unset):
            mode = UNSET
        elif isinstance(self.mode, PromptCacheOptionsModeType1):
            mode = self.mode.value
        elif isinstance(self.mode, PromptCacheOptionsModeType2Type1):
            mode = self.mode.value
        elif isinstance(self.mode, PromptCacheOptionsModeType3Type1):
            mode = self.mode.value
        else:
            mode = self.mode

        ttl: None | str | Unset
        if isinstance(self.ttl, Unset):
            ttl = UNSET
        elif isinstance(self.ttl, PromptCacheOptionsTtlType1):
            ttl = self.ttl.value
        elif isinstance(self.ttl, PromptCacheOptionsTtlType2Type1):
            ttl = self.ttl.value
        elif isinstance(self.ttl, PromptCacheOptionsTtlType3Type1):
            ttl = self.ttl.value
        else:
            ttl = self.ttl

        prewarm: bool | None | Unset
        if isinstance(self.prewarm, Unset):
            prewarm = UNSET
        else:
            prewarm = self.prewarm

        comparison_response_id: None | str | Unset
        if isinstance(self.comparison_response_id, Unset):
            comparison_response_id = UNSET
        else:
            comparison_response_id = self.comparison_response_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if mode is not UNSET:
            field_dict["mode"] = mode
        if ttl is not UNSET:
            field_dict["ttl"] = ttl
        if prewarm is not UNSET:
            field_dict["prewarm"] = prewarm
        if comparison_response_id is not UNSET:
            field_dict["comparison_response_id"] = comparison_response_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_mode(
            data: object,
        ) -> (
            None
            | PromptCacheOptionsModeType1
            | PromptCacheOptionsModeType2Type1
            | PromptCacheOptionsModeType3Type1
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                mode_type_1 = PromptCacheOptionsModeType1(data)

                return mode_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                mode_type_2_type_1 = PromptCacheOptionsModeType2Type1(data)

                return mode_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                mode_type_3_type_1 = PromptCacheOptionsModeType3Type1(data)

                return mode_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | PromptCacheOptionsModeType1
                | PromptCacheOptionsModeType2Type1
                | PromptCacheOptionsModeType3Type1
                | Unset,
                data,
            )

        mode = _parse_mode(d.pop("mode", UNSET))

        def _parse_ttl(
            data: object,
        ) -> (
            None
            | PromptCacheOptionsTtlType1
            | PromptCacheOptionsTtlType2Type1
            | PromptCacheOptionsTtlType3Type1
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ttl_type_1 = PromptCacheOptionsTtlType1(data)

                return ttl_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ttl_type_2_type_1 = PromptCacheOptionsTtlType2Type1(data)

                return ttl_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ttl_type_3_type_1 = PromptCacheOptionsTtlType3Type1(data)

                return ttl_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | PromptCacheOptionsTtlType1
                | PromptCacheOptionsTtlType2Type1
                | PromptCacheOptionsTtlType3Type1
                | Unset,
                data,
            )

        ttl = _parse_ttl(d.pop("ttl", UNSET))

        def _parse_prewarm(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        prewarm = _parse_prewarm(d.pop("prewarm", UNSET))

        def _parse_comparison_response_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        comparison_response_id = _parse_comparison_response_id(
            d.pop("comparison_response_id", UNSET)
        )

        prompt_cache_options = cls(
            mode=mode,
            ttl=ttl,
            prewarm=prewarm,
            comparison_response_id=comparison_response_id,
        )

        prompt_cache_options.additional_properties = d
        return prompt_cache_options

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
