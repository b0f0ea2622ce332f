from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.benchmark_object_mode import BenchmarkObjectMode
from ..models.benchmark_object_style import BenchmarkObjectStyle
from ..types import UNSET, Unset

T = TypeVar("T", bound="BenchmarkObject")


@_attrs_define
class BenchmarkObject:
    """
    Attributes:
        id (str):
        description (str):
        mode (BenchmarkObjectMode):
        style (BenchmarkObjectStyle):
        metrics (list[str]):
        items (int | None):
        object_ (Literal['benchmark'] | Unset):  Default: 'benchmark'.
    """

    id: str
    description: str
    mode: BenchmarkObjectMode
    style: BenchmarkObjectStyle
    metrics: list[str]
    items: int | None
    object_: Literal["benchmark"] | Unset = "benchmark"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        description = self.description

        mode = self.mode.value

        style = self.style.value

        metrics = self.metrics

        items: int | None
        items = self.items

        object_ = self.object_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "description": description,
                "mode": mode,
                "style": style,
                "metrics": metrics,
                "items": items,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        description = d.pop("description")

        mode = BenchmarkObjectMode(d.pop("mode"))

        style = BenchmarkObjectStyle(d.pop("style"))

        metrics = cast(list[str], d.pop("metrics"))

        def _parse_items(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        items = _parse_items(d.pop("items"))

        object_ = cast(Literal["benchmark"] | Unset, d.pop("object", UNSET))
        if object_ != "benchmark" and not isinstance(object_, Unset):
            raise ValueError(f"object must match const 'benchmark', got '{object_}'")

        benchmark_object = cls(
            id=id,
            description=description,
            mode=mode,
            style=style,
            metrics=metrics,
            items=items,
            object_=object_,
        )

        benchmark_object.additional_properties = d
        return benchmark_object

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
