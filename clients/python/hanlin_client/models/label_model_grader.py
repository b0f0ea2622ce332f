from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.label_model_grader_input_item import LabelModelGraderInputItem


T = TypeVar("T", bound="LabelModelGrader")


@_attrs_define
class LabelModelGrader:
    """
    Attributes:
        name (str):
        model (str):
        input_ (list[LabelModelGraderInputItem]):
        labels (list[str]):
        passing_labels (list[str]):
        type_ (Literal['label_model']):
    """

    name: str
    model: str
    input_: list[LabelModelGraderInputItem]
    labels: list[str]
    passing_labels: list[str]
    type_: Literal["label_model"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        model = self.model

        input_ = []
        for input_item_data in self.input_:
            input_item = input_item_data.to_dict()
            input_.append(input_item)

        labels = self.labels

        passing_labels = self.passing_labels

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "model": model,
                "input": input_,
                "labels": labels,
                "passing_labels": passing_labels,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.label_model_grader_input_item import LabelModelGraderInputItem  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        model = d.pop("model")

        input_ = []
        _input_ = d.pop("input")
        for input_item_data in _input_:
            input_item = LabelModelGraderInputItem.from_dict(input_item_data)

            input_.append(input_item)

        labels = cast(list[str], d.pop("labels"))

        passing_labels = cast(list[str], d.pop("passing_labels"))

        type_ = cast(Literal["label_model"], d.pop("type"))
        if type_ != "label_model":
            raise ValueError(f"type must match const 'label_model', got '{type_}'")

        label_model_grader = cls(
            name=name,
            model=model,
            input_=input_,
            labels=labels,
            passing_labels=passing_labels,
            type_=type_,
        )

        label_model_grader.additional_properties = d
        return label_model_grader

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
