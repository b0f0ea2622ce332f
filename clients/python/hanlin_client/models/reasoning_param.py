from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.reasoning_param_context_type_1 import ReasoningParamContextType1
from ..models.reasoning_param_context_type_2_type_1 import ReasoningParamContextType2Type1
from ..models.reasoning_param_context_type_3_type_1 import ReasoningParamContextType3Type1
from ..models.reasoning_param_effort_type_1 import ReasoningParamEffortType1
from ..models.reasoning_param_effort_type_2_type_1 import ReasoningParamEffortType2Type1
from ..models.reasoning_param_effort_type_3_type_1 import ReasoningParamEffortType3Type1
from ..models.reasoning_param_generate_summary_type_1 import ReasoningParamGenerateSummaryType1
from ..models.reasoning_param_generate_summary_type_2_type_1 import (
    ReasoningParamGenerateSummaryType2Type1,
)
from ..models.reasoning_param_generate_summary_type_3_type_1 import (
    ReasoningParamGenerateSummaryType3Type1,
)
from ..models.reasoning_param_summary_type_1 import ReasoningParamSummaryType1
from ..models.reasoning_param_summary_type_2_type_1 import ReasoningParamSummaryType2Type1
from ..models.reasoning_param_summary_type_3_type_1 import ReasoningParamSummaryType3Type1
from ..types import UNSET, Unset

T = TypeVar("T", bound="ReasoningParam")


