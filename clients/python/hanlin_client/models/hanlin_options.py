from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.hanlin_options_visibility import HanlinOptionsVisibility
from ..models.hanlin_options_zero_stage_type_1 import HanlinOptionsZeroStageType1
from ..models.hanlin_options_zero_stage_type_2_type_1 import HanlinOptionsZeroStageType2Type1
from ..models.hanlin_options_zero_stage_type_3_type_1 import HanlinOptionsZeroStageType3Type1
from ..types import UNSET, Unset

T = TypeVar("T", bound="HanlinOptions")


@_attrs_define
class HanlinOptions:
    """
    Attributes:
        lora_rank (int | Unset):  Default: 8.
        lora_alpha (float | None | Unset):
        lora_targets (list[str] | None | Unset):
        qlora (bool | Unset):  Default: False.
        zero_stage (HanlinOptionsZeroStageType1 | HanlinOptionsZeroStageType2Type1 | HanlinOptionsZeroStageType3Type1 |
            None | Unset):
        nproc (int | Unset):  Default: 1.
        max_steps (int | None | Unset):
        seq_len (int | None | Unset):
        checkpoint_every (int | Unset):  Default: 0.
        threads (int | None | Unset):
        visibility (HanlinOptionsVisibility | Unset):  Default: HanlinOptionsVisibility.PRIVATE.
    """

    lora_rank: int | Unset = 8
    lora_alpha: float | None | Unset = UNSET
    lora_targets: list[str] | None | Unset = UNSET
    qlora: bool | Unset = False
    zero_stage: (
        HanlinOptionsZeroStageType1
        | HanlinOptionsZeroStageType2Type1
        | HanlinOptionsZeroStageType3Type1
        | None
        | Unset
    ) = UNSET
    nproc: int | Unset = 1
    max_steps: int | None | Unset = UNSET
    seq_len: int | None | Unset = UNSET
    checkpoint_every: int | Unset = 0
    threads: int | None | Unset = UNSET
    visibility: HanlinOptionsVisibility | Unset = HanlinOptionsVisibility.PRIVATE
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        lora_rank = self.lora_rank

        lora_alpha: float | None | Unset
        if isinstance(self.lora_alpha, Unset):
            lora_alpha = UNSET
        else:
            lora_alpha = self.lora_alpha

        lora_targets: list[str] | None | Unset
        if isinstance(self.lora_targets, Unset):
            lora_targets = UNSET
        elif isinstance(self.lora_targets, list):
            lora_targets = self.lora_targets

        else:
            lora_targets = self.lora_targets

        qlora = self.qlora

        zero_stage: int | None | Unset
        if isinstance(self.zero_stage, Unset):
            zero_stage = UNSET
        elif isinstance(self.zero_stage, HanlinOptionsZeroStageType1):
            zero_stage = self.zero_stage.value
        elif isinstance(self.zero_stage, HanlinOptionsZeroStageType2Type1):
            zero_stage = self.zero_stage.value
        elif isinstance(self.zero_stage, HanlinOptionsZeroStageType3Type1):
            zero_stage = self.zero_stage.value
        else:
            zero_stage = self.zero_stage

        nproc = self.nproc

        max_steps: int | None | Unset
        if isinstance(self.max_steps, Unset):
            max_steps = UNSET
        else:
            max_steps = self.max_steps

        seq_len: int | None | Unset
        if isinstance(self.seq_len, Unset):
            seq_len = UNSET
        else:
            seq_len = self.seq_len

        checkpoint_every = self.checkpoint_every

        threads: int | None | Unset
        if isinstance(self.threads, Unset):
            threads = UNSET
        else:
            threads = self.threads

        visibility: str | Unset = UNSET
        if not isinstance(self.visibility, Unset):
            visibility = self.visibility.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if lora_rank is not UNSET:
            field_dict["lora_rank"] = lora_rank
        if lora_alpha is not UNSET:
            field_dict["lora_alpha"] = lora_alpha
        if lora_targets is not UNSET:
            field_dict["lora_targets"] = lora_targets
        if qlora is not UNSET:
            field_dict["qlora"] = qlora
        if zero_stage is not UNSET:
            field_dict["zero_stage"] = zero_stage
        if nproc is not UNSET:
            field_dict["nproc"] = nproc
        if max_steps is not UNSET:
            field_dict["max_steps"] = max_steps
        if seq_len is not UNSET:
            field_dict["seq_len"] = seq_len
        if checkpoint_every is not UNSET:
            field_dict["checkpoint_every"] = checkpoint_every
        if threads is not UNSET:
            field_dict["threads"] = threads
        if visibility is not UNSET:
            field_dict["visibility"] = visibility

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        lora_rank = d.pop("lora_rank", UNSET)

        def _parse_lora_alpha(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        lora_alpha = _parse_lora_alpha(d.pop("lora_alpha", UNSET))

        def _parse_lora_targets(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                lora_targets_type_0 = cast(list[str], data)

                return lora_targets_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        lora_targets = _parse_lora_targets(d.pop("lora_targets", UNSET))

        qlora = d.pop("qlora", UNSET)

        def _parse_zero_stage(
            data: object,
        ) -> (
            HanlinOptionsZeroStageType1
            | HanlinOptionsZeroStageType2Type1
            | HanlinOptionsZeroStageType3Type1
            | None
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, int):
                    raise TypeError()
                zero_stage_type_1 = HanlinOptionsZeroStageType1(data)

                return zero_stage_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, int):
                    raise TypeError()
                zero_stage_type_2_type_1 = HanlinOptionsZeroStageType2Type1(data)

                return zero_stage_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, int):
                    raise TypeError()
                zero_stage_type_3_type_1 = HanlinOptionsZeroStageType3Type1(data)

                return zero_stage_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                HanlinOptionsZeroStageType1
                | HanlinOptionsZeroStageType2Type1
                | HanlinOptionsZeroStageType3Type1
                | None
                | Unset,
                data,
            )

        zero_stage = _parse_zero_stage(d.pop("zero_stage", UNSET))

        nproc = d.pop("nproc", UNSET)

        def _parse_max_steps(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_steps = _parse_max_steps(d.pop("max_steps", UNSET))

        def _parse_seq_len(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seq_len = _parse_seq_len(d.pop("seq_len", UNSET))

        checkpoint_every = d.pop("checkpoint_every", UNSET)

        def _parse_threads(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        threads = _parse_threads(d.pop("threads", UNSET))

        _visibility = d.pop("visibility", UNSET)
        visibility: HanlinOptionsVisibility | Unset
        if isinstance(_visibility, Unset):
            visibility = UNSET
        else:
            visibility = HanlinOptionsVisibility(_visibility)

        hanlin_options = cls(
            lora_rank=lora_rank,
            lora_alpha=lora_alpha,
            lora_targets=lora_targets,
            qlora=qlora,
            zero_stage=zero_stage,
            nproc=nproc,
            max_steps=max_steps,
            seq_len=seq_len,
            checkpoint_every=checkpoint_every,
            threads=threads,
            visibility=visibility,
        )

        hanlin_options.additional_properties = d
        return hanlin_options

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
