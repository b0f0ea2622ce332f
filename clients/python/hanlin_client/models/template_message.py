from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.template_message_role import TemplateMessageRole
from ..models.template_message_type_type_1 import TemplateMessageTypeType1
from ..models.template_message_type_type_2_type_1 import TemplateMessageTypeType2Type1
from ..models.template_message_type_type_3_type_1 import TemplateMessageTypeType3Type1
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.template_input_text import TemplateInputText
    from ..models.template_output_text import TemplateOutputText


T = TypeVar("T", bound="TemplateMessage")


@_attrs_define
class TemplateMessage:
    """
    Attributes:
        role (TemplateMessageRole):
        content (list[TemplateInputText | TemplateOutputText] | str | TemplateInputText | TemplateOutputText):
        type_ (None | TemplateMessageTypeType1 | TemplateMessageTypeType2Type1 | TemplateMessageTypeType3Type1 | Unset):
    """

    role: TemplateMessageRole
    content: (
        list[TemplateInputText | TemplateOutputText] | str | TemplateInputText | TemplateOutputText
    )
    type_: (
        None
        | TemplateMessageTypeType1
        | TemplateMessageTypeType2Type1
        | TemplateMessageTypeType3Type1
        | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.template_input_text import TemplateInputText  # noqa: PLC0415
        from ..models.template_output_text import TemplateOutputText  # noqa: PLC0415

        role = self.role.value

        content: dict[str, Any] | list[dict[str, Any]] | str
        if isinstance(self.content, TemplateInputText):
            content = self.content.to_dict()
        elif isinstance(self.content, TemplateOutputText):
            content = self.content.to_dict()
        elif isinstance(self.content, list):
            content = []
            for content_type_3_item_data in self.content:
                content_type_3_item: dict[str, Any]
                if isinstance(content_type_3_item_data, TemplateInputText):
                    content_type_3_item = content_type_3_item_data.to_dict()
                else:
                    content_type_3_item = content_type_3_item_data.to_dict()

                content.append(content_type_3_item)

        else:
            content = self.content

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        elif isinstance(self.type_, TemplateMessageTypeType1):
            type_ = self.type_.value
        elif isinstance(self.type_, TemplateMessageTypeType2Type1):
            type_ = self.type_.value
        elif isinstance(self.type_, TemplateMessageTypeType3Type1):
            type_ = self.type_.value
        else:
            type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "role": role,
                "content": content,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.template_input_text import TemplateInputText  # noqa: PLC0415
        from ..models.template_output_text import TemplateOutputText  # noqa: PLC0415

        d = dict(src_dict)
        role = TemplateMessageRole(d.pop("role"))

        def _parse_content(
            data: object,
        ) -> (
            list[TemplateInputText | TemplateOutputText]
            | str
            | TemplateInputText
            | TemplateOutputText
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                content_type_1 = TemplateInputText.from_dict(data)

                return content_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                content_type_2 = TemplateOutputText.from_dict(data)

                return content_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, list):
                    raise TypeError()
                content_type_3 = []
                _content_type_3 = data
                for content_type_3_item_data in _content_type_3:

                    def _parse_content_type_3_item(
                        data: object,
                    ) -> TemplateInputText | TemplateOutputText:
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            content_type_3_item_type_0 = TemplateInputText.from_dict(data)

                            return content_type_3_item_type_0
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        if not isinstance(data, dict):
                            raise TypeError()
                        content_type_3_item_type_1 = TemplateOutputText.from_dict(data)

                        return content_type_3_item_type_1

                    content_type_3_item = _parse_content_type_3_item(content_type_3_item_data)

                    content_type_3.append(content_type_3_item)

                return content_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                list[TemplateInputText | TemplateOutputText]
                | str
                | TemplateInputText
                | TemplateOutputText,
                data,
            )

        content = _parse_content(d.pop("content"))

        def _parse_type_(
            data: object,
        ) -> (
            None
            | TemplateMessageTypeType1
            | TemplateMessageTypeType2Type1
            | TemplateMessageTypeType3Type1
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_1 = TemplateMessageTypeType1(data)

                return type_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_2_type_1 = TemplateMessageTypeType2Type1(data)

                return type_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_3_type_1 = TemplateMessageTypeType3Type1(data)

                return type_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | TemplateMessageTypeType1
                | TemplateMessageTypeType2Type1
                | TemplateMessageTypeType3Type1
                | Unset,
                data,
            )

        type_ = _parse_type_(d.pop("type", UNSET))

        template_message = cls(
            role=role,
            content=content,
            type_=type_,
        )

        template_message.additional_properties = d
        return template_message

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
