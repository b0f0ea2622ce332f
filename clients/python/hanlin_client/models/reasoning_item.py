from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.reasoning_item_status import ReasoningItemStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.reasoning_item_summary_item import ReasoningItemSummaryItem
    from ..models.reasoning_text import ReasoningText


T = TypeVar("T", bound="ReasoningItem")


@_attrs_define
class ReasoningItem:
    """
    Attributes:
        id (str):
        content (list[ReasoningText]):
        status (ReasoningItemStatus):
        type_ (Literal['reasoning']):
        summary (list[ReasoningItemSummaryItem] | Unset):
    """

    id: str
    content: list[ReasoningText]
    status: ReasoningItemStatus
    type_: Literal["reasoning"]
    summary: list[ReasoningItemSummaryItem] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        content = []
        for content_item_data in self.content:
            content_item = content_item_data.to_dict()
            content.append(content_item)

        status = self.status.value

        type_ = self.type_

        summary: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.summary, Unset):
            summary = []
            for summary_item_data in self.summary:
                summary_item = summary_item_data.to_dict()
                summary.append(summary_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "content": content,
                "status": status,
                "type": type_,
            }
        )
        if summary is not UNSET:
            field_dict["summary"] = summary

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.reasoning_item_summary_item import ReasoningItemSummaryItem  # noqa: PLC0415
        from ..models.reasoning_text import ReasoningText  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        content = []
        _content = d.pop("content")
        for content_item_data in _content:
            content_item = ReasoningText.from_dict(content_item_data)

            content.append(content_item)

        status = ReasoningItemStatus(d.pop("status"))

        type_ = cast(Literal["reasoning"], d.pop("type"))
        if type_ != "reasoning":
            raise ValueError(f"type must match const 'reasoning', got '{type_}'")

        _summary = d.pop("summary", UNSET)
        summary: list[ReasoningItemSummaryItem] | Unset = UNSET
        if _summary is not UNSET:
            summary = []
            for summary_item_data in _summary:
                summary_item = ReasoningItemSummaryItem.from_dict(summary_item_data)

                summary.append(summary_item)

        reasoning_item = cls(
            id=id,
            content=content,
            status=status,
            type_=type_,
            summary=summary,
        )

        reasoning_item.additional_properties = d
        return reasoning_item

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
