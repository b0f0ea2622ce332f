"""Who may use a fine-tuned model: the key that made its job, admins (and the key-less operator),
and every key once its owner makes it public. The one rule behind every route that takes a model
name (`server.routes.check_model`) and behind `/v1/models`; the base model is everyone's."""

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


class ModelAccess:
    """Every served fine-tuned model's Access, by id, as the store last said: `sync_models`
    replaces it whenever the models change, with the engines that serve them."""

    def __init__(self) -> None:
        self._by_id: dict[str, Access] = {}

    def replace(self, by_id: dict[str, Access]) -> None:
        self._by_id = dict(by_id)

    def usable(self, model_id: str) -> bool:
        """False for an id with no record: a model served without an owner is nobody's."""
        access = self._by_id.get(model_id)
        return access is not None and access.usable()
