"""Fixtures of the security suite: one live server with keys for the package (keys would lock the
shared test server), started through the same `launch` as every server test; each module gets
user keys of its own on it, so no module sees another's objects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import launch, new_key, stop


class Secured:
    """A live server with an admin key and two user keys (alice, bob) under `home`."""

    def __init__(self, url: str, home: Path, keys: dict[str, str]) -> None:
        self.url, self.home, self.keys = url, home, keys

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}


def api_key(url: str, admin_key: str, name: str, scope: str = "user") -> str:
    """A new key made through `POST /v1/keys` with an admin key (milliseconds; `new_key` runs
    the CLI, a Python start-up, and is needed only for the first key); its secret."""
    made = httpx.post(f"{url}/v1/keys", json={"name": name, "scope": scope}, timeout=60,
                      headers={"Authorization": f"Bearer {admin_key}"})
    return made.raise_for_status().json()["key"]


@pytest.fixture(scope="package")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    """The package's server with default settings and its admin key. Modules that need other
    settings, or a server with no key at all, start their own."""
    home = tmp_path_factory.mktemp("security-home")
    admin = new_key(home, "ops", "admin")
    proc, url = launch(home, tmp_path_factory.mktemp("security") / "server.log")
    try:
        yield Secured(url, home, {"admin": admin})
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def secured(keyed_server: Secured, request: pytest.FixtureRequest) -> Secured:
    """The package's server with this module's own alice and bob: user keys see only their
    own files, datasets and jobs, so each module starts from none (admins see every owner's)."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    url, admin = keyed_server.url, keyed_server.keys["admin"]
    keys = {"admin": admin} | {who: api_key(url, admin, f"{who}-{module}")
                               for who in ("alice", "bob")}
    return Secured(url, keyed_server.home, keys)


# Clients of the two user keys on the module's `secured` server.
@pytest.fixture(scope="module")
def alice(secured: Secured) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=secured.url, timeout=120, headers=secured.headers("alice")) as c:
        yield c


@pytest.fixture(scope="module")
def bob(secured: Secured) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=secured.url, timeout=120, headers=secured.headers("bob")) as c:
        yield c
