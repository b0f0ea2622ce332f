from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="MetricValue")


@_attrs_define
class MetricValue:
    """
    Attributes:
        name (str):
        value (float):
        stderr (float | None):
        n (int):
        stderr_method (str | Unset):  Default: 'mean'.
    """

    name: str
    value: float
    stderr: float | None
    n: int
    stderr_method: str | Unset = "mean"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        value = self.value

        stderr: float | None
        stderr = self.stderr

        n = self.n

        stderr_method = self.stderr_method

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "value": value,
                "stderr": stderr,
                "n": n,
            }
        )
        if stderr_method is not UNSET:
            field_dict["stderr_method"] = stderr_method

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        value = d.pop("value")

        def _parse_stderr(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        stderr = _parse_stderr(d.pop("stderr"))

        n = d.pop("n")

        stderr_method = d.pop("stderr_method", UNSET)

        metric_value = cls(
            name=name,
            value=value,
            stderr=stderr,
            n=n,
            stderr_method=stderr_method,
        )

        metric_value.additional_properties = d
        return metric_value

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
