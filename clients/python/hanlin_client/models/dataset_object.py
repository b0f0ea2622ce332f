from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.dataset_object_status import DatasetObjectStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dataset_error import DatasetError
    from ..models.dataset_object_overrides import DatasetObjectOverrides
    from ..models.dataset_report import DatasetReport


T = TypeVar("T", bound="DatasetObject")


@_attrs_define
class DatasetObject:
    """
    Attributes:
        id (str):
        created_at (int):
        pipeline (str):
        input_file_id (str):
        overrides (DatasetObjectOverrides):
        status (DatasetObjectStatus):
        progress (float):
        attempts (int):
        object_ (Literal['dataset'] | Unset):  Default: 'dataset'.
        started_at (int | None | Unset):
        finished_at (int | None | Unset):
        report (DatasetReport | None | Unset):
        cleaned_file_id (None | str | Unset):
        rejected_file_id (None | str | Unset):
        error (DatasetError | None | Unset):
    """

    id: str
    created_at: int
    pipeline: str
    input_file_id: str
    overrides: DatasetObjectOverrides
    status: DatasetObjectStatus
    progress: float
    attempts: int
    object_: Literal["dataset"] | Unset = "dataset"
    started_at: int | None | Unset = UNSET
    finished_at: int | None | Unset = UNSET
    report: DatasetReport | None | Unset = UNSET
    cleaned_file_id: None | str | Unset = UNSET
    rejected_file_id: None | str | Unset = UNSET
    error: DatasetError | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.dataset_error import DatasetError  # noqa: PLC0415
        from ..models.dataset_report import DatasetReport  # noqa: PLC0415

        id = self.id

        created_at = self.created_at

        pipeline = self.pipeline

        input_file_id = self.input_file_id

        overrides = self.overrides.to_dict()

        status = self.status.value

        progress = self.progress

        attempts = self.attempts

        object_ = self.object_

        started_at: int | None | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        else:
            started_at = self.started_at

        finished_at: int | None | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        else:
            finished_at = self.finished_at

        report: dict[str, Any] | None | Unset
        if isinstance(self.report, Unset):
            report = UNSET
        elif isinstance(self.report, DatasetReport):
            report = self.report.to_dict()
        else:
            report = self.report

        cleaned_file_id: None | str | Unset
        if isinstance(self.cleaned_file_id, Unset):
            cleaned_file_id = UNSET
        else:
            cleaned_file_id = self.cleaned_file_id

        rejected_file_id: None | str | Unset
        if isinstance(self.rejected_file_id, Unset):
            rejected_file_id = UNSET
        else:
            rejected_file_id = self.rejected_file_id

        error: dict[str, Any] | None | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, DatasetError):
            error = self.error.to_dict()
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "created_at": created_at,
                "pipeline": pipeline,
                "input_file_id": input_file_id,
                "overrides": overrides,
                "status": status,
                "progress": progress,
                "attempts": attempts,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if report is not UNSET:
            field_dict["report"] = report
        if cleaned_file_id is not UNSET:
            field_dict["cleaned_file_id"] = cleaned_file_id
        if rejected_file_id is not UNSET:
            field_dict["rejected_file_id"] = rejected_file_id
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dataset_error import DatasetError  # noqa: PLC0415
        from ..models.dataset_object_overrides import DatasetObjectOverrides  # noqa: PLC0415
        from ..models.dataset_report import DatasetReport  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        created_at = d.pop("created_at")

        pipeline = d.pop("pipeline")

        input_file_id = d.pop("input_file_id")

        overrides = DatasetObjectOverrides.from_dict(d.pop("overrides"))

        status = DatasetObjectStatus(d.pop("status"))

        progress = d.pop("progress")

        attempts = d.pop("attempts")

        object_ = cast(Literal["dataset"] | Unset, d.pop("object", UNSET))
        if object_ != "dataset" and not isinstance(object_, Unset):
            raise ValueError(f"object must match const 'dataset', got '{object_}'")

        def _parse_started_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        def _parse_finished_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        def _parse_report(data: object) -> DatasetReport | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                report_type_0 = DatasetReport.from_dict(data)

                return report_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DatasetReport | None | Unset, data)

        report = _parse_report(d.pop("report", UNSET))

        def _parse_cleaned_file_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cleaned_file_id = _parse_cleaned_file_id(d.pop("cleaned_file_id", UNSET))

        def _parse_rejected_file_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        rejected_file_id = _parse_rejected_file_id(d.pop("rejected_file_id", UNSET))

        def _parse_error(data: object) -> DatasetError | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = DatasetError.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DatasetError | None | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        dataset_object = cls(
            id=id,
            created_at=created_at,
            pipeline=pipeline,
            input_file_id=input_file_id,
            overrides=overrides,
            status=status,
            progress=progress,
            attempts=attempts,
            object_=object_,
            started_at=started_at,
            finished_at=finished_at,
            report=report,
            cleaned_file_id=cleaned_file_id,
            rejected_file_id=rejected_file_id,
            error=error,
        )

        dataset_object.additional_properties = d
        return dataset_object

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
