from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.access_programs_cyber_type_1 import AccessProgramsCyberType1
from ..models.access_programs_cyber_type_2_type_1 import AccessProgramsCyberType2Type1
from ..models.access_programs_cyber_type_3_type_1 import AccessProgramsCyberType3Type1
from ..types import UNSET, Unset

T = TypeVar("T", bound="AccessPrograms")


@_attrs_define
class AccessPrograms:
    """
    Attributes:
        cyber (AccessProgramsCyberType1 | AccessProgramsCyberType2Type1 | AccessProgramsCyberType3Type1 | None | Unset):
    """

    cyber: (
        AccessProgramsCyberType1
        | AccessProgramsCyberType2Type1
        | AccessProgramsCyberType3Type1
        | None
        | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cyber: None | str | Unset
        if isinstance(self.cyber, Unset):
            cyber = UNSET
        elif isinstance(self.cyber, AccessProgramsCyberType1):
            cyber = self.cyber.value
        elif isinstance(self.cyber, AccessProgramsCyberType2Type1):
            cyber = self.cyber.value
        elif isinstance(self.cyber, AccessProgramsCyberType3Type1):
            cyber = self.cyber.value
        else:
            cyber = self.cyber

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if cyber is not UNSET:
            field_dict["cyber"] = cyber

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_cyber(
            data: object,
        ) -> (
            AccessProgramsCyberType1
            | AccessProgramsCyberType2Type1
            | AccessProgramsCyberType3Type1
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
                cyber_type_1 = AccessProgramsCyberType1(data)

                return cyber_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                cyber_type_2_type_1 = AccessProgramsCyberType2Type1(data)

                return cyber_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                cyber_type_3_type_1 = AccessProgramsCyberType3Type1(data)

                return cyber_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                AccessProgramsCyberType1
                | AccessProgramsCyberType2Type1
                | AccessProgramsCyberType3Type1
                | None
                | Unset,
                data,
            )

        cyber = _parse_cyber(d.pop("cyber", UNSET))

        access_programs = cls(
            cyber=cyber,
        )

        access_programs.additional_properties = d
        return access_programs

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
