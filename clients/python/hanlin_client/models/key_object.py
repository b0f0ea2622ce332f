from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="KeyObject")


@_attrs_define
class KeyObject:
    """
    Attributes:
        id (str):
        name (str):
        scope (str):
        prefix (str):
        created_at (int):
        revoked_at (int | None):
        last_used_at (int | None):
        object_ (Literal['api_key'] | Unset):  Default: 'api_key'.
        key (None | str | Unset):
    """

    id: str
    name: str
    scope: str
    prefix: str
    created_at: int
    revoked_at: int | None
    last_used_at: int | None
    object_: Literal["api_key"] | Unset = "api_key"
    key: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        scope = self.scope

        prefix = self.prefix

        created_at = self.created_at

        revoked_at: int | None
        revoked_at = self.revoked_at

        last_used_at: int | None
        last_used_at = self.last_used_at

        object_ = self.object_

        key: None | str | Unset
        if isinstance(self.key, Unset):
            key = UNSET
        else:
            key = self.key

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "scope": scope,
                "prefix": prefix,
                "created_at": created_at,
                "revoked_at": revoked_at,
                "last_used_at": last_used_at,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_
        if key is not UNSET:
            field_dict["key"] = key

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        scope = d.pop("scope")

        prefix = d.pop("prefix")

        created_at = d.pop("created_at")

        def _parse_revoked_at(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        revoked_at = _parse_revoked_at(d.pop("revoked_at"))

        def _parse_last_used_at(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at"))

        object_ = cast(Literal["api_key"] | Unset, d.pop("object", UNSET))
        if object_ != "api_key" and not isinstance(object_, Unset):
            raise ValueError(f"object must match const 'api_key', got '{object_}'")

        def _parse_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        key = _parse_key(d.pop("key", UNSET))

        key_object = cls(
            id=id,
            name=name,
            scope=scope,
            prefix=prefix,
            created_at=created_at,
            revoked_at=revoked_at,
            last_used_at=last_used_at,
            object_=object_,
            key=key,
        )

        key_object.additional_properties = d
        return key_object

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
