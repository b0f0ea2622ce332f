"""`make client`: regenerate `clients/python/` (`openapi.json` and the `hanlin_client` package)
from the server's OpenAPI document, built offline from `server.app.create_app` (no model is
loaded), with openapi-python-client; ruff then formats it under the project's settings.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from litestar.serialization import encode_json

PACKAGE = "hanlin_client"
CLIENTS = Path(__file__).resolve().parent
TARGET = CLIENTS / "python"
PYPROJECT = CLIENTS.parent / "pyproject.toml"
# What generate() writes under its root; anything else there (our __init__.py) is left alone.
GENERATED = ("openapi.json", PACKAGE)
GENERATOR_CONFIG = {
    "package_name_override": PACKAGE,
    "project_name_override": "hanlin-client",
    # Formatting is run below with the project's ruff settings, not from whatever is on PATH.
    "post_hooks": [],
}


def openapi_document() -> dict:
    """The document the server serves at /schema/openapi.json. The lifespan never runs, so no
    engine, database or model is touched."""
    from server.app import create_app

    # Litestar's encoder: the document may hold msgspec Structs (examples, defaults).
    return json.loads(encode_json(create_app().openapi_schema.to_schema()))


def generate(root: Path = TARGET) -> None:
    """Write `root/openapi.json` and `root/hanlin_client/`, replacing what was there."""
    with tempfile.TemporaryDirectory(prefix="hanlin-client-") as tmp:
        work = Path(tmp)
        document = work / "openapi.json"
        document.write_text(json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n")
        config = work / "config.json"
        config.write_text(json.dumps(GENERATOR_CONFIG))
        package = work / PACKAGE
        _run(
            Path(sys.executable).parent / "openapi-python-client",
            "generate",
            "--path", document,
            "--config", config,
            "--meta", "none",
            "--output-path", package,
            "--fail-on-warning",  # a warning means a route is missing from the client
        )
        _import_unset(package)
        ruff = (sys.executable, "-m", "ruff")
        _run(*ruff, "check", "--fix-only", "--quiet", "--config", PYPROJECT, package)
        _run(*ruff, "format", "--quiet", "--config", PYPROJECT, package)
        root.mkdir(parents=True, exist_ok=True)
        for name in GENERATED:
            old = root / name
            if old.is_dir():
                shutil.rmtree(old)
            elif old.exists():
                old.unlink()
        shutil.move(document, root / "openapi.json")
        shutil.copytree(package, root / PACKAGE)


def _import_unset(package: Path) -> None:
    """Work around openapi-python-client#1451 (open in 0.29.1): a body offered in several content
    types is annotated `| Unset` without importing `Unset`, a NameError when the module loads."""
    used, imported = re.compile(r"\bUnset\b"), re.compile(r"^from \.+types import .*\bUnset\b", re.M)
    for path in package.rglob("*.py"):
        text = path.read_text()
        if used.search(text) and not imported.search(text):
            text = re.sub(r"^(from \.+types import .+)$", r"\1, Unset", text, count=1, flags=re.M)
            path.write_text(text)


def _run(*cmd: object) -> None:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{done.stdout}{done.stderr}")


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET
    generate(out)
    print(f"wrote {out}/openapi.json and {out}/{PACKAGE}/")
