"""The web console's browser tests: Debian's Chromium driven by Playwright (headless, one browser
per module, a fresh context per test), one live `hanlin serve` per module with the real default
model, every request the page makes recorded, and screenshots of each page at the two sizes the
console must read well at (1280x800, 390x844) under tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import REPO, launch, stop

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium's own connections (component updates, sync)
# are refused on a closed network and slow everything down.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ARTIFACTS = REPO / "tests" / "artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Generation on two busy cores: a page may wait this long for what it shows (ms).
PAGE_TIMEOUT_MS = 120_000


@dataclass
class Console:
    url: str
    home: Path
    http: httpx.Client


@dataclass
class Page:
    """A Playwright page and every URL it requested."""

    page: object
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("the console tests need Debian's Chromium: apt-get install chromium "
                    "(make install does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """One server for the module: the tests share it (a key test removes its key after)."""
    home = tmp_path_factory.mktemp("console-home")
    proc, url = launch(home, home / "server.log")
    try:
        with httpx.Client(base_url=url, timeout=120) as http:
            yield Console(url=url, home=home, http=http)
    finally:
        stop(proc)


@pytest.fixture
def page(browser, console: Console) -> Iterator[Page]:  # noqa: ANN001 - a Playwright Browser
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    opened = context.new_page()
    recorded = Page(page=opened)
    opened.on("request", lambda request: recorded.requests.append(request.url))
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield recorded
    finally:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def open_page(page: object, url: str, name: str, fragment: str | None = None) -> None:
    """Go to a console page and wait until it has loaded what it shows first."""
    page.goto(f"{url}/#{fragment or name}")
    page.wait_for_selector(f"body[data-page={name}]", state="attached")


def screenshots(page: object, name: str) -> None:
    """Save the page at both sizes; at each, nothing may make the page scroll sideways (tables
    scroll inside their own wrapper)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)  # let the charts redraw at the new width
        page.screenshot(path=str(ARTIFACTS / f"console-{name}-{size['width']}x{size['height']}.png"),
                        full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {size}"
    page.set_viewport_size(DESKTOP)


def metric(http: httpx.Client, name: str) -> float:
    """One unlabelled sample of the server's /metrics."""
    for line in http.get("/metrics").text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"{name} is not in /metrics")
