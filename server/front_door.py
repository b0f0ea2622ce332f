"""What `hanlin serve`'s socket lets through to the app: every request's body under its read
deadline; and, while no API key was ever made (every caller is then the operator), only loopback
clients, loopback `Host`s (no DNS rebinding) and loopback or absent `Origin`s (no cross-site
posts from a web page), checked on each request. With keys the bearer is the check: a browser
cannot attach one cross-site without a CORS preflight, which this server never approves."""

from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

import msgspec
from litestar import Litestar
from litestar.types import Receive, Scope, Send

from server.errors import APIError, envelope
from server.limits import LimitSettings
from server.read_deadlines import bound_body

log = logging.getLogger("hanlin.server")

_CREATE = "create one with `hanlin keys create --scope admin`"


def is_loopback_address(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def is_loopback_name(name: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1 (bracketed or not)."""
    name = name.lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    return name == "localhost" or is_loopback_address(name)


def is_loopback_host(value: str) -> bool:
    """A `Host` header naming a loopback name, with or without a (numeric) port."""
    value = value.strip()
    if value.startswith("["):
        name, _, rest = value.partition("]")
        name, sep, port = name + "]", rest[:1], rest[1:]
        if rest and sep != ":":
            return False
    else:
        name, sep, port = value.partition(":")
    if sep and not port.isdigit():
        return False
    return is_loopback_name(name)


def is_loopback_origin(value: str) -> bool:
    try:
        parts = urlsplit(value.strip())
        _ = parts.port  # a malformed port is a foreign origin
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and parts.hostname is not None and \
        is_loopback_name(parts.hostname)


def refusal(scope: Scope) -> APIError | None:
    """Why a server without keys refuses this request (a 403), or None."""
    client = scope.get("client")
    peer = str(client[0]) if client else ""
    # A peer that is no IP address is not a TCP one (a unix socket, an in-process transport).
    if _is_ip(peer) and not is_loopback_address(peer):
        return _forbidden(f"This server has no API keys, so it answers only clients on this "
                          f"machine (loopback); {_CREATE}.", "loopback_only")
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
    host = headers.get("host")
    if host is not None and not is_loopback_host(host):
        return _forbidden(f"Host '{host[:100]}' is not this server: without API keys it answers "
                          f"only localhost, 127.0.0.1 and [::1]; {_CREATE}.", "forbidden_host")
    origin = headers.get("origin")
    if origin is not None and not is_loopback_origin(origin):
        return _forbidden(f"Requests from the web origin '{origin[:100]}' are refused: without "
                          f"API keys this server answers only pages served from this machine; "
                          f"{_CREATE}.", "forbidden_origin")
    return None


def _forbidden(message: str, code: str) -> APIError:
    return APIError(message, status_code=403, code=code)


class FrontDoor:
    """ASGI wrapper of the app as `hanlin serve` listens with it."""

    def __init__(self, app: Litestar, limits: LimitSettings) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):  # lifespan
            await self.app(scope, receive, send)
            return
        if not await self._keys_exist() and (refused := refusal(scope)) is not None:
            log.warning("refused a request without keys: %s", refused.code)
            await _answer(scope, receive, send, refused)
            return
        if scope["type"] == "http":
            receive = bound_body(receive, scope, self.limits)
        await self.app(scope, receive, send)

    async def _keys_exist(self) -> bool:
        services = self.app.state.get("services")
        return services is not None and await services.keys.auth_enabled()


async def _answer(scope: Scope, receive: Receive, send: Send, error: APIError) -> None:
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.close", "code": 1008})
        return
    status, body = envelope(error)
    content = msgspec.json.encode(body)
    headers: list[tuple[bytes, bytes]] = [(b"content-type", b"application/json"),
                                          (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
