"""Who owns a row: the API key that made it. The auth guard sets the caller for each request;
stores stamp new rows with it and filter reads by it, so a user key never sees another key's
objects (a 404, as for an unknown id). Outside a request (job runners) nothing is filtered."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import Select

Q = TypeVar("Q", bound=Select[Any])

# (key id, may see every owner's rows). The default is the operator: no filter.
_CALLER: ContextVar[tuple[str | None, bool]] = ContextVar("hanlin_caller", default=(None, True))


def set_caller(key_id: str | None, *, sees_all: bool) -> None:
    _CALLER.set((key_id, sees_all))


def creator() -> str | None:
    """The owner to stamp on a row made now."""
    return _CALLER.get()[0]


def visible(row: Any) -> bool:
    key_id, sees_all = _CALLER.get()
    return sees_all or row.owner == key_id


def only_visible(query: Q, table: Any) -> Q:
    key_id, sees_all = _CALLER.get()
    return query if sees_all else query.where(table.owner == key_id)
