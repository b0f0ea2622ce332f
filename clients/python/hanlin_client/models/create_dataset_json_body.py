from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.create_dataset_json_body_pipeline import CreateDatasetJsonBodyPipeline
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_dataset_json_body_overrides import CreateDatasetJsonBodyOverrides


T = TypeVar("T", bound="CreateDatasetJsonBody")


@_attrs_define
class CreateDatasetJsonBody:
    """
    Attributes:
        file_id (str):
        pipeline (CreateDatasetJsonBodyPipeline | Unset):  Default: CreateDatasetJsonBodyPipeline.CHAT.
        overrides (CreateDatasetJsonBodyOverrides | Unset): Per-step settings, e.g. {"minhash_dedup": {"threshold":
            0.8}}; {"enabled": false} leaves a step out.
    """

    file_id: str
    pipeline: CreateDatasetJsonBodyPipeline | Unset = CreateDatasetJsonBodyPipeline.CHAT
    overrides: CreateDatasetJsonBodyOverrides | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file_id = self.file_id

        pipeline: str | Unset = UNSET
        if not isinstance(self.pipeline, Unset):
            pipeline = self.pipeline.value

        overrides: dict[str, Any] | Unset = UNSET
        if not isinstance(self.overrides, Unset):
            overrides = self.overrides.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file_id": file_id,
            }
        )
        if pipeline is not UNSET:
            field_dict["pipeline"] = pipeline
        if overrides is not UNSET:
            field_dict["overrides"] = overrides

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_dataset_json_body_overrides import CreateDatasetJsonBodyOverrides  # noqa: PLC0415

        d = dict(src_dict)
        file_id = d.pop("file_id")

        _pipeline = d.pop("pipeline", UNSET)
        pipeline: CreateDatasetJsonBodyPipeline | Unset
        if isinstance(_pipeline, Unset):
            pipeline = UNSET
        else:
            pipeline = CreateDatasetJsonBodyPipeline(_pipeline)

        _overrides = d.pop("overrides", UNSET)
        overrides: CreateDatasetJsonBodyOverrides | Unset
        if isinstance(_overrides, Unset):
            overrides = UNSET
        else:
            overrides = CreateDatasetJsonBodyOverrides.from_dict(_overrides)

        create_dataset_json_body = cls(
            file_id=file_id,
            pipeline=pipeline,
            overrides=overrides,
        )

        create_dataset_json_body.additional_properties = d
        return create_dataset_json_body

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
