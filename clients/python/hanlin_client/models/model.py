from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.model_visibility_type_1 import ModelVisibilityType1
from ..models.model_visibility_type_2_type_1 import ModelVisibilityType2Type1
from ..models.model_visibility_type_3_type_1 import ModelVisibilityType3Type1
from ..types import UNSET, Unset

T = TypeVar("T", bound="Model")


@_attrs_define
class Model:
    """
    Attributes:
        id (str):
        created (int):
        max_model_len (int):
        object_ (Literal['model'] | Unset):  Default: 'model'.
        owned_by (str | Unset):  Default: 'hanlin'.
        parent (None | str | Unset):
        visibility (ModelVisibilityType1 | ModelVisibilityType2Type1 | ModelVisibilityType3Type1 | None | Unset):
        loaded (bool | Unset):  Default: True.
    """

    id: str
    created: int
    max_model_len: int
    object_: Literal["model"] | Unset = "model"
    owned_by: str | Unset = "hanlin"
    parent: None | str | Unset = UNSET
    visibility: (
        ModelVisibilityType1 | ModelVisibilityType2Type1 | ModelVisibilityType3Type1 | None | Unset
    ) = UNSET
    loaded: bool | Unset = True
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        created = self.created

        max_model_len = self.max_model_len

        object_ = self.object_

        owned_by = self.owned_by

        parent: None | str | Unset
        if isinstance(self.parent, Unset):
            parent = UNSET
        else:
            parent = self.parent

        visibility: None | str | Unset
        if isinstance(self.visibility, Unset):
            visibility = UNSET
        elif isinstance(self.visibility, ModelVisibilityType1):
            visibility = self.visibility.value
        elif isinstance(self.visibility, ModelVisibilityType2Type1):
            visibility = self.visibility.value
        elif isinstance(self.visibility, ModelVisibilityType3Type1):
            visibility = self.visibility.value
        else:
            visibility = self.visibility

        loaded = self.loaded

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "created": created,
                "max_model_len": max_model_len,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_
        if owned_by is not UNSET:
            field_dict["owned_by"] = owned_by
        if parent is not UNSET:
            field_dict["parent"] = parent
        if visibility is not UNSET:
            field_dict["visibility"] = visibility
        if loaded is not UNSET:
            field_dict["loaded"] = loaded

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        created = d.pop("created")

        max_model_len = d.pop("max_model_len")

        object_ = cast(Literal["model"] | Unset, d.pop("object", UNSET))
        if object_ != "model" and not isinstance(object_, Unset):
            raise ValueError(f"object must match const 'model', got '{object_}'")

        owned_by = d.pop("owned_by", UNSET)

        def _parse_parent(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        parent = _parse_parent(d.pop("parent", UNSET))

        def _parse_visibility(
            data: object,
        ) -> (
            ModelVisibilityType1
            | ModelVisibilityType2Type1
            | ModelVisibilityType3Type1
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
                visibility_type_1 = ModelVisibilityType1(data)

                return visibility_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                visibility_type_2_type_1 = ModelVisibilityType2Type1(data)

                return visibility_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                visibility_type_3_type_1 = ModelVisibilityType3Type1(data)

                return visibility_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                ModelVisibilityType1
                | ModelVisibilityType2Type1
                | ModelVisibilityType3Type1
                | None
                | Unset,
                data,
            )

        visibility = _parse_visibility(d.pop("visibility", UNSET))

        loaded = d.pop("loaded", UNSET)

        model = cls(
            id=id,
            created=created,
            max_model_len=max_model_len,
            object_=object_,
            owned_by=owned_by,
            parent=parent,
            visibility=visibility,
            loaded=loaded,
        )

        model.additional_properties = d
        return model

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
