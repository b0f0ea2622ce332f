from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_object_status import JobObjectStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_error import JobError
    from ..models.job_object_hanlin import JobObjectHanlin
    from ..models.job_object_hyperparameters import JobObjectHyperparameters
    from ..models.job_object_metadata_type_0 import JobObjectMetadataType0
    from ..models.job_object_method import JobObjectMethod


T = TypeVar("T", bound="JobObject")


@_attrs_define
class JobObject:
    """
    Attributes:
        id (str):
        created_at (int):
        finished_at (int | None):
        model (str):
        fine_tuned_model (None | str):
        result_files (list[str]):
        status (JobObjectStatus):
        validation_file (None | str):
        training_file (str):
        hyperparameters (JobObjectHyperparameters):
        method (JobObjectMethod):
        trained_tokens (int | None):
        error (JobError | None):
        seed (int):
        estimated_finish (int | None):
        object_ (Literal['fine_tuning.job'] | Unset):  Default: 'fine_tuning.job'.
        organization_id (str | Unset):  Default: 'org-hanlin'.
        integrations (list[Any] | Unset):
        metadata (JobObjectMetadataType0 | None | Unset):
        user_provided_suffix (None | str | Unset):
        hanlin (JobObjectHanlin | Unset):
    """

    id: str
    created_at: int
    finished_at: int | None
    model: str
    fine_tuned_model: None | str
    result_files: list[str]
    status: JobObjectStatus
    validation_file: None | str
    training_file: str
    hyperparameters: JobObjectHyperparameters
    method: JobObjectMethod
    trained_tokens: int | None
    error: JobError | None
    seed: int
    estimated_finish: int | None
    object_: Literal["fine_tuning.job"] | Unset = "fine_tuning.job"
    organization_id: str | Unset = "org-hanlin"
    integrations: list[Any] | Unset = UNSET
    metadata: JobObjectMetadataType0 | None | Unset = UNSET
    user_provided_suffix: None | str | Unset = UNSET
    hanlin: JobObjectHanlin | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.job_error import JobError  # noqa: PLC0415
        from ..models.job_object_metadata_type_0 import JobObjectMetadataType0  # noqa: PLC0415

        id = self.id

        created_at = self.created_at

        finished_at: int | None
        finished_at = self.finished_at

        model = self.model

        fine_tuned_model: None | str
        fine_tuned_model = self.fine_tuned_model

        result_files = self.result_files

        status = self.status.value

        validation_file: None | str
        validation_file = self.validation_file

        training_file = self.training_file

        hyperparameters = self.hyperparameters.to_dict()

        method = self.method.to_dict()

        trained_tokens: int | None
        trained_tokens = self.trained_tokens

        error: dict[str, Any] | None
        if isinstance(self.error, JobError):
            error = self.error.to_dict()
        else:
            error = self.error

        seed = self.seed

        estimated_finish: int | None
        estimated_finish = self.estimated_finish

        object_ = self.object_

        organization_id = self.organization_id

        integrations: list[Any] | Unset = UNSET
        if not isinstance(self.integrations, Unset):
            integrations = self.integrations

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, JobObjectMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        user_provided_suffix: None | str | Unset
        if isinstance(self.user_provided_suffix, Unset):
            user_provided_suffix = UNSET
        else:
            user_provided_suffix = self.user_provided_suffix

        hanlin: dict[str, Any] | Unset = UNSET
        if not isinstance(self.hanlin, Unset):
            hanlin = self.hanlin.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "created_at": created_at,
                "finished_at": finished_at,
                "model": model,
                "fine_tuned_model": fine_tuned_model,
                "result_files": result_files,
                "status": status,
                "validation_file": validation_file,
                "training_file": training_file,
                "hyperparameters": hyperparameters,
                "method": method,
                "trained_tokens": trained_tokens,
                "error": error,
                "seed": seed,
                "estimated_finish": estimated_finish,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_
        if organization_id is not UNSET:
            field_dict["organization_id"] = organization_id
        if integrations is not UNSET:
            field_dict["integrations"] = integrations
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if user_provided_suffix is not UNSET:
            field_dict["user_provided_suffix"] = user_provided_suffix
        if hanlin is not UNSET:
            field_dict["hanlin"] = hanlin

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_error import JobError  # noqa: PLC0415
        from ..models.job_object_hanlin import JobObjectHanlin  # noqa: PLC0415
        from ..models.job_object_hyperparameters import JobObjectHyperparameters  # noqa: PLC0415
        from ..models.job_object_metadata_type_0 import JobObjectMetadataType0  # noqa: PLC0415
        from ..models.job_object_method import JobObjectMethod  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        created_at = d.pop("created_at")

        def _parse_finished_at(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        model = d.pop("model")

        def _parse_fine_tuned_model(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        fine_tuned_model = _parse_fine_tuned_model(d.pop("fine_tuned_model"))

        result_files = cast(list[str], d.pop("result_files"))

        status = JobObjectStatus(d.pop("status"))

        def _parse_validation_file(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        validation_file = _parse_validation_file(d.pop("validation_file"))

        training_file = d.pop("training_file")

        hyperparameters = JobObjectHyperparameters.from_dict(d.pop("hyperparameters"))

        method = JobObjectMethod.from_dict(d.pop("method"))

        def _parse_trained_tokens(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        trained_tokens = _parse_trained_tokens(d.pop("trained_tokens"))

        def _parse_error(data: object) -> JobError | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = JobError.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobError | None, data)

        error = _parse_error(d.pop("error"))

        seed = d.pop("seed")

        def _parse_estimated_finish(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        estimated_finish = _parse_estimated_finish(d.pop("estimated_finish"))

        object_ = cast(Literal["fine_tuning.job"] | Unset, d.pop("object", UNSET))
        if object_ != "fine_tuning.job" and not isinstance(object_, Unset):
            raise ValueError(f"object must match const 'fine_tuning.job', got '{object_}'")

        organization_id = d.pop("organization_id", UNSET)

        integrations = cast(list[Any], d.pop("integrations", UNSET))

        def _parse_metadata(data: object) -> JobObjectMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = JobObjectMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobObjectMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_user_provided_suffix(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_provided_suffix = _parse_user_provided_suffix(d.pop("user_provided_suffix", UNSET))

        _hanlin = d.pop("hanlin", UNSET)
        hanlin: JobObjectHanlin | Unset
        if isinstance(_hanlin, Unset):
            hanlin = UNSET
        else:
            hanlin = JobObjectHanlin.from_dict(_hanlin)

        job_object = cls(
            id=id,
            created_at=created_at,
            finished_at=finished_at,
            model=model,
            fine_tuned_model=fine_tuned_model,
            result_files=result_files,
            status=status,
            validation_file=validation_file,
            training_file=training_file,
            hyperparameters=hyperparameters,
            method=method,
            trained_tokens=trained_tokens,
            error=error,
            seed=seed,
            estimated_finish=estimated_finish,
            object_=object_,
            organization_id=organization_id,
            integrations=integrations,
            metadata=metadata,
            user_provided_suffix=user_provided_suffix,
            hanlin=hanlin,
        )

        job_object.additional_properties = d
        return job_object

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
