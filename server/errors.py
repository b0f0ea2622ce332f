"""OpenAI's error envelope for every failure: `{"error": {"message", "type", "param", "code"}}`.

One handler turns any Litestar HTTP exception (validation, malformed JSON, 404, 405, a body past
the route's size cap) or our own APIError into the envelope; another turns anything unexpected
into a 500 without a traceback.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from server.protocol import ErrorInfo, ErrorResponse

log = logging.getLogger("hanlin.server")

_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    429: "rate_limit_error",
}
_FIELD = re.compile(r"field `([^`]+)`")
_INTERNAL = "The server had an error while processing your request."


class APIError(HTTPException):
    """An error the API answers on purpose, with OpenAI's `param` and `code`."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int = 400,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail=message, status_code=status_code, headers=headers)
        self.param = param
        self.code = code


def unsupported(param: str, message: str | None = None) -> APIError:
    """A parameter of OpenAI's schema that hanlin does not implement yet (never ignored)."""
    text = message or f"Unsupported parameter: '{param}' is not supported yet."
    return APIError(text, param=param, code="unsupported_parameter")


def model_not_found(model: str) -> APIError:
    return APIError(
        f"The model `{model}` does not exist.",
        status_code=404,
        param="model",
        code="model_not_found",
    )


def from_msgspec(exc: msgspec.ValidationError | msgspec.DecodeError) -> APIError:
    """A body decoded by hand (routes that also take multipart) fails as Litestar's would."""
    text = str(exc)
    if not isinstance(exc, msgspec.ValidationError):
        return APIError(f"We could not parse the JSON body of your request: {text}",
                        code="invalid_json")
    message, _, where = text.partition(" - at `$")
    key = where.rstrip("`").lstrip(".")
    message, param, code = _from_validation([{"message": message, "key": key}])
    return APIError(message, param=param, code=code)


def error_type(status: int) -> str:
    if status >= 500:
        return "server_error"
    return _TYPES.get(status, "invalid_request_error")


def envelope(exc: Exception, method: str = "", path: str = "") -> tuple[int, ErrorResponse]:
    """The status and body that answer `exc`; the text of an unexpected error never leaks."""
    if not isinstance(exc, HTTPException):
        info = ErrorInfo(message=_INTERNAL, type="server_error")
        return HTTP_500_INTERNAL_SERVER_ERROR, ErrorResponse(error=info)
    status = exc.status_code
    param, code = getattr(exc, "param", None), getattr(exc, "code", None)
    if isinstance(exc, APIError):
        message = exc.detail
    elif isinstance(exc, ValidationException) and exc.extra:
        message, param, code = _from_validation(exc.extra)
    elif status == 404:
        message = f"Invalid URL ({method} {path})"
    elif status == 405:
        message = f"Method {method} is not allowed for {path}"
    elif status >= 500:
        message = _INTERNAL
    else:
        # Malformed JSON arrives as a plain ClientException whose detail says where it broke.
        message = exc.detail
    info = ErrorInfo(message=message, type=error_type(status), param=param, code=code)
    return status, ErrorResponse(error=info)


def _from_validation(extra: Any) -> tuple[str, str | None, str]:
    """msgspec's first complaint, with `param` as OpenAI names it (`messages[0].content`)."""
    first = extra[0] if isinstance(extra, list) else extra
    text, key = str(first.get("message", "")), str(first.get("key", ""))
    # The handler's body parameter is called `data`: that key means the body's top level.
    where = "" if key == "data" else key
    field = _FIELD.search(text)
    if text == "'data'":
        return "The request body is empty: expected a JSON object.", None, "invalid_value"
    if field and text.startswith("Object contains unknown field"):
        param = _join(where, field.group(1))
        return f"Unrecognized request argument supplied: {param}", param, "unknown_parameter"
    if field and text.startswith("Object missing required field"):
        param = _join(where, field.group(1))
        return f"Missing required parameter: '{param}'.", param, "missing_required_parameter"
    code = "invalid_type" if ", got `" in text else "invalid_value"
    if text.startswith("Unsupported parameter:"):  # a struct's own refusal (__post_init__)
        code = "unsupported_parameter"
    label = where or "body"
    return f"Invalid '{label}': {text}", where or None, code


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def body_too_large(request: Request[Any, Any, Any]) -> APIError:
    """Litestar's 413 (`request_max_body_size`, whether announced or counted while streaming),
    saying what the cap is."""
    handler = request.scope.get("route_handler")
    limit = handler.resolve_request_max_body_size() if handler is not None else None
    cap = f" of {limit} bytes (HANLIN_MAX_BODY_BYTES)" if limit else ""
    return APIError(f"The request body is larger than this server's limit{cap}.",
                    status_code=413, code="request_too_large")


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, RequestEntityTooLarge):
        exc = body_too_large(request)
    status, body = envelope(exc, request.method, request.url.path)
    if status >= 500:
        log.error("%s %s failed: %r", request.method, request.url.path, exc)
    return Response(content=body, status_code=status, headers=exc.headers)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, RecursionError):
        # JSON nested past what msgspec's decoder (it raises RecursionError, measured with
        # msgspec 0.23: about 1,000 levels) or a walker of the decoded value recurses through:
        # the client's input, not a server fault. Logged in case a server bug hides behind it.
        log.warning("%s %s: the request is nested too deeply (%s)", request.method,
                    request.url.path, exc)
        exc = APIError("The request is nested too deeply: JSON nested past the server's "
                       "limit.", code="invalid_value")
        return handle_http_exception(request, exc)
    log.exception("%s %s failed", request.method, request.url.path, exc_info=exc)
    status, body = envelope(exc)
    return Response(content=body, status_code=status)


EXCEPTION_HANDLERS = {HTTPException: handle_http_exception, Exception: handle_unexpected}

# For the OpenAPI document (and the client generated from it): every error has the envelope.
# No generated examples: they are random, so the document (and the client) would change per run.
ERROR_RESPONSES = {
    400: ResponseSpec(ErrorResponse, description="Invalid request", generate_examples=False),
    404: ResponseSpec(ErrorResponse, description="Unknown model", generate_examples=False),
    500: ResponseSpec(ErrorResponse, description="Server error", generate_examples=False),
}
