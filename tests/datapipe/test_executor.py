"""The executor: 2 workers give the same files and report as 1; nothing is lost; progress is
reported; shards cut at line ends; overrides are validated."""

from __future__ import annotations

import random

import msgspec
import pytest

from datapipe import Progress, Report, run_pipeline
from datapipe.io import ReadSettings, plan_shards, read_shard
from datapipe.report import StepStats
from tests.datapipe.conftest import GOOD_TEXT, prose, read_jsonl, write_jsonl


def mixed_corpus(n: int = 160) -> list:
    rng = random.Random(7)
    records: list = []
    for i in range(n):
        text = prose(rng)
        records.append({"id": f"doc{i}", "text": text, "source": "gen"})
        if i % 10 == 3:  # a near-duplicate: one word changed
            records.append({"id": f"near{i}", "text": text.replace(" the ", " a ", 1)})
        if i % 15 == 4:
            records.append({"id": f"dup{i}", "text": text})
        if i % 25 == 5:
            records.append(b'{"id": "broken", "text": "no closing quote}')
        if i % 30 == 6:
            records.append({"id": f"pii{i}", "text": prose(rng) + " Write to amy@example.com."})
        if i % 40 == 7:
            records.append({"id": f"toxic{i}", "text": "fuck this shit, fuck you. " * 3})
    return records


def comparable(report: Report) -> dict:
    data = msgspec.to_builtins(report)
    for key in ("seconds", "workers", "cleaned_path", "rejected_path"):
        data.pop(key)
    return data


def test_two_workers_match_one_worker(tmp_path) -> None:
    source = write_jsonl(tmp_path / "corpus.jsonl", mixed_corpus())
    one = run_pipeline(source, "text", tmp_path / "one", workers=1)
    two = run_pipeline(source, "text", tmp_path / "two", workers=2, shard_bytes=8192)
    assert len(plan_shards(str(source), 8192)) > 4
    assert open(one.cleaned_path, "rb").read() == open(two.cleaned_path, "rb").read()
    assert open(one.rejected_path, "rb").read() == open(two.rejected_path, "rb").read()
    assert comparable(one) == comparable(two)
    steps = {s.name: s for s in one.steps}
    assert steps["exact_dedup"].removed >= 10 and steps["minhash_dedup"].removed >= 10
    assert steps["read"].reasons["invalid_json"].count == 7
    assert steps["pii"].changes["email"] >= 4  # 6 planted; a few fail the quality rules


def test_nothing_is_lost(tmp_path) -> None:
    records = mixed_corpus(60)
    source = write_jsonl(tmp_path / "corpus.jsonl", records)
    report = run_pipeline(source, "text", tmp_path / "out")
    cleaned, rejected = read_jsonl(report.cleaned_path), read_jsonl(report.rejected_path)
    assert report.lines == len(records) == report.kept + report.rejected
    assert len(cleaned) == report.kept and len(rejected) == report.rejected
    seen = [r["line"] for r in rejected]
    ids = {r["id"] for r in cleaned} | {r["document"]["id"] for r in rejected if "document" in r}
    assert len(ids) + sum(1 for r in rejected if "raw" in r) == len(records)
    assert seen == sorted(seen) and all(r["step"] and r["reason"] for r in rejected)
    for step in report.steps:
        assert step.docs_in == step.kept + step.removed
        assert step.removed == sum(r.count for r in step.reasons.values())
        assert all(len(r.examples) <= 3 for r in step.reasons.values())
    for before, after in zip(report.steps, report.steps[1:], strict=False):
        assert after.docs_in == before.kept
    assert cleaned[0]["source"] == "gen"  # the record's other fields survive


def test_progress_reaches_the_end(tmp_path) -> None:
    source = write_jsonl(tmp_path / "corpus.jsonl", mixed_corpus(40))
    seen: list[Progress] = []
    run_pipeline(source, "text", tmp_path / "out", progress=seen.append, shard_bytes=4096)
    assert seen and seen[0].stage == 0 and seen[0].bytes_total == source.stat().st_size
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert seen[-1].stage == seen[-1].stages - 1 == 1  # read+hash pass, then filter pass


def test_shards_cut_at_line_ends_and_number_lines(tmp_path) -> None:
    lines = [b'\xef\xbb\xbf{"text": "first"}'] + [
        f'{{"text": "line {i} {"x" * (i % 50)}"}}'.encode() for i in range(2, 300)]
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"\r\n".join(lines))  # CRLF, no final newline, a BOM
    shards = plan_shards(str(path), 1000)
    assert len(shards) > 5 and shards[-1].end == path.stat().st_size
    docs = []
    for shard in shards:
        assert shard.start == 0 or path.read_bytes()[shard.start - 1:shard.start] == b"\n"
        docs += list(read_shard(shard, ReadSettings(), False, StepStats("read", "read"),
                                lambda r: None, {}))
    assert [d.line for d in docs] == list(range(1, 300))
    assert docs[0].text == "first" and docs[-1].text.startswith("line 299")


def test_over_long_line_is_rejected_without_being_held(tmp_path) -> None:
    source = write_jsonl(tmp_path / "f.jsonl", [{"text": GOOD_TEXT},
                                                 {"text": "y" * 5000}, {"text": prose(random.Random(1))}])
    report = run_pipeline(source, "text", tmp_path / "out",
                          overrides={"read": {"max_line_bytes": 2000}})
    rejected = read_jsonl(report.rejected_path)
    assert (rejected[0]["line"], rejected[0]["reason"]) == (2, "line_too_long")
    assert len(rejected[0]["raw"]) <= 2001
    assert {r["line"] for r in rejected if r["step"] == "read"} == {2}


def test_overrides_are_validated_and_applied(tmp_path) -> None:
    source = write_jsonl(tmp_path / "f.jsonl", [{"content": GOOD_TEXT}])
    with pytest.raises(ValueError, match="no step"):
        run_pipeline(source, "text", tmp_path / "a", overrides={"nope": {}})
    with pytest.raises(ValueError, match="unknown setting"):
        run_pipeline(source, "text", tmp_path / "a", overrides={"minhash_dedup": {"x": 1}})
    with pytest.raises(ValueError, match="minhash_dedup"):
        run_pipeline(source, "text", tmp_path / "a", overrides={"minhash_dedup": {"bands": "x"}})
    with pytest.raises(ValueError, match="unknown pipeline"):
        run_pipeline(source, "nope", tmp_path / "a")
    report = run_pipeline(source, "text", tmp_path / "b", overrides={
        "read": {"text_key": "content"}, "toxicity": {"enabled": False},
        "gopher_quality": {"min_doc_words": 10_000}})
    assert "toxicity" not in {s.name for s in report.steps}
    assert report.settings["gopher_quality"]["min_doc_words"] == 10_000
    assert report.steps[-1].name == "pii" and report.rejected == 1
    assert read_jsonl(report.rejected_path)[0]["reason"] == "too_few_words"
