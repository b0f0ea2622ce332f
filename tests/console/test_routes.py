"""The console's files in-process (scripted engine, real SQLite): `/` serves the page before any
key is pasted, assets have types a browser runs, the API still routes as before around a router
mounted at `/`, the OpenAPI document is unchanged, and no file refers to another host."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from server.app import ROUTES, create_app
from server.console import STATIC
from tests.server.scripted_engine import ScriptedEngine


@pytest.fixture
async def http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AsyncTestClient]:
    monkeypatch.setenv("HANLIN_HOME", str(tmp_path))
    async with AsyncTestClient(create_app(engine=ScriptedEngine())) as client:
        yield client


async def test_the_page_and_its_assets_are_served_with_types_a_browser_runs(
        http: AsyncTestClient) -> None:
    index = await http.get("/")
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="js/app.js">' in index.text
    for path in re.findall(r'(?:src|href)="([^"#:]+)"', index.text):
        asset = await http.get(f"/{path}")
        assert asset.status_code == 200, path
    for module in sorted((STATIC / "js").glob("*.js")):
        answer = await http.get(f"/js/{module.name}")
        # A module script with any other type is refused by the browser.
        assert answer.headers["content-type"].split(";")[0] in ("text/javascript",
                                                                "application/javascript")
        for imported in re.findall(r'from "\./([^"]+)"', answer.text):
            assert (STATIC / "js" / imported).is_file(), (module.name, imported)


async def test_the_api_routes_as_before_around_the_console(http: AsyncTestClient) -> None:
    assert (await http.get("/v1/models")).json()["object"] == "list"
    for method, path, status in [("GET", "/v1/nowhere", 404), ("POST", "/v1/nowhere", 404),
                                 ("GET", "/nowhere.js", 404), ("GET", "/v1/chat/completions", 405),
                                 ("GET", "/js/../../__init__.py", 404)]:
        answer = await http.request(method, path)
        assert answer.status_code == status, (method, path, answer.text)
        assert set(answer.json()) == {"error"}  # the API's envelope, not a page
    assert (await http.get("/schema")).status_code == 200
    # (/health and /metrics need a real engine's stats: the browser tests read them live.)
    document = (await http.get("/schema/openapi.json")).json()
    served = {re.sub(r"\{(\w+):\w+\}", r"{\1}", p) for h in ROUTES for p in h.paths}
    assert set(document["paths"]) == served  # the console adds nothing to the document


async def test_the_page_is_public_and_the_api_is_not_once_a_key_exists(
        http: AsyncTestClient) -> None:
    made = (await http.post("/v1/keys", json={"name": "ops", "scope": "admin"})).json()
    assert (await http.get("/v1/models")).status_code == 401
    for path in ("/", "/index.html", "/js/app.js", "/css/console.css", "/vendor/uPlot.esm.js"):
        assert (await http.get(path)).status_code == 200, path
    auth = {"Authorization": f"Bearer {made['key']}"}
    assert (await http.get("/v1/models", headers=auth)).status_code == 200


def test_no_file_loads_anything_from_another_host() -> None:
    for path in STATIC.rglob("*"):
        if path.suffix not in (".html", ".css", ".js") or path.parent.name == "vendor":
            continue
        text = path.read_text()
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), path
        assert not re.search(r"""(import|from)\s*\(?\s*["'](https?:)?//""", text), path
        assert not re.search(r"""url\(\s*["']?(https?:)?//""", text), path
    vendored = (STATIC / "vendor" / "uPlot.esm.js").read_text()
    assert not re.search(r"^\s*import\b", vendored, re.M)  # a self-contained module
