from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.step_report_changes import StepReportChanges
    from ..models.step_report_reasons import StepReportReasons


T = TypeVar("T", bound="StepReport")


@_attrs_define
class StepReport:
    """
    Attributes:
        name (str):
        kind (str):
        docs_in (int):
        kept (int):
        removed (int):
        changed (int | Unset):  Default: 0.
        changes (StepReportChanges | Unset):
        reasons (StepReportReasons | Unset):
    """

    name: str
    kind: str
    docs_in: int
    kept: int
    removed: int
    changed: int | Unset = 0
    changes: StepReportChanges | Unset = UNSET
    reasons: StepReportReasons | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        kind = self.kind

        docs_in = self.docs_in

        kept = self.kept

        removed = self.removed

        changed = self.changed

        changes: dict[str, Any] | Unset = UNSET
        if not isinstance(self.changes, Unset):
            changes = self.changes.to_dict()

        reasons: dict[str, Any] | Unset = UNSET
        if not isinstance(self.reasons, Unset):
            reasons = self.reasons.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "kind": kind,
                "docs_in": docs_in,
                "kept": kept,
                "removed": removed,
            }
        )
        if changed is not UNSET:
            field_dict["changed"] = changed
        if changes is not UNSET:
            field_dict["changes"] = changes
        if reasons is not UNSET:
            field_dict["reasons"] = reasons

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.step_report_changes import StepReportChanges  # noqa: PLC0415
        from ..models.step_report_reasons import StepReportReasons  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        kind = d.pop("kind")

        docs_in = d.pop("docs_in")

        kept = d.pop("kept")

        removed = d.pop("removed")

        changed = d.pop("changed", UNSET)

        _changes = d.pop("changes", UNSET)
        changes: StepReportChanges | Unset
        if isinstance(_changes, Unset):
            changes = UNSET
        else:
            changes = StepReportChanges.from_dict(_changes)

        _reasons = d.pop("reasons", UNSET)
        reasons: StepReportReasons | Unset
        if isinstance(_reasons, Unset):
            reasons = UNSET
        else:
            reasons = StepReportReasons.from_dict(_reasons)

        step_report = cls(
            name=name,
            kind=kind,
            docs_in=docs_in,
            kept=kept,
            removed=removed,
            changed=changed,
            changes=changes,
            reasons=reasons,
        )

        step_report.additional_properties = d
        return step_report

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
