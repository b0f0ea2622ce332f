"""Which content types a request body may have: JSON (`application/json`, `*/*+json`), or a
multipart form on the upload routes. Anything else is a 415 before a byte of the body is read, so
a web page's `text/plain` form post is never parsed as a request."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from server.errors import APIError


def is_json(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and
                                          kind.endswith("+json"))


def is_multipart(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "multipart/form-data"


def takes_uploads(handler: BaseRouteHandler) -> bool:
    """Upload routes are the ones that lift the JSON body cap (`request_max_body_size=None` on
    the route itself) to stream a multipart body to disk under their own."""
    return getattr(handler, "request_max_body_size", False) is None


def has_body(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    headers = connection.headers
    length = headers.get("content-length", "").strip()
    return "transfer-encoding" in headers or (length not in ("", "0"))


def check_media_type(connection: ASGIConnection[Any, Any, Any, Any],
                     handler: BaseRouteHandler) -> None:
    """Raise a 415 unless the request carries no body, a JSON one, or (on an upload route) a
    multipart form."""
    if not has_body(connection):
        return
    content_type = connection.headers.get("content-type", "")
    if is_json(content_type) or (is_multipart(content_type) and takes_uploads(handler)):
        return
    accepted = "application/json" + (" or multipart/form-data" if takes_uploads(handler) else "")
    shown = content_type.split(";", 1)[0].strip()[:100] or "none"
    raise APIError(f"Unsupported content type '{shown}': this route takes a body of type "
                   f"{accepted} (set the Content-Type header).", status_code=415,
                   code="unsupported_media_type")
