"""Text-cleaning benchmark: hanlin's datapipe vs datatrove on the same real corpus in one run, one
core each (docs/s/core, and dedup recall on planted near-duplicates). Setup (benchmark only):
`.venv/bin/pip install datatrove spacy orjson` (the corpus is read out of the evals wheel that
`make install` downloads)."""

# Corpus: the OpenWebText and Wikipedia excerpts that OpenAI's `evals` package ships
# (registry/data/schelling_point/{owt_5,wikipedia_5}.jsonl, every string value a document; they
# hold natural near-duplicates: reshuffled versions of each excerpt), plus planted copies of 1,000
# documents with spaced word replacements (true Jaccard >= 0.8 on our 5-word shingles).
# datatrove runs its equivalent steps in our order (MinHash dedup, then Gopher repetition, Gopher
# quality, C4 with FineWeb's settings, FineWeb quality) with FineWeb's MinHash config (14x8,
# sha1). Both write uncompressed JSONL. Run: .venv/bin/python bench/datapipe.py [--workers 1]

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from datapipe import run_pipeline  # noqa: E402
from datapipe.dedup.minhash import MinHashSettings, shingles  # noqa: E402

SOURCES = ["schelling_point/owt_5.jsonl", "schelling_point/wikipedia_5.jsonl"]
OURS_SAME_STEPS = {name: {"enabled": False} for name in
                   ("normalize", "exact_dedup", "garbled", "toxicity", "boilerplate", "pii")}
# datatrove's (FineWeb's) banding instead of our 14x9 of 128: recall at equal LSH parameters.
OURS_DATATROVE_BANDING = {**OURS_SAME_STEPS,
                          "minhash_dedup": {"num_perm": 112, "bands": 14, "rows": 8}}


def evals_corpus(limit: int | None) -> list[str]:
    from evals.data import DataUnavailable, wheel_rows

    docs = []
    try:
        for source in SOURCES:
            for row in wheel_rows(source):  # read out of the evals wheel, never installed
                docs += [v for v in row.values() if isinstance(v, str)]
    except DataUnavailable as exc:
        sys.exit(str(exc))
    return docs[:limit] if limit else docs


