"""Step settings are an allow-list with bounds: every field of every step's Settings is typed
and bounded (no free string, no unbounded number), a bad override is a SettingError naming its
field, no setting is a path (a lexicon is a shipped name or a file id the caller resolves), and
the CLI's JSON error line (what a server shows its client) carries no path or traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from datapipe import run_pipeline
from datapipe.io import ReadSettings
from datapipe.pipelines import PIPELINES, build_pipeline, file_ids, step_classes
from datapipe.steps import SettingError
from tests.datapipe.conftest import GOOD_TEXT, write_jsonl

REPO = Path(__file__).resolve().parents[2]


def _settings_types() -> dict[str, type]:
    found = {"read": ReadSettings}
    for pipeline in PIPELINES:
        found.update({cls.name: cls.Settings for cls in step_classes(pipeline)})
    return found


def _unbounded(info: msgspec.inspect.Type) -> str | None:
    """Why a field's type lets a client send anything (None: it is bounded)."""
    match info:
        case msgspec.inspect.IntType() | msgspec.inspect.FloatType():
            low = info.ge if info.ge is not None else info.gt
            high = info.le if info.le is not None else info.lt
            return None if low is not None and high is not None else "an unbounded number"
        case msgspec.inspect.StrType():
            ok = info.max_length is not None or info.pattern is not None
            return None if ok else "a free string"
        case msgspec.inspect.TupleType() | msgspec.inspect.VarTupleType() | \
                msgspec.inspect.ListType():
            if isinstance(info, msgspec.inspect.VarTupleType | msgspec.inspect.ListType) and \
                    info.max_length is None:
                return "an unbounded sequence"
            items = info.item_types if isinstance(info, msgspec.inspect.TupleType) \
                else (info.item_type,)
            return next(filter(None, map(_unbounded, items)), None)
        case msgspec.inspect.UnionType():
            return next(filter(None, map(_unbounded, info.types)), None)
    return None  # bool, None, Literal


@pytest.mark.parametrize("name", sorted(_settings_types()))
def test_every_setting_is_typed_and_bounded(name: str) -> None:
    info = msgspec.inspect.type_info(_settings_types()[name])
    assert info.forbid_unknown_fields
    for field in info.fields:
        assert "path" not in field.name or field.name.endswith("_key"), field.name
        assert _unbounded(field.type) is None, (name, field.name, _unbounded(field.type))


@pytest.mark.parametrize(("pipeline", "overrides", "field"), [
    ("chat", {"toxicity": {"lexicon_path": "/etc/passwd"}}, "toxicity.lexicon_path"),
    ("chat", {"toxicity": {"lexicon": "/etc/passwd"}}, "toxicity.lexicon"),
    ("chat", {"toxicity": {"lexicon": "file-a/../../etc/passwd"}}, "toxicity.lexicon"),
    ("chat", {"toxicity": {"lexicon": "default\n"}}, "toxicity.lexicon"),
    ("chat", {"toxicity": {"max_flagged_ratio": 1.5}}, "toxicity.max_flagged_ratio"),
    ("text", {"minhash_dedup": {"num_perm": 10**9}}, "minhash_dedup.num_perm"),
    ("text", {"minhash_dedup": {"bands": 100, "rows": 100}}, "minhash_dedup"),
    ("text", {"gopher_repetition": {"dup_n_grams": [[5, 2.0]]}},
     "gopher_repetition.dup_n_grams[0][1]"),
    ("text", {"normalize": {"unescape_html": "sometimes"}}, "normalize.unescape_html"),
    ("text", {"pii": "mask them"}, "pii"),
    ("text", {"pii": {"enabled": 0}}, "pii.enabled"),
    ("text", {"read": {"max_line_bytes": 1}}, "read.max_line_bytes"),
    ("text", {"read": {"colour": "red"}}, "read.colour"),
    ("code", {"toxicity": {}}, "toxicity"),
])
def test_a_bad_override_names_its_field(pipeline: str, overrides: dict, field: str) -> None:
    with pytest.raises(SettingError) as caught:
        build_pipeline(pipeline, overrides)
    assert caught.value.field == field, str(caught.value)


def test_a_lexicon_by_file_id_is_resolved_by_the_caller(tmp_path: Path) -> None:
    lexicon = tmp_path / "terms.txt"
    lexicon.write_text("# one term a line\nzorblax\n")
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": GOOD_TEXT},
                                                 {"text": GOOD_TEXT + " zorblax " * 40}])
    overrides = {"toxicity": {"lexicon": "file-lex1", "use_profanity_model": False},
                 "minhash_dedup": {"enabled": False}, "exact_dedup": {"enabled": False}}
    assert file_ids(overrides) == {"toxicity.lexicon": "file-lex1"}
    assert file_ids({"toxicity": {"lexicon": "default"}}) == {}
    build_pipeline("text", overrides)  # files=None: settings checked, nothing looked up
    with pytest.raises(SettingError, match="no file file-lex1") as caught:
        build_pipeline("text", overrides, files={})
    assert caught.value.field == "toxicity.lexicon"
    report = run_pipeline(source, "text", tmp_path / "out", overrides,
                          files={"file-lex1": str(lexicon)})
    toxicity = next(s for s in report.steps if s.name == "toxicity")
    assert toxicity.reasons["lexicon"].count == 1
    assert report.settings["toxicity"]["lexicon"] == "file-lex1"


def _clean(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": GOOD_TEXT}])
    return subprocess.run([sys.executable, "-m", "datapipe", "clean", str(source), "--pipeline",
                           "text", "--out", str(tmp_path / "out"), "--progress", "json", *extra],
                          capture_output=True, text=True, cwd=REPO, timeout=300)


def _error_line(stdout: str) -> str:
    errors = [json.loads(line)["error"] for line in stdout.splitlines()
              if line.startswith("{") and "error" in json.loads(line)]
    assert len(errors) == 1, stdout
    return errors[0]


def test_the_cli_takes_files_by_id_and_reports_errors_without_paths(tmp_path: Path) -> None:
    lexicon = tmp_path / "terms.txt"
    lexicon.write_text("lighthouse\n")
    overrides = json.dumps({"toxicity": {"lexicon": "file-lex1", "use_profanity_model": False,
                                         "max_flagged_ratio": 0.001}})
    done = _clean(tmp_path, "--overrides", overrides, "--file", f"file-lex1={lexicon}")
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["rejected"] == 1
    # Not UTF-8: the reader's error, with no path and no traceback.
    lexicon.write_bytes(b"\xff\xfe not text\n")
    failed = _clean(tmp_path, "--overrides", overrides, "--file", f"file-lex1={lexicon}")
    message = _error_line(failed.stdout)
    assert failed.returncode == 2 and "utf-8" in message
    assert str(tmp_path) not in message and "Traceback" not in failed.stdout
    # A missing file: the public line says so without the path (stderr, the operator's, has it).
    missing = _clean(tmp_path, "--overrides", overrides, "--file",
                     f"file-lex1={tmp_path / 'gone.txt'}")
    assert missing.returncode == 2 and str(tmp_path) not in _error_line(missing.stdout)
    assert "gone.txt" in missing.stderr
    unknown = _clean(tmp_path, "--overrides", overrides)
    assert unknown.returncode == 2 and "toxicity.lexicon" in _error_line(unknown.stdout)
