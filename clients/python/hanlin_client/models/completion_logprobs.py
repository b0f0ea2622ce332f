from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.completion_logprobs_top_logprobs_item_type_0 import (
        CompletionLogprobsTopLogprobsItemType0,
    )


T = TypeVar("T", bound="CompletionLogprobs")


@_attrs_define
class CompletionLogprobs:
    """
    Attributes:
        tokens (list[str]):
        token_logprobs (list[float | None]):
        top_logprobs (list[CompletionLogprobsTopLogprobsItemType0 | None]):
        text_offset (list[int]):
    """

    tokens: list[str]
    token_logprobs: list[float | None]
    top_logprobs: list[CompletionLogprobsTopLogprobsItemType0 | None]
    text_offset: list[int]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.completion_logprobs_top_logprobs_item_type_0 import (
            CompletionLogprobsTopLogprobsItemType0,  # noqa: PLC0415
        )

        tokens = self.tokens

        token_logprobs = []
        for token_logprobs_item_data in self.token_logprobs:
            token_logprobs_item: float | None
            token_logprobs_item = token_logprobs_item_data
            token_logprobs.append(token_logprobs_item)

        top_logprobs = []
        for top_logprobs_item_data in self.top_logprobs:
            top_logprobs_item: dict[str, Any] | None
            if isinstance(top_logprobs_item_data, CompletionLogprobsTopLogprobsItemType0):
                top_logprobs_item = top_logprobs_item_data.to_dict()
            else:
                top_logprobs_item = top_logprobs_item_data
            top_logprobs.append(top_logprobs_item)

        text_offset = self.text_offset

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tokens": tokens,
                "token_logprobs": token_logprobs,
                "top_logprobs": top_logprobs,
                "text_offset": text_offset,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.completion_logprobs_top_logprobs_item_type_0 import (
            CompletionLogprobsTopLogprobsItemType0,  # noqa: PLC0415
        )

        d = dict(src_dict)
        tokens = cast(list[str], d.pop("tokens"))

        token_logprobs = []
        _token_logprobs = d.pop("token_logprobs")
        for token_logprobs_item_data in _token_logprobs:

            def _parse_token_logprobs_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            token_logprobs_item = _parse_token_logprobs_item(token_logprobs_item_data)

            token_logprobs.append(token_logprobs_item)

        top_logprobs = []
        _top_logprobs = d.pop("top_logprobs")
        for top_logprobs_item_data in _top_logprobs:

            def _parse_top_logprobs_item(
                data: object,
            ) -> CompletionLogprobsTopLogprobsItemType0 | None:
                if data is None:
                    return data
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    top_logprobs_item_type_0 = CompletionLogprobsTopLogprobsItemType0.from_dict(
                        data
                    )

                    return top_logprobs_item_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                return cast(CompletionLogprobsTopLogprobsItemType0 | None, data)

            top_logprobs_item = _parse_top_logprobs_item(top_logprobs_item_data)

            top_logprobs.append(top_logprobs_item)

        text_offset = cast(list[int], d.pop("text_offset"))

        completion_logprobs = cls(
            tokens=tokens,
            token_logprobs=token_logprobs,
            top_logprobs=top_logprobs,
            text_offset=text_offset,
        )

        completion_logprobs.additional_properties = d
        return completion_logprobs

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