def plant(docs: list[str], count: int, seed: int = 0) -> list[tuple[int, int, float]]:
    """Append edited copies of `count` documents; returns (original, copy, true Jaccard)."""
    rng = random.Random(seed)
    settings = MinHashSettings()
    pairs = []
    candidates = [i for i, d in enumerate(docs) if len(d.split()) >= 80]
    for i in rng.sample(candidates, min(count, len(candidates))):
        words = docs[i].split()
        edits = rng.randint(1, max(1, len(words) // 45))  # J ~ (n - 5k) / (n + 5k): 0.8-0.95
        for position in rng.sample(range(0, len(words), 5), edits):
            words[position] = rng.choice(("harbour", "lantern", "meadow", "copper", "violet"))
        copy = " ".join(words)
        a, b = shingles(docs[i], settings), shingles(copy, settings)
        j = len(a & b) / len(a | b)
        if j >= 0.8:
            pairs.append((i, len(docs), j))
            docs.append(copy)
    return pairs


def recall(pairs: list[tuple[int, int, float]], removed: set[int], below: float = 1.01) -> float:
    """Share of planted pairs (true Jaccard < `below`) where dedup did not keep both."""
    chosen = [(a, b) for a, b, j in pairs if j < below]
    return sum(a in removed or b in removed for a, b in chosen) / max(1, len(chosen))


def run_ours(corpus: Path, out: Path, workers: int, overrides: dict | None) -> tuple[float, set, int]:
    start = time.perf_counter()
    report = run_pipeline(corpus, "text", out, overrides=overrides, workers=workers)
    seconds = time.perf_counter() - start
    removed = set()
    with open(report.rejected_path, "rb") as f:
        for line in f:
            record = json.loads(line)
            if record["step"] in ("exact_dedup", "minhash_dedup"):
                removed.add(int(record["document"]["id"]))
    return seconds, removed, report.kept


def run_datatrove(corpus: Path, work: Path, workers: int) -> tuple[float, set, int]:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.utils.hashing import HashConfig
    from loguru import logger

    logger.remove()  # datatrove logs every step at INFO; its logging cost is not the point here
    # FineWeb's MinHash config (examples/fineweb.py); datatrove's default xxhash path fails on
    # str input with xxhash 4.x, so sha1 as FineWeb used.
    config = MinhashConfig(hash_config=HashConfig(precision=64, hash_fc="sha1"))

    def reader() -> JsonlReader:
        return JsonlReader(str(corpus.parent), glob_pattern=corpus.name)

    def executor(pipeline: list, name: str, tasks: int = 1) -> LocalPipelineExecutor:
        return LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=workers,
                                     logging_dir=str(work / "logs" / name))

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        _run_datatrove_stages(executor, reader, config, work)
    seconds = time.perf_counter() - start
    removed = {int(json.loads(line)["id"]) for f in (work / "removed").glob("*.jsonl")
               for line in open(f, encoding="utf-8")}
    kept = sum(1 for f in (work / "kept").glob("*.jsonl") for _ in open(f, encoding="utf-8"))
    return seconds, removed, kept


def _run_datatrove_stages(executor, reader, config, work: Path) -> None:
    from datatrove.pipeline.dedup.minhash import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )
    from datatrove.pipeline.writers import JsonlWriter

    executor([reader(), MinhashDedupSignature(str(work / "sigs"), config=config)], "sig").run()
    executor([MinhashDedupBuckets(str(work / "sigs"), str(work / "buckets"), config=config)],
             "buckets", tasks=config.num_buckets).run()
    executor([MinhashDedupCluster(str(work / "buckets"), str(work / "remove"), config=config)],
             "cluster").run()
    executor([
        reader(),
        MinhashDedupFilter(str(work / "remove"),
                           exclusion_writer=JsonlWriter(str(work / "removed"), compression=None)),
        GopherRepetitionFilter(), GopherQualityFilter(),
        C4QualityFilter(filter_no_terminal_punct=False), FineWebQualityFilter(),
        JsonlWriter(str(work / "kept"), compression=None),
    ], "filter").run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="first N corpus documents")
    parser.add_argument("--planted", type=int, default=1000)
    args = parser.parse_args()
    logging.disable(logging.INFO)

    docs = evals_corpus(args.limit)
    pairs = plant(docs, args.planted)
    work = Path(tempfile.mkdtemp(prefix="bench-datapipe-"))
    try:
        corpus = work / "corpus" / "corpus.jsonl"
        corpus.parent.mkdir()
        with open(corpus, "w", encoding="utf-8") as f:
            for i, text in enumerate(docs):
                f.write(json.dumps({"id": str(i), "text": text}) + "\n")
        size_mb = corpus.stat().st_size / 2**20
        rows = []
        runs = [("hanlin: text pipeline, all 11 steps, MinHash 14x9", None),
                ("hanlin: datatrove's steps only, MinHash 14x9", OURS_SAME_STEPS),
                ("hanlin: datatrove's steps only, MinHash 14x8 (datatrove's)",
                 OURS_DATATROVE_BANDING)]
        for n, (label, overrides) in enumerate(runs):
            seconds, removed, kept = run_ours(corpus, work / f"ours{n}", args.workers, overrides)
            rows.append((label, seconds, removed, kept))
        seconds, removed, kept = run_datatrove(corpus, work / "datatrove", args.workers)
        rows.append(("datatrove 0.10: MinHash 14x8, Gopher x2, C4, FineWeb", seconds, removed,
                     kept))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    base = len(docs) / rows[-1][1] / args.workers
    print(f"\n{len(docs):,} documents ({size_mb:.1f} MiB; {len(pairs)} planted near-duplicate "
          f"pairs, true Jaccard {min(j for *_, j in pairs):.2f}-{max(j for *_, j in pairs):.2f}),"
          f" {args.workers} worker(s)\n")
    low = sum(j < 0.85 for *_, j in pairs)
    print("| pipeline | seconds | docs/s/core | vs datatrove | dedup recall, planted pairs "
          f"| recall, J < 0.85 ({low} pairs) | kept |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, seconds, removed, kept in rows:
        rate = len(docs) / seconds / args.workers
        print(f"| {label} | {seconds:.1f} | {rate:,.0f} | {rate / base:.2f}x "
              f"| {recall(pairs, removed):.3f} | {recall(pairs, removed, 0.85):.3f} | {kept:,} |")


if __name__ == "__main__":
    main()
