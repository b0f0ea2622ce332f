"""The web console: static pages (plain ES modules, no build step) served at `/` by the app
itself. It is a client of the public API like any other; it adds no route of its own beyond the
files, which are public (the page loads before a key is pasted) and left out of the OpenAPI
document. What each page does is in `static/js/`, one module a page."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.static_files import create_static_files_router

from server.auth import PUBLIC

STATIC = Path(__file__).parent / "static"


def console_router() -> Router:
    """`GET /` -> index.html and `GET /<file>` -> a static file; any other path falls through
    to the API's routes, which are matched first (Litestar prefers a literal path segment)."""
    return create_static_files_router(path="/", directories=[STATIC], html_mode=True,
                                      include_in_schema=False, opt=PUBLIC, name="console")