@_attrs_define
class ReasoningParam:
    """
    Attributes:
        effort (None | ReasoningParamEffortType1 | ReasoningParamEffortType2Type1 | ReasoningParamEffortType3Type1 |
            Unset):
        summary (None | ReasoningParamSummaryType1 | ReasoningParamSummaryType2Type1 | ReasoningParamSummaryType3Type1 |
            Unset):
        generate_summary (None | ReasoningParamGenerateSummaryType1 | ReasoningParamGenerateSummaryType2Type1 |
            ReasoningParamGenerateSummaryType3Type1 | Unset):
        context (None | ReasoningParamContextType1 | ReasoningParamContextType2Type1 | ReasoningParamContextType3Type1 |
            Unset):
        mode (None | str | Unset):
    """

    effort: (
        None
        | ReasoningParamEffortType1
        | ReasoningParamEffortType2Type1
        | ReasoningParamEffortType3Type1
        | Unset
    ) = UNSET
    summary: (
        None
        | ReasoningParamSummaryType1
        | ReasoningParamSummaryType2Type1
        | ReasoningParamSummaryType3Type1
        | Unset
    ) = UNSET
    generate_summary: (
        None
        | ReasoningParamGenerateSummaryType1
        | ReasoningParamGenerateSummaryType2Type1
        | ReasoningParamGenerateSummaryType3Type1
        | Unset
    ) = UNSET
    context: (
        None
        | ReasoningParamContextType1
        | ReasoningParamContextType2Type1
        | ReasoningParamContextType3Type1
        | Unset
    ) = UNSET
    mode: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        effort: None | str | Unset
        if isinstance(self.effort, Unset):
            effort = UNSET
        elif isinstance(self.effort, ReasoningParamEffortType1):
            effort = self.effort.value
        elif isinstance(self.effort, ReasoningParamEffortType2Type1):
            effort = self.effort.value
        elif isinstance(self.effort, ReasoningParamEffortType3Type1):
            effort = self.effort.value
        else:
            effort = self.effort

        summary: None | str | Unset
        if isinstance(self.summary, Unset):
            summary = UNSET
        elif isinstance(self.summary, ReasoningParamSummaryType1):
            summary = self.summary.value
        elif isinstance(self.summary, ReasoningParamSummaryType2Type1):
            summary = self.summary.value
        elif isinstance(self.summary, ReasoningParamSummaryType3Type1):
            summary = self.summary.value
        else:
            summary = self.summary

        generate_summary: None | str | Unset
        if isinstance(self.generate_summary, Unset):
            generate_summary = UNSET
        elif isinstance(self.generate_summary, ReasoningParamGenerateSummaryType1):
            generate_summary = self.generate_summary.value
        elif isinstance(self.generate_summary, ReasoningParamGenerateSummaryType2Type1):
            generate_summary = self.generate_summary.value
        elif isinstance(self.generate_summary, ReasoningParamGenerateSummaryType3Type1):
            generate_summary = self.generate_summary.value
        else:
            generate_summary = self.generate_summary

        context: None | str | Unset
        if isinstance(self.context, Unset):
            context = UNSET
        elif isinstance(self.context, ReasoningParamContextType1):
            context = self.context.value
        elif isinstance(self.context, ReasoningParamContextType2Type1):
            context = self.context.value
        elif isinstance(self.context, ReasoningParamContextType3Type1):
            context = self.context.value
        else:
            context = self.context

        mode: None | str | Unset
        if isinstance(self.mode, Unset):
            mode = UNSET
        else:
            mode = self.mode

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if effort is not UNSET:
            field_dict["effort"] = effort
        if summary is not UNSET:
            field_dict["summary"] = summary
        if generate_summary is not UNSET:
            field_dict["generate_summary"] = generate_summary
        if context is not UNSET:
            field_dict["context"] = context
        if mode is not UNSET:
            field_dict["mode"] = mode

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_effort(
            data: object,
        ) -> (
            None
            | ReasoningParamEffortType1
            | ReasoningParamEffortType2Type1
            | ReasoningParamEffortType3Type1
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                effort_type_1 = ReasoningParamEffortType1(data)

                return effort_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                effort_type_2_type_1 = ReasoningParamEffortType2Type1(data)

                return effort_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                effort_type_3_type_1 = ReasoningParamEffortType3Type1(data)

                return effort_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | ReasoningParamEffortType1
                | ReasoningParamEffortType2Type1
                | ReasoningParamEffortType3Type1
                | Unset,
                data,
            )

        effort = _parse_effort(d.pop("effort", UNSET))

        def _parse_summary(
            data: object,
        ) -> (
            None
            | ReasoningParamSummaryType1
            | ReasoningParamSummaryType2Type1
            | ReasoningParamSummaryType3Type1
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                summary_type_1 = ReasoningParamSummaryType1(data)

                return summary_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                summary_type_2_type_1 = ReasoningParamSummaryType2Type1(data)

                return summary_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                summary_type_3_type_1 = ReasoningParamSummaryType3Type1(data)

                return summary_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | ReasoningParamSummaryType1
                | ReasoningParamSummaryType2Type1
                | ReasoningParamSummaryType3Type1
                | Unset,
                data,
            )

        summary = _parse_summary(d.pop("summary", UNSET))

        def _parse_generate_summary(
            data: object,
        ) -> (
            None
            | ReasoningParamGenerateSummaryType1
            | ReasoningParamGenerateSummaryType2Type1
            | ReasoningParamGenerateSummaryType3Type1
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                generate_summary_type_1 = ReasoningParamGenerateSummaryType1(data)

                return generate_summary_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                generate_summary_type_2_type_1 = ReasoningParamGenerateSummaryType2Type1(data)

                return generate_summary_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                generate_summary_type_3_type_1 = ReasoningParamGenerateSummaryType3Type1(data)

                return generate_summary_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | ReasoningParamGenerateSummaryType1
                | ReasoningParamGenerateSummaryType2Type1
                | ReasoningParamGenerateSummaryType3Type1
                | Unset,
                data,
            )

        generate_summary = _parse_generate_summary(d.pop("generate_summary", UNSET))

        def _parse_context(
            data: object,
        ) -> (
            None
            | ReasoningParamContextType1
            | ReasoningParamContextType2Type1
            | ReasoningParamContextType3Type1
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                context_type_1 = ReasoningParamContextType1(data)

                return context_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                context_type_2_type_1 = ReasoningParamContextType2Type1(data)

                return context_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                context_type_3_type_1 = ReasoningParamContextType3Type1(data)

                return context_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | ReasoningParamContextType1
                | ReasoningParamContextType2Type1
                | ReasoningParamContextType3Type1
                | Unset,
                data,
            )

        context = _parse_context(d.pop("context", UNSET))

        def _parse_mode(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        mode = _parse_mode(d.pop("mode", UNSET))

        reasoning_param = cls(
            effort=effort,
            summary=summary,
            generate_summary=generate_summary,
            context=context,
            mode=mode,
        )

        reasoning_param.additional_properties = d
        return reasoning_param

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
