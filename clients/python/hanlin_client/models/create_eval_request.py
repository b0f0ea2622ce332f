from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_eval_request_metadata_type_0 import CreateEvalRequestMetadataType0
    from ..models.custom_data_source_config import CustomDataSourceConfig
    from ..models.label_model_grader import LabelModelGrader
    from ..models.logs_data_source_config import LogsDataSourceConfig
    from ..models.python_grader import PythonGrader
    from ..models.score_model_grader import ScoreModelGrader
    from ..models.stored_completions_data_source_config import StoredCompletionsDataSourceConfig
    from ..models.string_check_grader import StringCheckGrader
    from ..models.text_similarity_grader import TextSimilarityGrader


T = TypeVar("T", bound="CreateEvalRequest")


@_attrs_define
class CreateEvalRequest:
    """
    Attributes:
        data_source_config (CustomDataSourceConfig | LogsDataSourceConfig | StoredCompletionsDataSourceConfig):
        testing_criteria (list[LabelModelGrader | PythonGrader | ScoreModelGrader | StringCheckGrader |
            TextSimilarityGrader]):
        name (None | str | Unset):
        metadata (CreateEvalRequestMetadataType0 | None | Unset):
    """

    data_source_config: (
        CustomDataSourceConfig | LogsDataSourceConfig | StoredCompletionsDataSourceConfig
    )
    testing_criteria: list[
        LabelModelGrader
        | PythonGrader
        | ScoreModelGrader
        | StringCheckGrader
        | TextSimilarityGrader
    ]
    name: None | str | Unset = UNSET
    metadata: CreateEvalRequestMetadataType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.create_eval_request_metadata_type_0 import CreateEvalRequestMetadataType0  # noqa: PLC0415
        from ..models.custom_data_source_config import CustomDataSourceConfig  # noqa: PLC0415
        from ..models.label_model_grader import LabelModelGrader  # noqa: PLC0415
        from ..models.logs_data_source_config import LogsDataSourceConfig  # noqa: PLC0415
        from ..models.python_grader import PythonGrader  # noqa: PLC0415
        from ..models.string_check_grader import StringCheckGrader  # noqa: PLC0415
        from ..models.text_similarity_grader import TextSimilarityGrader  # noqa: PLC0415

        data_source_config: dict[str, Any]
        if isinstance(self.data_source_config, CustomDataSourceConfig):
            data_source_config = self.data_source_config.to_dict()
        elif isinstance(self.data_source_config, LogsDataSourceConfig):
            data_source_config = self.data_source_config.to_dict()
        else:
            data_source_config = self.data_source_config.to_dict()

        testing_criteria = []
        for testing_criteria_item_data in self.testing_criteria:
            testing_criteria_item: dict[str, Any]
            if isinstance(testing_criteria_item_data, StringCheckGrader):
                testing_criteria_item = testing_criteria_item_data.to_dict()
            elif isinstance(testing_criteria_item_data, TextSimilarityGrader):
                testing_criteria_item = testing_criteria_item_data.to_dict()
            elif isinstance(testing_criteria_item_data, PythonGrader):
                testing_criteria_item = testing_criteria_item_data.to_dict()
            elif isinstance(testing_criteria_item_data, LabelModelGrader):
                testing_criteria_item = testing_criteria_item_data.to_dict()
            else:
                testing_criteria_item = testing_criteria_item_data.to_dict()

            testing_criteria.append(testing_criteria_item)

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, CreateEvalRequestMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data_source_config": data_source_config,
                "testing_criteria": testing_criteria,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_eval_request_metadata_type_0 import CreateEvalRequestMetadataType0  # noqa: PLC0415
        from ..models.custom_data_source_config import CustomDataSourceConfig  # noqa: PLC0415
        from ..models.label_model_grader import LabelModelGrader  # noqa: PLC0415
        from ..models.logs_data_source_config import LogsDataSourceConfig  # noqa: PLC0415
        from ..models.python_grader import PythonGrader  # noqa: PLC0415
        from ..models.score_model_grader import ScoreModelGrader  # noqa: PLC0415
        from ..models.stored_completions_data_source_config import StoredCompletionsDataSourceConfig  # noqa: PLC0415
        from ..models.string_check_grader import StringCheckGrader  # noqa: PLC0415
        from ..models.text_similarity_grader import TextSimilarityGrader  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_data_source_config(
            data: object,
        ) -> CustomDataSourceConfig | LogsDataSourceConfig | StoredCompletionsDataSourceConfig:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                data_source_config_type_0 = CustomDataSourceConfig.from_dict(data)

                return data_source_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                data_source_config_type_1 = LogsDataSourceConfig.from_dict(data)

                return data_source_config_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            data_source_config_type_2 = StoredCompletionsDataSourceConfig.from_dict(data)

            return data_source_config_type_2

        data_source_config = _parse_data_source_config(d.pop("data_source_config"))

        testing_criteria = []
        _testing_criteria = d.pop("testing_criteria")
        for testing_criteria_item_data in _testing_criteria:

            def _parse_testing_criteria_item(
                data: object,
            ) -> (
                LabelModelGrader
                | PythonGrader
                | ScoreModelGrader
                | StringCheckGrader
                | TextSimilarityGrader
            ):
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    testing_criteria_item_type_0 = StringCheckGrader.from_dict(data)

                    return testing_criteria_item_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    testing_criteria_item_type_1 = TextSimilarityGrader.from_dict(data)

                    return testing_criteria_item_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    testing_criteria_item_type_2 = PythonGrader.from_dict(data)

                    return testing_criteria_item_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    testing_criteria_item_type_3 = LabelModelGrader.from_dict(data)

                    return testing_criteria_item_type_3
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                testing_criteria_item_type_4 = ScoreModelGrader.from_dict(data)

                return testing_criteria_item_type_4

            testing_criteria_item = _parse_testing_criteria_item(testing_criteria_item_data)

            testing_criteria.append(testing_criteria_item)

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_metadata(data: object) -> CreateEvalRequestMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = CreateEvalRequestMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateEvalRequestMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        create_eval_request = cls(
            data_source_config=data_source_config,
            testing_criteria=testing_criteria,
            name=name,
            metadata=metadata,
        )

        create_eval_request.additional_properties = d
        return create_eval_request

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
