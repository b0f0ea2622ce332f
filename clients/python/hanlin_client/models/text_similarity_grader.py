from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.text_similarity_grader_evaluation_metric import TextSimilarityGraderEvaluationMetric

T = TypeVar("T", bound="TextSimilarityGrader")


@_attrs_define
class TextSimilarityGrader:
    """
    Attributes:
        input_ (str):
        reference (str):
        evaluation_metric (TextSimilarityGraderEvaluationMetric):
        pass_threshold (float):
        name (str):
        type_ (Literal['text_similarity']):
    """

    input_: str
    reference: str
    evaluation_metric: TextSimilarityGraderEvaluationMetric
    pass_threshold: float
    name: str
    type_: Literal["text_similarity"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        input_ = self.input_

        reference = self.reference

        evaluation_metric = self.evaluation_metric.value

        pass_threshold = self.pass_threshold

        name = self.name

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "input": input_,
                "reference": reference,
                "evaluation_metric": evaluation_metric,
                "pass_threshold": pass_threshold,
                "name": name,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        input_ = d.pop("input")

        reference = d.pop("reference")

        evaluation_metric = TextSimilarityGraderEvaluationMetric(d.pop("evaluation_metric"))

        pass_threshold = d.pop("pass_threshold")

        name = d.pop("name")

        type_ = cast(Literal["text_similarity"], d.pop("type"))
        if type_ != "text_similarity":
            raise ValueError(f"type must match const 'text_similarity', got '{type_}'")

        text_similarity_grader = cls(
            input_=input_,
            reference=reference,
            evaluation_metric=evaluation_metric,
            pass_threshold=pass_threshold,
            name=name,
            type_=type_,
        )

        text_similarity_grader.additional_properties = d
        return text_similarity_grader

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
