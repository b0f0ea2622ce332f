from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_object_level import EventObjectLevel
from ..models.event_object_type import EventObjectType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.event_object_data_type_0 import EventObjectDataType0


T = TypeVar("T", bound="EventObject")


@_attrs_define
class EventObject:
    """
    Attributes:
        id (str):
        created_at (int):
        level (EventObjectLevel):
        message (str):
        type_ (EventObjectType):
        object_ (Literal['fine_tuning.job.event'] | Unset):  Default: 'fine_tuning.job.event'.
        data (EventObjectDataType0 | None | Unset):
    """

    id: str
    created_at: int
    level: EventObjectLevel
    message: str
    type_: EventObjectType
    object_: Literal["fine_tuning.job.event"] | Unset = "fine_tuning.job.event"
    data: EventObjectDataType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.event_object_data_type_0 import EventObjectDataType0  # noqa: PLC0415

        id = self.id

        created_at = self.created_at

        level = self.level.value

        message = self.message

        type_ = self.type_.value

        object_ = self.object_

        data: dict[str, Any] | None | Unset
        if isinstance(self.data, Unset):
            data = UNSET
        elif isinstance(self.data, EventObjectDataType0):
            data = self.data.to_dict()
        else:
            data = self.data

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "created_at": created_at,
                "level": level,
                "message": message,
                "type": type_,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_
        if data is not UNSET:
            field_dict["data"] = data

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_object_data_type_0 import EventObjectDataType0  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        created_at = d.pop("created_at")

        level = EventObjectLevel(d.pop("level"))

        message = d.pop("message")

        type_ = EventObjectType(d.pop("type"))

        object_ = cast(Literal["fine_tuning.job.event"] | Unset, d.pop("object", UNSET))
        if object_ != "fine_tuning.job.event" and not isinstance(object_, Unset):
            raise ValueError(f"object must match const 'fine_tuning.job.event', got '{object_}'")

        def _parse_data(data: object) -> EventObjectDataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                data_type_0 = EventObjectDataType0.from_dict(data)

                return data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventObjectDataType0 | None | Unset, data)

        data = _parse_data(d.pop("data", UNSET))

        event_object = cls(
            id=id,
            created_at=created_at,
            level=level,
            message=message,
            type_=type_,
            object_=object_,
            data=data,
        )

        event_object.additional_properties = d
        return event_object

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
