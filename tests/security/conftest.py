"""Fixtures of the security suite: live servers of their own, with keys (keys would lock the
shared test server), started through the same `launch` as every server test."""

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


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    home = tmp_path_factory.mktemp("security-home")
    keys = {"admin": new_key(home, "ops", "admin"), "alice": new_key(home, "alice", "user"),
            "bob": new_key(home, "bob", "user")}
    proc, url = launch(home, tmp_path_factory.mktemp("security") / "server.log")
    try:
        yield Secured(url, home, keys)
    finally:
        stop(proc)


# Clients of the two user keys on the module's `secured` server.
@pytest.fixture(scope="module")
def alice(secured: Secured) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=secured.url, timeout=120, headers=secured.headers("alice")) as c:
        yield c


@pytest.fixture(scope="module")
def bob(secured: Secured) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=secured.url, timeout=120, headers=secured.headers("bob")) as c:
        yield c
