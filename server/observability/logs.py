"""JSON log lines: every `hanlin.*` record as one object with the request id (and trace id) of
the request it was logged in, plus one `hanlin.access` line per request when it is answered.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any, TextIO

import msgspec

from server.observability.hooks import RequestContext, current

ACCESS = logging.getLogger("hanlin.access")
# Fields a record may carry in `extra`; anything else on a LogRecord is logging's own.
FIELDS = ("method", "route", "path", "status", "duration_ms")
# A client's id is echoed into a header and the logs: visible ASCII only, and not too long.
_CLIENT_ID = re.compile(r"[\x21-\x7e]{1,128}")


def request_id(sent: str | None) -> str:
    """The client's `x-request-id` when it is a sane one, else a fresh id."""
    return sent if sent is not None and _CLIENT_ID.fullmatch(sent) else uuid.uuid4().hex


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        ctx = current()
        if ctx is not None:
            line["request_id"] = ctx.request_id
            span = ctx.root.get_span_context()
            if span.is_valid:
                line["trace_id"] = format(span.trace_id, "032x")
        line.update({k: getattr(record, k) for k in FIELDS if hasattr(record, k)})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return msgspec.json.encode(line, enc_hook=str).decode()


def configure_logging(level: str = "info", stream: TextIO | None = None) -> logging.Handler:
    """Send the `hanlin` loggers to `stream` (stderr) as JSON lines at `level`, replacing a
    handler an earlier call installed. Returns the handler (a test removes it after)."""
    logger = logging.getLogger("hanlin")
    for old in [h for h in logger.handlers if getattr(h, "hanlin_json", False)]:
        logger.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JSONFormatter())
    handler.hanlin_json = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False  # one line per record, not a second copy from the root's handler
    return handler


def log_request(ctx: RequestContext, path: str, status: int, started: float) -> None:
    """The access line, logged while the request's context is still current."""
    ACCESS.log(
        logging.ERROR if status >= 500 else logging.INFO,
        "%s %s %d", ctx.method, path, status,
        extra={"method": ctx.method, "route": ctx.route, "path": path, "status": status,
               "duration_ms": round((time.perf_counter() - started) * 1000, 3)},
    )
