"""API-key authentication as one app-wide Litestar guard: once any key exists, every route but the
public ones (`/health`) needs `Authorization: Bearer <key>`; routes marked admin need an admin
key. The caller's `Principal` is what routes use to stamp and filter ownership."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from server.errors import APIError
from server.limits import CURRENT, GENERATION_PATHS
from server.state.ownership import set_caller

ADMIN = {"scope": "admin"}  # route opt: `@post(..., opt=ADMIN)`
PUBLIC = {"public": True}  # route opt: reachable without a key
TOUCH_SECONDS = 60  # last_used_at is written at most this often per key


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key (`key_id`) with a scope, or nobody when no key exists yet (then the
    server is bound to 127.0.0.1 and the caller is its operator)."""

    key_id: str | None
    scope: str

    @property
    def is_admin(self) -> bool:
        return self.scope == "admin"

    @property
    def owner_filter(self) -> str | None:
        """Whose objects this caller sees: an admin (or the operator) sees all (None)."""
        return None if self.is_admin else self.key_id


OPERATOR = Principal(key_id=None, scope="admin")


def _unauthorized(message: str, code: str | None = None) -> APIError:
    return APIError(message, status_code=401, code=code,
                    headers={"www-authenticate": 'Bearer realm="hanlin"'})


def _bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    value = connection.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def require_key(connection: ASGIConnection[Any, Any, Any, Any],
                      handler: BaseRouteHandler) -> None:
    """The app's guard: sets `connection.state.principal` or answers 401 / 403."""
    if handler.opt.get("public"):
        return
    principal = await _principal(connection, _bearer(connection))
    if handler.opt.get("scope") == "admin" and not principal.is_admin:
        raise APIError("This route needs an admin key.", status_code=403,
                       code="insufficient_permissions")
    connection.state.principal = principal
    set_caller(principal.key_id, sees_all=principal.is_admin)  # what stores stamp and filter by
    if connection.scope["path"] in GENERATION_PATHS and connection.scope.get("method") == "POST":
        await _admit(connection, principal)


async def _principal(connection: ASGIConnection[Any, Any, Any, Any],
                     token: str | None) -> Principal:
    """The caller: a valid key's holder; the server's own jobs; or, while no key exists at all,
    the operator (whatever bearer a client sends: SDKs always send one). Else a 401."""
    keys = connection.app.state.services.keys
    if token is not None and hmac.compare_digest(token, connection.app.state.internal_token):
        return OPERATOR  # the server's own jobs calling its routes in-process
    row = await keys.authenticate(token) if token is not None else None
    if row is not None:
        await _touch(connection, row.id)
        return Principal(key_id=row.id, scope=row.scope)
    if not await keys.any_active():
        return OPERATOR
    if token is None:
        raise _unauthorized(
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
    shown = f"{token[:6]}***{token[-4:]}" if len(token) > 12 else "***"
    raise _unauthorized(f"Incorrect API key provided: {shown}.", code="invalid_api_key")


async def _admit(connection: ASGIConnection[Any, Any, Any, Any], principal: Principal) -> None:
    """A generation request takes a ticket (or is refused with 429 / 503 and retry-after); the
    ticket is released by `release_tickets` once the response is sent. The body is not read
    here (a guard that reads it leaves streamed responses a receive that says "disconnected"):
    a stream counts as one when `sse_response` starts it."""
    ticket = connection.app.state.limiter.admit(principal.key_id)
    connection.state.ticket = ticket
    CURRENT.set(ticket)


async def _touch(connection: ASGIConnection[Any, Any, Any, Any], key_id: str) -> None:
    seen: dict[str, float] = connection.app.state.setdefault("key_last_touch", {})
    now = time.monotonic()
    if now - seen.get(key_id, -TOUCH_SECONDS) >= TOUCH_SECONDS:
        seen[key_id] = now
        await connection.app.state.services.keys.touch(key_id)


def provide_principal(request: Any) -> Principal:
    """Litestar dependency `principal`; the guard has run by the time handlers resolve it."""
    return getattr(request.state, "principal", OPERATOR)
