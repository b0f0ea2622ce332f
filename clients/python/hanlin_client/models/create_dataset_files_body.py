from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.create_dataset_files_body_pipeline import CreateDatasetFilesBodyPipeline
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="CreateDatasetFilesBody")


@_attrs_define
class CreateDatasetFilesBody:
    """
    Attributes:
        file (File):
        pipeline (CreateDatasetFilesBodyPipeline | Unset):  Default: CreateDatasetFilesBodyPipeline.CHAT.
        purpose (str | Unset):
        overrides (str | Unset): the overrides object as JSON
    """

    file: File
    pipeline: CreateDatasetFilesBodyPipeline | Unset = CreateDatasetFilesBodyPipeline.CHAT
    purpose: str | Unset = UNSET
    overrides: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        pipeline: str | Unset = UNSET
        if not isinstance(self.pipeline, Unset):
            pipeline = self.pipeline.value

        purpose = self.purpose

        overrides = self.overrides

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
            }
        )
        if pipeline is not UNSET:
            field_dict["pipeline"] = pipeline
        if purpose is not UNSET:
            field_dict["purpose"] = purpose
        if overrides is not UNSET:
            field_dict["overrides"] = overrides

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        if not isinstance(self.pipeline, Unset):
            files.append(("pipeline", (None, str(self.pipeline.value).encode(), "text/plain")))

        if not isinstance(self.purpose, Unset):
            files.append(("purpose", (None, str(self.purpose).encode(), "text/plain")))

        if not isinstance(self.overrides, Unset):
            files.append(("overrides", (None, str(self.overrides).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        _pipeline = d.pop("pipeline", UNSET)
        pipeline: CreateDatasetFilesBodyPipeline | Unset
        if isinstance(_pipeline, Unset):
            pipeline = UNSET
        else:
            pipeline = CreateDatasetFilesBodyPipeline(_pipeline)

        purpose = d.pop("purpose", UNSET)

        overrides = d.pop("overrides", UNSET)

        create_dataset_files_body = cls(
            file=file,
            pipeline=pipeline,
            purpose=purpose,
            overrides=overrides,
        )

        create_dataset_files_body.additional_properties = d
        return create_dataset_files_body

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
