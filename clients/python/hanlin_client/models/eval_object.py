from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.custom_data_source_config_object import CustomDataSourceConfigObject
    from ..models.eval_object_metadata_type_0 import EvalObjectMetadataType0
    from ..models.python_grader import PythonGrader
    from ..models.string_check_grader import StringCheckGrader
    from ..models.text_similarity_grader import TextSimilarityGrader


T = TypeVar("T", bound="EvalObject")


@_attrs_define
class EvalObject:
    """
    Attributes:
        id (str):
        created_at (int):
        name (str):
        metadata (EvalObjectMetadataType0 | None):
        data_source_config (CustomDataSourceConfigObject):
        testing_criteria (list[PythonGrader | StringCheckGrader | TextSimilarityGrader]):
        object_ (Literal['eval'] | Unset):  Default: 'eval'.
    """

    id: str
    created_at: int
    name: str
    metadata: EvalObjectMetadataType0 | None
    data_source_config: CustomDataSourceConfigObject
    testing_criteria: list[PythonGrader | StringCheckGrader | TextSimilarityGrader]
    object_: Literal["eval"] | Unset = "eval"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.eval_object_metadata_type_0 import EvalObjectMetadataType0  # noqa: PLC0415
        from ..models.string_check_grader import StringCheckGrader  # noqa: PLC0415
        from ..models.text_similarity_grader import TextSimilarityGrader  # noqa: PLC0415

        id = self.id

        created_at = self.created_at

        name = self.name

        metadata: dict[str, Any] | None
        if isinstance(self.metadata, EvalObjectMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        data_source_config = self.data_source_config.to_dict()

        testing_criteria = []
        for testing_criteria_item_data in self.testing_criteria:
            testing_criteria_item: dict[str, Any]
            if isinstance(testing_criteria_item_data, StringCheckGrader):
                testing_criteria_item = testing_criteria_item_data.to_dict()
            elif isinstance(testing_criteria_item_data, TextSimilarityGrader):
                testing_criteria_item = testing_criteria_item_data.to_dict()
            else:
                testing_criteria_item = testing_criteria_item_data.to_dict()

            testing_criteria.append(testing_criteria_item)

        object_ = self.object_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "created_at": created_at,
                "name": name,
                "metadata": metadata,
                "data_source_config": data_source_config,
                "testing_criteria": testing_criteria,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.custom_data_source_config_object import CustomDataSourceConfigObject  # noqa: PLC0415
        from ..models.eval_object_metadata_type_0 import EvalObjectMetadataType0  # noqa: PLC0415
        from ..models.python_grader import PythonGrader  # noqa: PLC0415
        from ..models.string_check_grader import StringCheckGrader  # noqa: PLC0415
        from ..models.text_similarity_grader import TextSimilarityGrader  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        created_at = d.pop("created_at")

        name = d.pop("name")

        def _parse_metadata(data: object) -> EvalObjectMetadataType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = EvalObjectMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EvalObjectMetadataType0 | None, data)

        metadata = _parse_metadata(d.pop("metadata"))

        data_source_config = CustomDataSourceConfigObject.from_dict(d.pop("data_source_config"))

        testing_criteria = []
        _testing_criteria = d.pop("testing_criteria")
        for testing_criteria_item_data in _testing_criteria:

            def _parse_testing_criteria_item(
                data: object,
            ) -> PythonGrader | StringCheckGrader | TextSimilarityGrader:
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
                if not isinstance(data, dict):
                    raise TypeError()
                testing_criteria_item_type_2 = PythonGrader.from_dict(data)

                return testing_criteria_item_type_2

            testing_criteria_item = _parse_testing_criteria_item(testing_criteria_item_data)

            testing_criteria.append(testing_criteria_item)

        object_ = cast(Literal["eval"] | Unset, d.pop("object", UNSET))
        if object_ != "eval" and not isinstance(object_, Unset):
            raise ValueError(f"object must match const 'eval', got '{object_}'")

        eval_object = cls(
            id=id,
            created_at=created_at,
            name=name,
            metadata=metadata,
            data_source_config=data_source_config,
            testing_criteria=testing_criteria,
            object_=object_,
        )

        eval_object.additional_properties = d
        return eval_object

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
