from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.background_options_completion_window_type_1 import (
    BackgroundOptionsCompletionWindowType1,
)
from ..models.background_options_completion_window_type_2_type_1 import (
    BackgroundOptionsCompletionWindowType2Type1,
)
from ..models.background_options_completion_window_type_3_type_1 import (
    BackgroundOptionsCompletionWindowType3Type1,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="BackgroundOptions")


@_attrs_define
class BackgroundOptions:
    """
    Attributes:
        completion_window (BackgroundOptionsCompletionWindowType1 | BackgroundOptionsCompletionWindowType2Type1 |
            BackgroundOptionsCompletionWindowType3Type1 | None | Unset):
        continuation_id (None | str | Unset):
    """

    completion_window: (
        BackgroundOptionsCompletionWindowType1
        | BackgroundOptionsCompletionWindowType2Type1
        | BackgroundOptionsCompletionWindowType3Type1
        | None
        | Unset
    ) = UNSET
    continuation_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        completion_window: None | str | Unset
        if isinstance(self.completion_window, Unset):
            completion_window = UNSET
        elif isinstance(self.completion_window, BackgroundOptionsCompletionWindowType1):
            completion_window = self.completion_window.value
        elif isinstance(self.completion_window, BackgroundOptionsCompletionWindowType2Type1):
            completion_window = self.completion_window.value
        elif isinstance(self.completion_window, BackgroundOptionsCompletionWindowType3Type1):
            completion_window = self.completion_window.value
        else:
            completion_window = self.completion_window

        continuation_id: None | str | Unset
        if isinstance(self.continuation_id, Unset):
            continuation_id = UNSET
        else:
            continuation_id = self.continuation_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if completion_window is not UNSET:
            field_dict["completion_window"] = completion_window
        if continuation_id is not UNSET:
            field_dict["continuation_id"] = continuation_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_completion_window(
            data: object,
        ) -> (
            BackgroundOptionsCompletionWindowType1
            | BackgroundOptionsCompletionWindowType2Type1
            | BackgroundOptionsCompletionWindowType3Type1
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
                completion_window_type_1 = BackgroundOptionsCompletionWindowType1(data)

                return completion_window_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completion_window_type_2_type_1 = BackgroundOptionsCompletionWindowType2Type1(data)

                return completion_window_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completion_window_type_3_type_1 = BackgroundOptionsCompletionWindowType3Type1(data)

                return completion_window_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                BackgroundOptionsCompletionWindowType1
                | BackgroundOptionsCompletionWindowType2Type1
                | BackgroundOptionsCompletionWindowType3Type1
                | None
                | Unset,
                data,
            )

        completion_window = _parse_completion_window(d.pop("completion_window", UNSET))

        def _parse_continuation_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        continuation_id = _parse_continuation_id(d.pop("continuation_id", UNSET))

        background_options = cls(
            completion_window=completion_window,
            continuation_id=continuation_id,
        )

        background_options.additional_properties = d
        return background_options

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
