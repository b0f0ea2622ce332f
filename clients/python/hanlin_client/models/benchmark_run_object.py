from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.benchmark_run_object_status import BenchmarkRunObjectStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.benchmark_progress import BenchmarkProgress
    from ..models.benchmark_run_object_metadata_type_0 import BenchmarkRunObjectMetadataType0
    from ..models.benchmark_sampling_params import BenchmarkSamplingParams
    from ..models.criterion_result import CriterionResult
    from ..models.eval_error import EvalError
    from ..models.metric_value import MetricValue
    from ..models.result_counts import ResultCounts


T = TypeVar("T", bound="BenchmarkRunObject")


@_attrs_define
class BenchmarkRunObject:
    """
    Attributes:
        id (str):
        task (str):
        model (str):
        status (BenchmarkRunObjectStatus):
        created_at (int):
        started_at (int | None):
        finished_at (int | None):
        limit (int | None):
        concurrency (int):
        sampling_params (BenchmarkSamplingParams | None):
        result_counts (ResultCounts):
        per_testing_criteria_results (list[CriterionResult]):
        metrics (list[MetricValue]):
        unparsed_rate (float | None):
        report_file_id (None | str):
        items_file_id (None | str):
        progress (BenchmarkProgress):
        error (EvalError | None):
        metadata (BenchmarkRunObjectMetadataType0 | None):
        object_ (Literal['benchmark.run'] | Unset):  Default: 'benchmark.run'.
    """

    id: str
    task: str
    model: str
    status: BenchmarkRunObjectStatus
    created_at: int
    started_at: int | None
    finished_at: int | None
    limit: int | None
    concurrency: int
    sampling_params: BenchmarkSamplingParams | None
    result_counts: ResultCounts
    per_testing_criteria_results: list[CriterionResult]
    metrics: list[MetricValue]
    unparsed_rate: float | None
    report_file_id: None | str
    items_file_id: None | str
    progress: BenchmarkProgress
    error: EvalError | None
    metadata: BenchmarkRunObjectMetadataType0 | None
    object_: Literal["benchmark.run"] | Unset = "benchmark.run"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.benchmark_run_object_metadata_type_0 import BenchmarkRunObjectMetadataType0  # noqa: PLC0415
        from ..models.benchmark_sampling_params import BenchmarkSamplingParams  # noqa: PLC0415
        from ..models.eval_error import EvalError  # noqa: PLC0415

        id = self.id

        task = self.task

        model = self.model

        status = self.status.value

        created_at = self.created_at

        started_at: int | None
        started_at = self.started_at

        finished_at: int | None
        finished_at = self.finished_at

        limit: int | None
        limit = self.limit

        concurrency = self.concurrency

        sampling_params: dict[str, Any] | None
        if isinstance(self.sampling_params, BenchmarkSamplingParams):
            sampling_params = self.sampling_params.to_dict()
        else:
            sampling_params = self.sampling_params

        result_counts = self.result_counts.to_dict()

        per_testing_criteria_results = []
        for per_testing_criteria_results_item_data in self.per_testing_criteria_results:
            per_testing_criteria_results_item = per_testing_criteria_results_item_data.to_dict()
            per_testing_criteria_results.append(per_testing_criteria_results_item)

        metrics = []
        for metrics_item_data in self.metrics:
            metrics_item = metrics_item_data.to_dict()
            metrics.append(metrics_item)

        unparsed_rate: float | None
        unparsed_rate = self.unparsed_rate

        report_file_id: None | str
        report_file_id = self.report_file_id

        items_file_id: None | str
        items_file_id = self.items_file_id

        progress = self.progress.to_dict()

        error: dict[str, Any] | None
        if isinstance(self.error, EvalError):
            error = self.error.to_dict()
        else:
            error = self.error

        metadata: dict[str, Any] | None
        if isinstance(self.metadata, BenchmarkRunObjectMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        object_ = self.object_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "task": task,
                "model": model,
                "status": status,
                "created_at": created_at,
                "started_at": started_at,
                "finished_at": finished_at,
                "limit": limit,
                "concurrency": concurrency,
                "sampling_params": sampling_params,
                "result_counts": result_counts,
                "per_testing_criteria_results": per_testing_criteria_results,
                "metrics": metrics,
                "unparsed_rate": unparsed_rate,
                "report_file_id": report_file_id,
                "items_file_id": items_file_id,
                "progress": progress,
                "error": error,
                "metadata": metadata,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.benchmark_progress import BenchmarkProgress  # noqa: PLC0415
        from ..models.benchmark_run_object_metadata_type_0 import BenchmarkRunObjectMetadataType0  # noqa: PLC0415
        from ..models.benchmark_sampling_params import BenchmarkSamplingParams  # noqa: PLC0415
        from ..models.criterion_result import CriterionResult  # noqa: PLC0415
        from ..models.eval_error import EvalError  # noqa: PLC0415
        from ..models.metric_value import MetricValue  # noqa: PLC0415
        from ..models.result_counts import ResultCounts  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        task = d.pop("task")

        model = d.pop("model")

        status = BenchmarkRunObjectStatus(d.pop("status"))

        created_at = d.pop("created_at")

        def _parse_started_at(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        def _parse_finished_at(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        def _parse_limit(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        limit = _parse_limit(d.pop("limit"))

        concurrency = d.pop("concurrency")

        def _parse_sampling_params(data: object) -> BenchmarkSamplingParams | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                sampling_params_type_0 = BenchmarkSamplingParams.from_dict(data)

                return sampling_params_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BenchmarkSamplingParams | None, data)

        sampling_params = _parse_sampling_params(d.pop("sampling_params"))

        result_counts = ResultCounts.from_dict(d.pop("result_counts"))

        per_testing_criteria_results = []
        _per_testing_criteria_results = d.pop("per_testing_criteria_results")
        for per_testing_criteria_results_item_data in _per_testing_criteria_results:
            per_testing_criteria_results_item = CriterionResult.from_dict(
                per_testing_criteria_results_item_data
            )

            per_testing_criteria_results.append(per_testing_criteria_results_item)

        metrics = []
        _metrics = d.pop("metrics")
        for metrics_item_data in _metrics:
            metrics_item = MetricValue.from_dict(metrics_item_data)

            metrics.append(metrics_item)

        def _parse_unparsed_rate(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        unparsed_rate = _parse_unparsed_rate(d.pop("unparsed_rate"))

        def _parse_report_file_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        report_file_id = _parse_report_file_id(d.pop("report_file_id"))

        def _parse_items_file_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        items_file_id = _parse_items_file_id(d.pop("items_file_id"))

        progress = BenchmarkProgress.from_dict(d.pop("progress"))

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

        def _parse_metadata(data: object) -> BenchmarkRunObjectMetadataType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = BenchmarkRunObjectMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BenchmarkRunObjectMetadataType0 | None, data)

        metadata = _parse_metadata(d.pop("metadata"))

        object_ = cast(Literal["benchmark.run"] | Unset, d.pop("object", UNSET))
        if object_ != "benchmark.run" and not isinstance(object_, Unset):
            raise ValueError(f"object must match const 'benchmark.run', got '{object_}'")

        benchmark_run_object = cls(
            id=id,
            task=task,
            model=model,
            status=status,
            created_at=created_at,
            started_at=started_at,
            finished_at=finished_at,
            limit=limit,
            concurrency=concurrency,
            sampling_params=sampling_params,
            result_counts=result_counts,
            per_testing_criteria_results=per_testing_criteria_results,
            metrics=metrics,
            unparsed_rate=unparsed_rate,
            report_file_id=report_file_id,
            items_file_id=items_file_id,
            progress=progress,
            error=error,
            metadata=metadata,
            object_=object_,
        )

        benchmark_run_object.additional_properties = d
        return benchmark_run_object

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
