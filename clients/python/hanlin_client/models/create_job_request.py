from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_job_request_metadata_type_0 import CreateJobRequestMetadataType0
    from ..models.hanlin_options import HanlinOptions
    from ..models.hyperparameters import Hyperparameters
    from ..models.method import Method


T = TypeVar("T", bound="CreateJobRequest")


@_attrs_define
class CreateJobRequest:
    """
    Attributes:
        model (str):
        training_file (str):
        validation_file (None | str | Unset):
        suffix (None | str | Unset):
        seed (int | None | Unset):
        method (Method | None | Unset):
        hyperparameters (Hyperparameters | None | Unset):
        integrations (list[Any] | None | Unset):
        metadata (CreateJobRequestMetadataType0 | None | Unset):
        hanlin (HanlinOptions | None | Unset):
    """

    model: str
    training_file: str
    validation_file: None | str | Unset = UNSET
    suffix: None | str | Unset = UNSET
    seed: int | None | Unset = UNSET
    method: Method | None | Unset = UNSET
    hyperparameters: Hyperparameters | None | Unset = UNSET
    integrations: list[Any] | None | Unset = UNSET
    metadata: CreateJobRequestMetadataType0 | None | Unset = UNSET
    hanlin: HanlinOptions | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.create_job_request_metadata_type_0 import CreateJobRequestMetadataType0  # noqa: PLC0415
        from ..models.hanlin_options import HanlinOptions  # noqa: PLC0415
        from ..models.hyperparameters import Hyperparameters  # noqa: PLC0415
        from ..models.method import Method  # noqa: PLC0415

        model = self.model

        training_file = self.training_file

        validation_file: None | str | Unset
        if isinstance(self.validation_file, Unset):
            validation_file = UNSET
        else:
            validation_file = self.validation_file

        suffix: None | str | Unset
        if isinstance(self.suffix, Unset):
            suffix = UNSET
        else:
            suffix = self.suffix

        seed: int | None | Unset
        if isinstance(self.seed, Unset):
            seed = UNSET
        else:
            seed = self.seed

        method: dict[str, Any] | None | Unset
        if isinstance(self.method, Unset):
            method = UNSET
        elif isinstance(self.method, Method):
            method = self.method.to_dict()
        else:
            method = self.method

        hyperparameters: dict[str, Any] | None | Unset
        if isinstance(self.hyperparameters, Unset):
            hyperparameters = UNSET
        elif isinstance(self.hyperparameters, Hyperparameters):
            hyperparameters = self.hyperparameters.to_dict()
        else:
            hyperparameters = self.hyperparameters

        integrations: list[Any] | None | Unset
        if isinstance(self.integrations, Unset):
            integrations = UNSET
        elif isinstance(self.integrations, list):
            integrations = self.integrations

        else:
            integrations = self.integrations

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, CreateJobRequestMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        hanlin: dict[str, Any] | None | Unset
        if isinstance(self.hanlin, Unset):
            hanlin = UNSET
        elif isinstance(self.hanlin, HanlinOptions):
            hanlin = self.hanlin.to_dict()
        else:
            hanlin = self.hanlin

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "training_file": training_file,
            }
        )
        if validation_file is not UNSET:
            field_dict["validation_file"] = validation_file
        if suffix is not UNSET:
            field_dict["suffix"] = suffix
        if seed is not UNSET:
            field_dict["seed"] = seed
        if method is not UNSET:
            field_dict["method"] = method
        if hyperparameters is not UNSET:
            field_dict["hyperparameters"] = hyperparameters
        if integrations is not UNSET:
            field_dict["integrations"] = integrations
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if hanlin is not UNSET:
            field_dict["hanlin"] = hanlin

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_job_request_metadata_type_0 import CreateJobRequestMetadataType0  # noqa: PLC0415
        from ..models.hanlin_options import HanlinOptions  # noqa: PLC0415
        from ..models.hyperparameters import Hyperparameters  # noqa: PLC0415
        from ..models.method import Method  # noqa: PLC0415

        d = dict(src_dict)
        model = d.pop("model")

        training_file = d.pop("training_file")

        def _parse_validation_file(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        validation_file = _parse_validation_file(d.pop("validation_file", UNSET))

        def _parse_suffix(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        suffix = _parse_suffix(d.pop("suffix", UNSET))

        def _parse_seed(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seed = _parse_seed(d.pop("seed", UNSET))

        def _parse_method(data: object) -> Method | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                method_type_0 = Method.from_dict(data)

                return method_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Method | None | Unset, data)

        method = _parse_method(d.pop("method", UNSET))

        def _parse_hyperparameters(data: object) -> Hyperparameters | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                hyperparameters_type_0 = Hyperparameters.from_dict(data)

                return hyperparameters_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Hyperparameters | None | Unset, data)

        hyperparameters = _parse_hyperparameters(d.pop("hyperparameters", UNSET))

        def _parse_integrations(data: object) -> list[Any] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                integrations_type_0 = cast(list[Any], data)

                return integrations_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Any] | None | Unset, data)

        integrations = _parse_integrations(d.pop("integrations", UNSET))

        def _parse_metadata(data: object) -> CreateJobRequestMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = CreateJobRequestMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateJobRequestMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_hanlin(data: object) -> HanlinOptions | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                hanlin_type_0 = HanlinOptions.from_dict(data)

                return hanlin_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HanlinOptions | None | Unset, data)

        hanlin = _parse_hanlin(d.pop("hanlin", UNSET))

        create_job_request = cls(
            model=model,
            training_file=training_file,
            validation_file=validation_file,
            suffix=suffix,
            seed=seed,
            method=method,
            hyperparameters=hyperparameters,
            integrations=integrations,
            metadata=metadata,
            hanlin=hanlin,
        )

        create_job_request.additional_properties = d
        return create_job_request

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
