from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.produced_file import ProducedFile


T = TypeVar("T", bound="InvokeResult")


@_attrs_define
class InvokeResult:
    """
    Attributes:
        name (str):
        output (str):
        is_error (bool):
        duration_s (float):
        files (list[ProducedFile]):
        object_ (str | Unset):  Default: 'tool.invocation'.
    """

    name: str
    output: str
    is_error: bool
    duration_s: float
    files: list[ProducedFile]
    object_: str | Unset = "tool.invocation"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        output = self.output

        is_error = self.is_error

        duration_s = self.duration_s

        files = []
        for files_item_data in self.files:
            files_item = files_item_data.to_dict()
            files.append(files_item)

        object_ = self.object_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "output": output,
                "is_error": is_error,
                "duration_s": duration_s,
                "files": files,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.produced_file import ProducedFile  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        output = d.pop("output")

        is_error = d.pop("is_error")

        duration_s = d.pop("duration_s")

        files = []
        _files = d.pop("files")
        for files_item_data in _files:
            files_item = ProducedFile.from_dict(files_item_data)

            files.append(files_item)

        object_ = d.pop("object", UNSET)

        invoke_result = cls(
            name=name,
            output=output,
            is_error=is_error,
            duration_s=duration_s,
            files=files,
            object_=object_,
        )

        invoke_result.additional_properties = d
        return invoke_result

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
