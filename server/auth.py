"""API-key authentication as one app-wide Litestar guard: once any key was ever made (revoked or
not), every route but the public ones (`/health`, the console) needs `Authorization: Bearer
<key>`; routes marked admin need an admin key (`/metrics` also takes HANLIN_METRICS_KEY). The
guard then refuses a body that is not JSON (415), and admits generation requests and tool
invocations once their body is read. The caller's `Principal` is what routes use for ownership."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from server.errors import APIError
from server.limits import ADMITTED_ROUTES, CURRENT
from server.media_types import check_media_type
from server.state.ownership import set_caller

ADMIN = {"scope": "admin"}  # route opt: `@post(..., opt=ADMIN)`
PUBLIC = {"public": True}  # route opt: reachable without a key (the handler sees who calls)
METRICS = {"scope": "admin", "metrics": True}  # admin, or the metrics key (HANLIN_METRICS_KEY)
TOUCH_SECONDS = 60  # last_used_at is written at most this often per key
# The server's own jobs (eval and benchmark runs) call its routes with the internal token and
# this header: the key they run for (`acting_for`), whose models they may reach, no others.
ON_BEHALF = "x-hanlin-on-behalf-of"
NO_KEY = "-"  # work made while no key existed: the operator's


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key (`key_id`) with a scope, or nobody when no key exists yet (then the
    server is bound to 127.0.0.1 and the caller is its operator)."""

    key_id: str | None
    scope: str  # admin | user | none (no key, on a public route) | metrics (the metrics key)

    @property
    def is_admin(self) -> bool:
        return self.scope == "admin"

    @property
    def owner_filter(self) -> str | None:
        """Whose objects this caller sees: an admin (or the operator) sees all (None); a caller
        without a key, none ("": no key has that id)."""
        return None if self.is_admin else (self.key_id or "")


OPERATOR = Principal(key_id=None, scope="admin")
ANONYMOUS = Principal(key_id=None, scope="none")  # no valid key, on a public route
METRICS_SCRAPER = Principal(key_id=None, scope="metrics")


def _unauthorized(message: str, code: str | None = None) -> APIError:
    return APIError(message, status_code=401, code=code,
                    headers={"www-authenticate": 'Bearer realm="hanlin"'})


def _bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    value = connection.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def require_key(connection: ASGIConnection[Any, Any, Any, Any],
                      handler: BaseRouteHandler) -> None:
    """The app's guard: sets `connection.state.principal` or answers 401 / 403 / 415; admitted
    routes read their body (under the read deadline), then take a ticket (429 / 503)."""
    token = _bearer(connection)
    if handler.opt.get("public"):
        # Never a 401 here: a public route answers everyone, saying less to those without a key.
        connection.state.principal = await _principal(connection, token, required=False)
        return
    if handler.opt.get("metrics") and _is_metrics_key(connection, token):
        connection.state.principal = METRICS_SCRAPER
        return
    principal = await _principal(connection, token)
    if handler.opt.get("scope") == "admin" and not principal.is_admin:
        raise APIError("This route needs an admin key.", status_code=403,
                       code="insufficient_permissions")
    connection.state.principal = principal
    set_caller(principal.key_id, sees_all=principal.is_admin)  # what stores stamp and filter by
    check_media_type(connection, handler)
    if (connection.scope.get("path_template") in ADMITTED_ROUTES
            and connection.scope.get("method") == "POST"):
        await _admit(connection, principal)


async def _principal(connection: ASGIConnection[Any, Any, Any, Any], token: str | None, *,
                     required: bool = True) -> Principal:
    """The caller: a valid key's holder; the server's own jobs; or, while no key was ever made,
    the operator (whatever bearer a client sends: SDKs always send one; `hanlin serve` lets only
    loopback clients in then, see server/front_door.py). Else a 401, or ANONYMOUS when a key
    is not `required`."""
    keys = connection.app.state.services.keys
    if token is not None and hmac.compare_digest(token, connection.app.state.internal_token):
        return await _on_behalf(connection)  # the server's own jobs, as the key they run for
    row = await keys.authenticate(token) if token is not None else None
    if row is not None:
        await _touch(connection, row.id)
        return Principal(key_id=row.id, scope=row.scope)
    if not await keys.auth_enabled():
        return OPERATOR
    if not required:
        return ANONYMOUS
    if token is None:
        raise _unauthorized(
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
    shown = f"{token[:6]}***{token[-4:]}" if len(token) > 12 else "***"
    raise _unauthorized(f"Incorrect API key provided: {shown}.", code="invalid_api_key")


def acting_for(owner: str | None) -> dict[str, str]:
    """The header an in-process job sends with the internal token: it runs for `owner`."""
    return {ON_BEHALF: owner or NO_KEY}


async def _on_behalf(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """An in-process job's caller: the key it runs for, with that key's scope now (a revoked
    key keeps a user's reach), or the operator for work made with no key. A call that names
    nobody is refused rather than given the operator's reach."""
    key_id = connection.headers.get(ON_BEHALF)
    if key_id == NO_KEY:
        return OPERATOR
    if not key_id:
        raise _unauthorized("An in-process call must name the key it runs for.")
    rows = await connection.app.state.services.keys.list()
    row = next((r for r in rows if r.id == key_id), None)
    admin = row is not None and row.scope == "admin" and row.revoked_at is None
    return Principal(key_id=key_id, scope="admin" if admin else "user")


def _is_metrics_key(connection: ASGIConnection[Any, Any, Any, Any], token: str | None) -> bool:
    wanted = connection.app.state.get("metrics_key")
    return bool(wanted) and token is not None and hmac.compare_digest(token, wanted)


async def _admit(connection: ASGIConnection[Any, Any, Any, Any], principal: Principal) -> None:
    """Read the whole body first (bounded by the body read deadline and the body cap), then take
    a ticket (or refuse with 429 / 503 and retry-after): a client that stalls its body holds no
    ticket, so it cannot starve the requests that are ready. The handler parses the body read
    here; the ticket is released by `release_tickets` once the response is sent. A stream
    counts as one when `sse_response` starts it."""
    await connection.body()  # type: ignore[attr-defined]  # routes are HTTP: a Request
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
    """Litestar dependency `principal`; the guard has run by the time handlers resolve it (and
    a handler it did not run for is nobody's: never the operator by default)."""
    return getattr(request.state, "principal", ANONYMOUS)
