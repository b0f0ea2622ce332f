from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.output_item_object_status import OutputItemObjectStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.grade_result import GradeResult
    from ..models.output_item_object_datasource_item import OutputItemObjectDatasourceItem
    from ..models.sample_object import SampleObject


T = TypeVar("T", bound="OutputItemObject")


@_attrs_define
class OutputItemObject:
    """
    Attributes:
        id (str):
        run_id (str):
        eval_id (str):
        created_at (int):
        status (OutputItemObjectStatus):
        datasource_item_id (int):
        datasource_item (OutputItemObjectDatasourceItem):
        results (list[GradeResult]):
        sample (SampleObject):
        object_ (Literal['eval.run.output_item'] | Unset):  Default: 'eval.run.output_item'.
    """

    id: str
    run_id: str
    eval_id: str
    created_at: int
    status: OutputItemObjectStatus
    datasource_item_id: int
    datasource_item: OutputItemObjectDatasourceItem
    results: list[GradeResult]
    sample: SampleObject
    object_: Literal["eval.run.output_item"] | Unset = "eval.run.output_item"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        run_id = self.run_id

        eval_id = self.eval_id

        created_at = self.created_at

        status = self.status.value

        datasource_item_id = self.datasource_item_id

        datasource_item = self.datasource_item.to_dict()

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)

        sample = self.sample.to_dict()

        object_ = self.object_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "run_id": run_id,
                "eval_id": eval_id,
                "created_at": created_at,
                "status": status,
                "datasource_item_id": datasource_item_id,
                "datasource_item": datasource_item,
                "results": results,
                "sample": sample,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.grade_result import GradeResult  # noqa: PLC0415
        from ..models.output_item_object_datasource_item import OutputItemObjectDatasourceItem  # noqa: PLC0415
        from ..models.sample_object import SampleObject  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        run_id = d.pop("run_id")

        eval_id = d.pop("eval_id")

        created_at = d.pop("created_at")

        status = OutputItemObjectStatus(d.pop("status"))

        datasource_item_id = d.pop("datasource_item_id")

        datasource_item = OutputItemObjectDatasourceItem.from_dict(d.pop("datasource_item"))

        results = []
        _results = d.pop("results")
        for results_item_data in _results:
            results_item = GradeResult.from_dict(results_item_data)

            results.append(results_item)

        sample = SampleObject.from_dict(d.pop("sample"))

        object_ = cast(Literal["eval.run.output_item"] | Unset, d.pop("object", UNSET))
        if object_ != "eval.run.output_item" and not isinstance(object_, Unset):
            raise ValueError(f"object must match const 'eval.run.output_item', got '{object_}'")

        output_item_object = cls(
            id=id,
            run_id=run_id,
            eval_id=eval_id,
            created_at=created_at,
            status=status,
            datasource_item_id=datasource_item_id,
            datasource_item=datasource_item,
            results=results,
            sample=sample,
            object_=object_,
        )

        output_item_object.additional_properties = d
        return output_item_object

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
