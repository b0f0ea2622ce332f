"""`hanlin serve` checks what it needs before it listens and fails fast with one clear line on
stderr and a non-zero status, no traceback (HANLIN_DEBUG=1 shows one): a model file that is
truncated, holds garbage bytes, or is missing; a Hugging Face folder with a broken safetensors
file; a database that cannot be opened (its URL named, its password not); a data folder
(HANLIN_HOME) that cannot be written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.loaders.default_model import default_model_path
from tests.server.conftest import REPO, _free_port, _hanlin_env

pytestmark = pytest.mark.slow

RUN_TIMEOUT_S = 300  # a bound on a hung start, not a measured time


def _serve(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "server.cli", "serve", "--port", str(_free_port()), *args]
    return subprocess.run(cmd, cwd=REPO, env=_hanlin_env() | {"HANLIN_HOME": str(home)} | env,
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_S)


def _failed_with(result: subprocess.CompletedProcess[str], *phrases: str) -> str:
    """The one `hanlin:` line on stderr, which must hold every phrase; no traceback anywhere."""
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.startswith("hanlin: ")]
    assert len(lines) == 1, result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    assert "Uvicorn running" not in result.stderr  # it never listened
    return lines[0]


@pytest.fixture(scope="module")
def gguf_copy(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """make(name) -> a fresh copy of the default model's GGUF, to corrupt."""
    source = default_model_path()
    folder = tmp_path_factory.mktemp("models")

    def make(name: str) -> Path:
        target = folder / name
        shutil.copyfile(source, target)
        return target

    return make


def test_a_truncated_gguf(gguf_copy: Callable[[str], Path], tmp_path: Path) -> None:
    model = gguf_copy("truncated.gguf")
    os.truncate(model, model.stat().st_size // 2)
    _failed_with(_serve(tmp_path, "--model", str(model)), str(model), "truncated")


def test_a_gguf_with_garbage_bytes_in_its_weights(gguf_copy: Callable[[str], Path],
                                                  tmp_path: Path) -> None:
    model = gguf_copy("garbage.gguf")
    size = model.stat().st_size
    with model.open("r+b") as f:  # 1 MiB of 0xFF: every fp16 scale in it is a NaN
        f.seek(size // 2)
        f.write(b"\xff" * (1 << 20))
    _failed_with(_serve(tmp_path, "--model", str(model)), str(model), "corrupt",
                 "NaN or infinite")


def test_a_gguf_with_a_garbage_header(gguf_copy: Callable[[str], Path], tmp_path: Path) -> None:
    model = gguf_copy("header.gguf")
    with model.open("r+b") as f:
        f.write(b"\x00" * 4096)  # the magic and the first keys gone
    _failed_with(_serve(tmp_path, "--model", str(model)), str(model), "not a GGUF file")


def test_a_missing_model(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.gguf"
    _failed_with(_serve(tmp_path / "home", "--model", str(missing)), str(missing), "not found")


def test_a_hugging_face_folder_with_a_broken_safetensors(
        tiny_llama_factory: Callable[..., Path], tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(tiny_llama_factory("startup"), folder)
    [weights] = folder.glob("*.safetensors")
    os.truncate(weights, weights.stat().st_size - 100)
    _failed_with(_serve(tmp_path / "home", "--model", str(folder)), str(weights), "corrupt")


def test_a_database_that_is_not_one(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "hanlin.db").write_bytes(os.urandom(8192))
    _failed_with(_serve(home), f"cannot open the database sqlite+aiosqlite:///{home}/hanlin.db",
                 "not a database")


def test_an_unreachable_database_is_named_without_its_password(tmp_path: Path) -> None:
    port = _free_port()  # nothing listens there
    url = f"postgresql+asyncpg://hanlin:s3cret-pw@127.0.0.1:{port}/hanlin"
    result = _serve(tmp_path / "home", HANLIN_DATABASE_URL=url)
    line = _failed_with(result, f"postgresql+asyncpg://hanlin:***@127.0.0.1:{port}/hanlin")
    assert "s3cret-pw" not in result.stderr + result.stdout, line


def test_a_data_folder_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    home = blocker / "home"  # its parent is a file: nothing can be created there, even by root
    _failed_with(_serve(home), f"the data folder {home} (HANLIN_HOME) is not writable")


def test_hanlin_debug_shows_the_traceback(gguf_copy: Callable[[str], Path],
                                          tmp_path: Path) -> None:
    model = gguf_copy("debug.gguf")
    os.truncate(model, 1000)
    result = _serve(tmp_path, "--model", str(model), HANLIN_DEBUG="1")
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "CheckpointError" in result.stderr
