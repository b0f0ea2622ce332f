from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.score_model_grader_input_item import ScoreModelGraderInputItem
    from ..models.score_model_grader_sampling_params_type_0 import (
        ScoreModelGraderSamplingParamsType0,
    )


T = TypeVar("T", bound="ScoreModelGrader")


@_attrs_define
class ScoreModelGrader:
    """
    Attributes:
        name (str):
        model (str):
        input_ (list[ScoreModelGraderInputItem]):
        type_ (Literal['score_model']):
        range_ (list[float] | None | Unset):
        pass_threshold (float | None | Unset):
        sampling_params (None | ScoreModelGraderSamplingParamsType0 | Unset):
    """

    name: str
    model: str
    input_: list[ScoreModelGraderInputItem]
    type_: Literal["score_model"]
    range_: list[float] | None | Unset = UNSET
    pass_threshold: float | None | Unset = UNSET
    sampling_params: None | ScoreModelGraderSamplingParamsType0 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.score_model_grader_sampling_params_type_0 import (
            ScoreModelGraderSamplingParamsType0,  # noqa: PLC0415
        )

        name = self.name

        model = self.model

        input_ = []
        for input_item_data in self.input_:
            input_item = input_item_data.to_dict()
            input_.append(input_item)

        type_ = self.type_

        range_: list[float] | None | Unset
        if isinstance(self.range_, Unset):
            range_ = UNSET
        elif isinstance(self.range_, list):
            range_ = self.range_

        else:
            range_ = self.range_

        pass_threshold: float | None | Unset
        if isinstance(self.pass_threshold, Unset):
            pass_threshold = UNSET
        else:
            pass_threshold = self.pass_threshold

        sampling_params: dict[str, Any] | None | Unset
        if isinstance(self.sampling_params, Unset):
            sampling_params = UNSET
        elif isinstance(self.sampling_params, ScoreModelGraderSamplingParamsType0):
            sampling_params = self.sampling_params.to_dict()
        else:
            sampling_params = self.sampling_params

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "model": model,
                "input": input_,
                "type": type_,
            }
        )
        if range_ is not UNSET:
            field_dict["range"] = range_
        if pass_threshold is not UNSET:
            field_dict["pass_threshold"] = pass_threshold
        if sampling_params is not UNSET:
            field_dict["sampling_params"] = sampling_params

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.score_model_grader_input_item import ScoreModelGraderInputItem  # noqa: PLC0415
        from ..models.score_model_grader_sampling_params_type_0 import (
            ScoreModelGraderSamplingParamsType0,  # noqa: PLC0415
        )

        d = dict(src_dict)
        name = d.pop("name")

        model = d.pop("model")

        input_ = []
        _input_ = d.pop("input")
        for input_item_data in _input_:
            input_item = ScoreModelGraderInputItem.from_dict(input_item_data)

            input_.append(input_item)

        type_ = cast(Literal["score_model"], d.pop("type"))
        if type_ != "score_model":
            raise ValueError(f"type must match const 'score_model', got '{type_}'")

        def _parse_range_(data: object) -> list[float] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                range_type_0 = cast(list[float], data)

                return range_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | None | Unset, data)

        range_ = _parse_range_(d.pop("range", UNSET))

        def _parse_pass_threshold(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        pass_threshold = _parse_pass_threshold(d.pop("pass_threshold", UNSET))

        def _parse_sampling_params(
            data: object,
        ) -> None | ScoreModelGraderSamplingParamsType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                sampling_params_type_0 = ScoreModelGraderSamplingParamsType0.from_dict(data)

                return sampling_params_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ScoreModelGraderSamplingParamsType0 | Unset, data)

        sampling_params = _parse_sampling_params(d.pop("sampling_params", UNSET))

        score_model_grader = cls(
            name=name,
            model=model,
            input_=input_,
            type_=type_,
            range_=range_,
            pass_threshold=pass_threshold,
            sampling_params=sampling_params,
        )

        score_model_grader.additional_properties = d
        return score_model_grader

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
