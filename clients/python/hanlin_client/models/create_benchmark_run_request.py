from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.benchmark_sampling_params import BenchmarkSamplingParams
    from ..models.create_benchmark_run_request_metadata_type_0 import (
        CreateBenchmarkRunRequestMetadataType0,
    )


T = TypeVar("T", bound="CreateBenchmarkRunRequest")


@_attrs_define
class CreateBenchmarkRunRequest:
    """
    Attributes:
        task (str):
        model (str):
        limit (int | None | Unset):
        concurrency (int | None | Unset):
        sampling_params (BenchmarkSamplingParams | None | Unset):
        metadata (CreateBenchmarkRunRequestMetadataType0 | None | Unset):
    """

    task: str
    model: str
    limit: int | None | Unset = UNSET
    concurrency: int | None | Unset = UNSET
    sampling_params: BenchmarkSamplingParams | None | Unset = UNSET
    metadata: CreateBenchmarkRunRequestMetadataType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.benchmark_sampling_params import BenchmarkSamplingParams  # noqa: PLC0415
        from ..models.create_benchmark_run_request_metadata_type_0 import (
            CreateBenchmarkRunRequestMetadataType0,  # noqa: PLC0415
        )

        task = self.task

        model = self.model

        limit: int | None | Unset
        if isinstance(self.limit, Unset):
            limit = UNSET
        else:
            limit = self.limit

        concurrency: int | None | Unset
        if isinstance(self.concurrency, Unset):
            concurrency = UNSET
        else:
            concurrency = self.concurrency

        sampling_params: dict[str, Any] | None | Unset
        if isinstance(self.sampling_params, Unset):
            sampling_params = UNSET
        elif isinstance(self.sampling_params, BenchmarkSamplingParams):
            sampling_params = self.sampling_params.to_dict()
        else:
            sampling_params = self.sampling_params

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, CreateBenchmarkRunRequestMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "task": task,
                "model": model,
            }
        )
        if limit is not UNSET:
            field_dict["limit"] = limit
        if concurrency is not UNSET:
            field_dict["concurrency"] = concurrency
        if sampling_params is not UNSET:
            field_dict["sampling_params"] = sampling_params
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.benchmark_sampling_params import BenchmarkSamplingParams  # noqa: PLC0415
        from ..models.create_benchmark_run_request_metadata_type_0 import (
            CreateBenchmarkRunRequestMetadataType0,  # noqa: PLC0415
        )

        d = dict(src_dict)
        task = d.pop("task")

        model = d.pop("model")

        def _parse_limit(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        limit = _parse_limit(d.pop("limit", UNSET))

        def _parse_concurrency(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        concurrency = _parse_concurrency(d.pop("concurrency", UNSET))

        def _parse_sampling_params(data: object) -> BenchmarkSamplingParams | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                sampling_params_type_0 = BenchmarkSamplingParams.from_dict(data)

                return sampling_params_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BenchmarkSamplingParams | None | Unset, data)

        sampling_params = _parse_sampling_params(d.pop("sampling_params", UNSET))

        def _parse_metadata(data: object) -> CreateBenchmarkRunRequestMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = CreateBenchmarkRunRequestMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateBenchmarkRunRequestMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        create_benchmark_run_request = cls(
            task=task,
            model=model,
            limit=limit,
            concurrency=concurrency,
            sampling_params=sampling_params,
            metadata=metadata,
        )

        create_benchmark_run_request.additional_properties = d
        return create_benchmark_run_request

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
