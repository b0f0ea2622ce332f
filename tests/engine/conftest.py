"""Fixtures the engine tests share: each model family's tiny random checkpoint (tests/families.py),
built once per module that asks for it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.families import build_family


@pytest.fixture(scope="module")
def family_dir(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """name -> the family's checkpoint folder (FAMILIES in tests/families.py)."""
    made: dict[str, Path] = {}

    def make(name: str) -> Path:
        if name not in made:
            made[name] = build_family(name, tmp_path_factory.mktemp(name))
        return made[name]

    return make
