from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.run_object_status import RunObjectStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.completions_data_source import CompletionsDataSource
    from ..models.criterion_result import CriterionResult
    from ..models.eval_error import EvalError
    from ..models.jsonl_data_source import JsonlDataSource
    from ..models.model_usage import ModelUsage
    from ..models.result_counts import ResultCounts
    from ..models.run_object_metadata_type_0 import RunObjectMetadataType0


T = TypeVar("T", bound="RunObject")


@_attrs_define
class RunObject:
    """
    Attributes:
        id (str):
        eval_id (str):
        name (str):
        model (None | str):
        status (RunObjectStatus):
        created_at (int):
        report_url (None | str):
        result_counts (ResultCounts):
        per_testing_criteria_results (list[CriterionResult]):
        per_model_usage (list[ModelUsage]):
        data_source (CompletionsDataSource | JsonlDataSource):
        error (EvalError | None):
        metadata (None | RunObjectMetadataType0):
        object_ (Literal['eval.run'] | Unset):  Default: 'eval.run'.
    """

    id: str
    eval_id: str
    name: str
    model: None | str
    status: RunObjectStatus
    created_at: int
    report_url: None | str
    result_counts: ResultCounts
    per_testing_criteria_results: list[CriterionResult]
    per_model_usage: list[ModelUsage]
    data_source: CompletionsDataSource | JsonlDataSource
    error: EvalError | None
    metadata: None | RunObjectMetadataType0
    object_: Literal["eval.run"] | Unset = "eval.run"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.eval_error import EvalError  # noqa: PLC0415
        from ..models.jsonl_data_source import JsonlDataSource  # noqa: PLC0415
        from ..models.run_object_metadata_type_0 import RunObjectMetadataType0  # noqa: PLC0415

        id = self.id

        eval_id = self.eval_id

        name = self.name

        model: None | str
        model = self.model

        status = self.status.value

        created_at = self.created_at

        report_url: None | str
        report_url = self.report_url

        result_counts = self.result_counts.to_dict()

        per_testing_criteria_results = []
        for per_testing_criteria_results_item_data in self.per_testing_criteria_results:
            per_testing_criteria_results_item = per_testing_criteria_results_item_data.to_dict()
            per_testing_criteria_results.append(per_testing_criteria_results_item)

        per_model_usage = []
        for per_model_usage_item_data in self.per_model_usage:
            per_model_usage_item = per_model_usage_item_data.to_dict()
            per_model_usage.append(per_model_usage_item)

        data_source: dict[str, Any]
        if isinstance(self.data_source, JsonlDataSource):
            data_source = self.data_source.to_dict()
        else:
            data_source = self.data_source.to_dict()

        error: dict[str, Any] | None
        if isinstance(self.error, EvalError):
            error = self.error.to_dict()
        else:
            error = self.error

        metadata: dict[str, Any] | None
        if isinstance(self.metadata, RunObjectMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        object_ = self.object_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "eval_id": eval_id,
                "name": name,
                "model": model,
                "status": status,
                "created_at": created_at,
                "report_url": report_url,
                "result_counts": result_counts,
                "per_testing_criteria_results": per_testing_criteria_results,
                "per_model_usage": per_model_usage,
                "data_source": data_source,
                "error": error,
                "metadata": metadata,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.completions_data_source import CompletionsDataSource  # noqa: PLC0415
        from ..models.criterion_result import CriterionResult  # noqa: PLC0415
        from ..models.eval_error import EvalError  # noqa: PLC0415
        from ..models.jsonl_data_source import JsonlDataSource  # noqa: PLC0415
        from ..models.model_usage import ModelUsage  # noqa: PLC0415
        from ..models.result_counts import ResultCounts  # noqa: PLC0415
        from ..models.run_object_metadata_type_0 import RunObjectMetadataType0  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        eval_id = d.pop("eval_id")

        name = d.pop("name")

        def _parse_model(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model = _parse_model(d.pop("model"))

        status = RunObjectStatus(d.pop("status"))

        created_at = d.pop("created_at")

        def _parse_report_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        report_url = _parse_report_url(d.pop("report_url"))

        result_counts = ResultCounts.from_dict(d.pop("result_counts"))

        per_testing_criteria_results = []
        _per_testing_criteria_results = d.pop("per_testing_criteria_results")
        for per_testing_criteria_results_item_data in _per_testing_criteria_results:
            per_testing_criteria_results_item = CriterionResult.from_dict(
                per_testing_criteria_results_item_data
            )

            per_testing_criteria_results.append(per_testing_criteria_results_item)

        per_model_usage = []
        _per_model_usage = d.pop("per_model_usage")
        for per_model_usage_item_data in _per_model_usage:
            per_model_usage_item = ModelUsage.from_dict(per_model_usage_item_data)

            per_model_usage.append(per_model_usage_item)

        def _parse_data_source(data: object) -> CompletionsDataSource | JsonlDataSource:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                data_source_type_0 = JsonlDataSource.from_dict(data)

                return data_source_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            data_source_type_1 = CompletionsDataSource.from_dict(data)

            return data_source_type_1

        data_source = _parse_data_source(d.pop("data_source"))

        def _parse_error(data: object) -> EvalError | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = EvalError.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EvalError | None, data)

        error = _parse_error(d.pop("error"))

        def _parse_metadata(data: object) -> None | RunObjectMetadataType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = RunObjectMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RunObjectMetadataType0, data)

        metadata = _parse_metadata(d.pop("metadata"))

        object_ = cast(Literal["eval.run"] | Unset, d.pop("object", UNSET))
        if object_ != "eval.run" and not isinstance(object_, Unset):
            raise ValueError(f"object must match const 'eval.run', got '{object_}'")

        run_object = cls(
            id=id,
            eval_id=eval_id,
            name=name,
            model=model,
            status=status,
            created_at=created_at,
            report_url=report_url,
            result_counts=result_counts,
            per_testing_criteria_results=per_testing_criteria_results,
            per_model_usage=per_model_usage,
            data_source=data_source,
            error=error,
            metadata=metadata,
            object_=object_,
        )

        run_object.additional_properties = d
        return run_object

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
