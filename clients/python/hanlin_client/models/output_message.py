from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.output_message_status import OutputMessageStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.output_text import OutputText


T = TypeVar("T", bound="OutputMessage")


@_attrs_define
class OutputMessage:
    """
    Attributes:
        id (str):
        status (OutputMessageStatus):
        content (list[OutputText]):
        type_ (Literal['message']):
        role (Literal['assistant'] | Unset):  Default: 'assistant'.
    """

    id: str
    status: OutputMessageStatus
    content: list[OutputText]
    type_: Literal["message"]
    role: Literal["assistant"] | Unset = "assistant"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status = self.status.value

        content = []
        for content_item_data in self.content:
            content_item = content_item_data.to_dict()
            content.append(content_item)

        type_ = self.type_

        role = self.role

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "content": content,
                "type": type_,
            }
        )
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.output_text import OutputText  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        status = OutputMessageStatus(d.pop("status"))

        content = []
        _content = d.pop("content")
        for content_item_data in _content:
            content_item = OutputText.from_dict(content_item_data)

            content.append(content_item)

        type_ = cast(Literal["message"], d.pop("type"))
        if type_ != "message":
            raise ValueError(f"type must match const 'message', got '{type_}'")

        role = cast(Literal["assistant"] | Unset, d.pop("role", UNSET))
        if role != "assistant" and not isinstance(role, Unset):
            raise ValueError(f"role must match const 'assistant', got '{role}'")

        output_message = cls(
            id=id,
            status=status,
            content=content,
            type_=type_,
            role=role,
        )

        output_message.additional_properties = d
        return output_message

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
