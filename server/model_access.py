"""Who may use a fine-tuned model: the key that made its job, admins (and the key-less operator),
and every key once its owner makes it public. The one rule behind every route that takes a model
name (`ModelRegistry.lookup`) and behind `/v1/models`; base models are everyone's."""

from __future__ import annotations

from dataclasses import dataclass

from server.protocol import Visibility
from server.state.finetune import FineTunedModel
from server.state.ownership import visible


@dataclass(frozen=True)
class Access:
    """A fine-tuned model's owner (the key that made the job; None: made while no key existed,
    so only admins and the operator own it) and who else may use it."""

    owner: str | None
    visibility: Visibility = "private"

    def usable(self) -> bool:
        """Whether the caller (the request's key, `server.state.ownership`) may see and use it.
        False must look like an unknown model (404): no existence oracle."""
        return self.visibility == "public" or self.manageable()

    def manageable(self) -> bool:
        """Whether the caller may delete it or change its visibility: its owner or an admin."""
        return visible(self)


def access_of(model: FineTunedModel) -> Access:
    """A stored model's Access: its job's key, and its visibility (anything but "public" is
    private, so a value the store never wrote shares nothing)."""
    return Access(model.owner, "public" if model.visibility == "public" else "private")
