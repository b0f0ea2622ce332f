from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.file_content_source import FileContentSource
    from ..models.file_id_source import FileIdSource
    from ..models.item_reference_input import ItemReferenceInput
    from ..models.sampling_params import SamplingParams
    from ..models.template_input import TemplateInput


T = TypeVar("T", bound="CompletionsDataSource")


@_attrs_define
class CompletionsDataSource:
    """
    Attributes:
        source (FileContentSource | FileIdSource):
        type_ (Literal['completions']):
        model (None | str | Unset):
        input_messages (ItemReferenceInput | None | TemplateInput | Unset):
        sampling_params (None | SamplingParams | Unset):
    """

    source: FileContentSource | FileIdSource
    type_: Literal["completions"]
    model: None | str | Unset = UNSET
    input_messages: ItemReferenceInput | None | TemplateInput | Unset = UNSET
    sampling_params: None | SamplingParams | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.file_content_source import FileContentSource  # noqa: PLC0415
        from ..models.item_reference_input import ItemReferenceInput  # noqa: PLC0415
        from ..models.sampling_params import SamplingParams  # noqa: PLC0415
        from ..models.template_input import TemplateInput  # noqa: PLC0415

        source: dict[str, Any]
        if isinstance(self.source, FileContentSource):
            source = self.source.to_dict()
        else:
            source = self.source.to_dict()

        type_ = self.type_

        model: None | str | Unset
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        input_messages: dict[str, Any] | None | Unset
        if isinstance(self.input_messages, Unset):
            input_messages = UNSET
        elif isinstance(self.input_messages, TemplateInput):
            input_messages = self.input_messages.to_dict()
        elif isinstance(self.input_messages, ItemReferenceInput):
            input_messages = self.input_messages.to_dict()
        else:
            input_messages = self.input_messages

        sampling_params: dict[str, Any] | None | Unset
        if isinstance(self.sampling_params, Unset):
            sampling_params = UNSET
        elif isinstance(self.sampling_params, SamplingParams):
            sampling_params = self.sampling_params.to_dict()
        else:
            sampling_params = self.sampling_params

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "source": source,
                "type": type_,
            }
        )
        if model is not UNSET:
            field_dict["model"] = model
        if input_messages is not UNSET:
            field_dict["input_messages"] = input_messages
        if sampling_params is not UNSET:
            field_dict["sampling_params"] = sampling_params

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.file_content_source import FileContentSource  # noqa: PLC0415
        from ..models.file_id_source import FileIdSource  # noqa: PLC0415
        from ..models.item_reference_input import ItemReferenceInput  # noqa: PLC0415
        from ..models.sampling_params import SamplingParams  # noqa: PLC0415
        from ..models.template_input import TemplateInput  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_source(data: object) -> FileContentSource | FileIdSource:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                source_type_0 = FileContentSource.from_dict(data)

                return source_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            source_type_1 = FileIdSource.from_dict(data)

            return source_type_1

        source = _parse_source(d.pop("source"))

        type_ = cast(Literal["completions"], d.pop("type"))
        if type_ != "completions":
            raise ValueError(f"type must match const 'completions', got '{type_}'")

        def _parse_model(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        def _parse_input_messages(
            data: object,
        ) -> ItemReferenceInput | None | TemplateInput | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                input_messages_type_0 = TemplateInput.from_dict(data)

                return input_messages_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                input_messages_type_1 = ItemReferenceInput.from_dict(data)

                return input_messages_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ItemReferenceInput | None | TemplateInput | Unset, data)

        input_messages = _parse_input_messages(d.pop("input_messages", UNSET))

        def _parse_sampling_params(data: object) -> None | SamplingParams | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                sampling_params_type_0 = SamplingParams.from_dict(data)

                return sampling_params_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SamplingParams | Unset, data)

        sampling_params = _parse_sampling_params(d.pop("sampling_params", UNSET))

        completions_data_source = cls(
            source=source,
            type_=type_,
            model=model,
            input_messages=input_messages,
            sampling_params=sampling_params,
        )

        completions_data_source.additional_properties = d
        return completions_data_source

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
