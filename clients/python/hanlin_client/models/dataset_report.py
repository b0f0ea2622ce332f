from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.dataset_report_settings import DatasetReportSettings
    from ..models.step_report import StepReport


T = TypeVar("T", bound="DatasetReport")


@_attrs_define
class DatasetReport:
    """
    Attributes:
        lines (int):
        kept (int):
        rejected (int):
        blank_lines (int):
        steps (list[StepReport]):
        settings (DatasetReportSettings):
        workers (int):
        seconds (float):
    """

    lines: int
    kept: int
    rejected: int
    blank_lines: int
    steps: list[StepReport]
    settings: DatasetReportSettings
    workers: int
    seconds: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        lines = self.lines

        kept = self.kept

        rejected = self.rejected

        blank_lines = self.blank_lines

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        settings = self.settings.to_dict()

        workers = self.workers

        seconds = self.seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "lines": lines,
                "kept": kept,
                "rejected": rejected,
                "blank_lines": blank_lines,
                "steps": steps,
                "settings": settings,
                "workers": workers,
                "seconds": seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dataset_report_settings import DatasetReportSettings  # noqa: PLC0415
        from ..models.step_report import StepReport  # noqa: PLC0415

        d = dict(src_dict)
        lines = d.pop("lines")

        kept = d.pop("kept")

        rejected = d.pop("rejected")

        blank_lines = d.pop("blank_lines")

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = StepReport.from_dict(steps_item_data)

            steps.append(steps_item)

        settings = DatasetReportSettings.from_dict(d.pop("settings"))

        workers = d.pop("workers")

        seconds = d.pop("seconds")

        dataset_report = cls(
            lines=lines,
            kept=kept,
            rejected=rejected,
            blank_lines=blank_lines,
            steps=steps,
            settings=settings,
            workers=workers,
            seconds=seconds,
        )

        dataset_report.additional_properties = d
        return dataset_report

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
