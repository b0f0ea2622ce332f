from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.container_auto_memory_limit_type_1 import ContainerAutoMemoryLimitType1
from ..models.container_auto_memory_limit_type_2_type_1 import ContainerAutoMemoryLimitType2Type1
from ..models.container_auto_memory_limit_type_3_type_1 import ContainerAutoMemoryLimitType3Type1
from ..types import UNSET, Unset

T = TypeVar("T", bound="ContainerAuto")


@_attrs_define
class ContainerAuto:
    """
    Attributes:
        type_ (Literal['auto']):
        file_ids (list[str] | None | Unset):
        memory_limit (ContainerAutoMemoryLimitType1 | ContainerAutoMemoryLimitType2Type1 |
            ContainerAutoMemoryLimitType3Type1 | None | Unset):
    """

    type_: Literal["auto"]
    file_ids: list[str] | None | Unset = UNSET
    memory_limit: (
        ContainerAutoMemoryLimitType1
        | ContainerAutoMemoryLimitType2Type1
        | ContainerAutoMemoryLimitType3Type1
        | None
        | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        file_ids: list[str] | None | Unset
        if isinstance(self.file_ids, Unset):
            file_ids = UNSET
        elif isinstance(self.file_ids, list):
            file_ids = self.file_ids

        else:
            file_ids = self.file_ids

        memory_limit: None | str | Unset
        if isinstance(self.memory_limit, Unset):
            memory_limit = UNSET
        elif isinstance(self.memory_limit, ContainerAutoMemoryLimitType1):
            memory_limit = self.memory_limit.value
        elif isinstance(self.memory_limit, ContainerAutoMemoryLimitType2Type1):
            memory_limit = self.memory_limit.value
        elif isinstance(self.memory_limit, ContainerAutoMemoryLimitType3Type1):
            memory_limit = self.memory_limit.value
        else:
            memory_limit = self.memory_limit

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if file_ids is not UNSET:
            field_dict["file_ids"] = file_ids
        if memory_limit is not UNSET:
            field_dict["memory_limit"] = memory_limit

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["auto"], d.pop("type"))
        if type_ != "auto":
            raise ValueError(f"type must match const 'auto', got '{type_}'")

        def _parse_file_ids(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                file_ids_type_0 = cast(list[str], data)

                return file_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        file_ids = _parse_file_ids(d.pop("file_ids", UNSET))

        def _parse_memory_limit(
            data: object,
        ) -> (
            ContainerAutoMemoryLimitType1
            | ContainerAutoMemoryLimitType2Type1
            | ContainerAutoMemoryLimitType3Type1
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
                memory_limit_type_1 = ContainerAutoMemoryLimitType1(data)

                return memory_limit_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                memory_limit_type_2_type_1 = ContainerAutoMemoryLimitType2Type1(data)

                return memory_limit_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                memory_limit_type_3_type_1 = ContainerAutoMemoryLimitType3Type1(data)

                return memory_limit_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                ContainerAutoMemoryLimitType1
                | ContainerAutoMemoryLimitType2Type1
                | ContainerAutoMemoryLimitType3Type1
                | None
                | Unset,
                data,
            )

        memory_limit = _parse_memory_limit(d.pop("memory_limit", UNSET))

        container_auto = cls(
            type_=type_,
            file_ids=file_ids,
            memory_limit=memory_limit,
        )

        container_auto.additional_properties = d
        return container_auto

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
