"""`hanlin data clean` and `hanlin files ...` as a user runs them: real subprocesses, the live
server for the Files commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _hanlin(*args: str, cwd: Path, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_data_clean_prints_the_report_table(tmp_path: Path, repo_root: Path) -> None:
    src = tmp_path / "in.jsonl"
    good = ("The old stone bridge crosses the river just below the market square. Every morning "
            "the fishermen carry their nets across it before the shops open. In winter the "
            "water rises high enough to touch the lowest arch, and the town council has "
            "argued for years about whether to repair it or build a new one further upstream. "
            "Most people who live nearby would rather keep the old bridge as it is. Nobody "
            "expects a decision before next spring.")
    src.write_text("\n".join([json.dumps({"text": good}), json.dumps({"text": good}), "{oops"])
                   + "\n")
    out = tmp_path / "out"
    done = _hanlin("data", "clean", str(src), "--pipeline", "text", "--out", str(out),
                   cwd=repo_root)
    assert done.returncode == 0, done.stderr
    assert "exact_duplicate" in done.stdout and "invalid_json" in done.stdout
    assert "rejected" in done.stdout
    report = json.loads((out / "report.json").read_text())
    assert (report["lines"], report["rejected"]) == (3, 2)
    assert len((out / "rejected.jsonl").read_text().splitlines()) == 2


def test_data_clean_bad_overrides_is_a_clear_error(tmp_path: Path, repo_root: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "x"}\n')
    done = _hanlin("data", "clean", str(src), "--out", str(tmp_path / "o"), "--overrides",
                   '{"minhash_dedup": {"bands": "many"}}', cwd=repo_root)
    assert done.returncode == 2 and "minhash_dedup" in done.stderr


def test_files_upload_list_download_delete(tmp_path: Path, repo_root: Path,
                                           server_url: str) -> None:
    src = tmp_path / "notes.jsonl"
    src.write_bytes(b'{"text": "hello"}\n' * 1000)
    base = ["files", "--base-url", f"{server_url}/v1"]
    up = _hanlin(*base, "upload", str(src), "--purpose", "user_data", cwd=repo_root)
    assert up.returncode == 0, up.stderr
    file_id = json.loads(up.stdout)["id"]
    listed = _hanlin(*base, "list", "--purpose", "user_data", cwd=repo_root)
    assert file_id in listed.stdout and "notes.jsonl" in listed.stdout, listed.stdout
    target = tmp_path / "back.jsonl"
    got = _hanlin(*base, "download", file_id, "-o", str(target), cwd=repo_root)
    assert got.returncode == 0 and target.read_bytes() == src.read_bytes()
    assert _hanlin(*base, "delete", file_id, cwd=repo_root).returncode == 0
    again = _hanlin(*base, "download", file_id, "-o", str(target), cwd=repo_root)
    assert again.returncode == 1 and "No such File object" in again.stderr
