"""One request's state inside the engine: its tokens, how many have KV computed, its blocks.

The scheduler and the KV manager read and move these; they never see tensors.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field

from engine.protocol import SamplingParams


class Status(enum.Enum):
    WAITING = "waiting"
    RUNNING = "running"
    FINISHED = "finished"


@dataclass(eq=False)
class Sequence:
    """Prefill and decode are one rule: `num_computed_tokens` catches up with `num_tokens`."""

    request_id: str
    prompt_ids: list[int]
    sampling: SamplingParams = field(default_factory=SamplingParams)
    adapter_id: str | None = None
    tenant: str | None = None  # whose request (GenerateRequest.tenant): the fair-share unit
    token_ids: list[int] = field(init=False)
    num_computed_tokens: int = 0
    block_ids: list[int] = field(default_factory=list)
    block_hashes: list[bytes] = field(default_factory=list)  # of the full blocks, in order
    num_cached_tokens: int = 0  # prefix-cache hits when first scheduled
    num_preemptions: int = 0
    status: Status = Status.WAITING
    finish_reason: str | None = None
    arrival: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.token_ids = list(self.prompt_ids)

    @property
    def num_tokens(self) -> int:
        return len(self.token_ids)

    @property
    def num_prompt_tokens(self) -> int:
        return len(self.prompt_ids)

    @property
    def num_output_tokens(self) -> int:
        return len(self.token_ids) - len(self.prompt_ids)

    @property
    def output_ids(self) -> list[int]:
        return self.token_ids[len(self.prompt_ids) :]

    @property
    def is_finished(self) -> bool:
        return self.status is Status.FINISHED
