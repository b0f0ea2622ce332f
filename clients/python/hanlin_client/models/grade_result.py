from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.grade_result_sample_type_0 import GradeResultSampleType0


T = TypeVar("T", bound="GradeResult")


@_attrs_define
class GradeResult:
    """
    Attributes:
        name (str):
        type_ (str):
        passed (bool):
        score (float | None):
        sample (GradeResultSampleType0 | None | Unset):
        error (None | str | Unset):
    """

    name: str
    type_: str
    passed: bool
    score: float | None
    sample: GradeResultSampleType0 | None | Unset = UNSET
    error: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.grade_result_sample_type_0 import GradeResultSampleType0  # noqa: PLC0415

        name = self.name

        type_ = self.type_

        passed = self.passed

        score: float | None
        score = self.score

        sample: dict[str, Any] | None | Unset
        if isinstance(self.sample, Unset):
            sample = UNSET
        elif isinstance(self.sample, GradeResultSampleType0):
            sample = self.sample.to_dict()
        else:
            sample = self.sample

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "type": type_,
                "passed": passed,
                "score": score,
            }
        )
        if sample is not UNSET:
            field_dict["sample"] = sample
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.grade_result_sample_type_0 import GradeResultSampleType0  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        type_ = d.pop("type")

        passed = d.pop("passed")

        def _parse_score(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        score = _parse_score(d.pop("score"))

        def _parse_sample(data: object) -> GradeResultSampleType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                sample_type_0 = GradeResultSampleType0.from_dict(data)

                return sample_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(GradeResultSampleType0 | None | Unset, data)

        sample = _parse_sample(d.pop("sample", UNSET))

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        grade_result = cls(
            name=name,
            type_=type_,
            passed=passed,
            score=score,
            sample=sample,
            error=error,
        )

        grade_result.additional_properties = d
        return grade_result

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
