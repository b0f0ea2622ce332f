from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.code_interpreter_call_item_status import CodeInterpreterCallItemStatus

if TYPE_CHECKING:
    from ..models.code_interpreter_logs import CodeInterpreterLogs


T = TypeVar("T", bound="CodeInterpreterCallItem")


@_attrs_define
class CodeInterpreterCallItem:
    """
    Attributes:
        id (str):
        code (None | str):
        container_id (str):
        outputs (list[CodeInterpreterLogs] | None):
        status (CodeInterpreterCallItemStatus):
        type_ (Literal['code_interpreter_call']):
    """

    id: str
    code: None | str
    container_id: str
    outputs: list[CodeInterpreterLogs] | None
    status: CodeInterpreterCallItemStatus
    type_: Literal["code_interpreter_call"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        code: None | str
        code = self.code

        container_id = self.container_id

        outputs: list[dict[str, Any]] | None
        if isinstance(self.outputs, list):
            outputs = []
            for outputs_type_0_item_data in self.outputs:
                outputs_type_0_item = outputs_type_0_item_data.to_dict()
                outputs.append(outputs_type_0_item)

        else:
            outputs = self.outputs

        status = self.status.value

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "code": code,
                "container_id": container_id,
                "outputs": outputs,
                "status": status,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.code_interpreter_logs import CodeInterpreterLogs  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        def _parse_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        code = _parse_code(d.pop("code"))

        container_id = d.pop("container_id")

        def _parse_outputs(data: object) -> list[CodeInterpreterLogs] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                outputs_type_0 = []
                _outputs_type_0 = data
                for outputs_type_0_item_data in _outputs_type_0:
                    outputs_type_0_item = CodeInterpreterLogs.from_dict(outputs_type_0_item_data)

                    outputs_type_0.append(outputs_type_0_item)

                return outputs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[CodeInterpreterLogs] | None, data)

        outputs = _parse_outputs(d.pop("outputs"))

        status = CodeInterpreterCallItemStatus(d.pop("status"))

        type_ = cast(Literal["code_interpreter_call"], d.pop("type"))
        if type_ != "code_interpreter_call":
            raise ValueError(f"type must match const 'code_interpreter_call', got '{type_}'")

        code_interpreter_call_item = cls(
            id=id,
            code=code,
            container_id=container_id,
            outputs=outputs,
            status=status,
            type_=type_,
        )

        code_interpreter_call_item.additional_properties = d
        return code_interpreter_call_item

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
