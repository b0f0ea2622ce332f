"""`python -m datapipe clean INPUT --pipeline text --out DIR` (also `hanlin data clean`): run a
pipeline with a progress bar, then print the report as a table. `--progress json` prints one
JSON object per line instead: what the server's cleaning jobs read from their worker process.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Callable

from datapipe.pipelines import PIPELINES, run_pipeline
from datapipe.report import Progress, Report


def add_clean_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="a JSONL file")
    parser.add_argument("--pipeline", choices=PIPELINES, default="text")
    parser.add_argument("--out", required=True, help="folder for cleaned.jsonl, rejected.jsonl, "
                        "report.json")
    parser.add_argument("--overrides", default="{}",
                        help='per-step settings as JSON, e.g. \'{"minhash_dedup": {"threshold": 0.8}}\'')
    parser.add_argument("--file", action="append", default=[], metavar="ID=PATH",
                        help="a file the overrides name by id, e.g. a toxicity lexicon: "
                        "--file file-lex=terms.txt with "
                        "{\"toxicity\": {\"lexicon\": \"file-lex\"}}")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--progress", choices=["bar", "json", "none"], default="bar")
    parser.add_argument("--scorer-url", help="a hanlin (OpenAI-compatible) server whose model "
                        "scores the long_context pipeline's perplexity gain")
    parser.add_argument("--scorer-model", help="the model at --scorer-url (default: its first)")
    parser.add_argument("--scorer-max-tokens", type=int, help="cap on context + target tokens")


def clean(args: argparse.Namespace) -> int:
    try:
        overrides = json.loads(args.overrides)
        if not isinstance(overrides, dict):
            raise ValueError("--overrides must be a JSON object")
        files = dict(_file_arg(raw) for raw in args.file)
    except ValueError as exc:
        return _fail(args, str(exc) if str(exc).startswith("--") else f"--overrides: {exc}")
    scorer = None
    if args.scorer_url:
        from datapipe.scorers import CompletionsScorer

        scorer = CompletionsScorer(args.scorer_url, args.scorer_model,
                                   max_tokens=args.scorer_max_tokens)
    try:
        if args.progress == "bar":
            report = _with_bar(lambda cb: _run(args, overrides, files, scorer, cb))
        elif args.progress == "json":
            report = _run(args, overrides, files, scorer, _json_progress)
        else:
            report = _run(args, overrides, files, scorer, None)
    except ValueError as exc:
        return _fail(args, str(exc))
    except OSError as exc:
        # The server shows its clients the JSON error line: a message with no path in it.
        return _fail(args, str(exc), public="a file of the run could not be read or written")
    if args.progress == "json":
        print(json.dumps({"done": True, "kept": report.kept, "rejected": report.rejected}),
              flush=True)
    elif args.progress == "bar":
        print_report(report)
    return 0


def _file_arg(raw: str) -> tuple[str, str]:
    file_id, sep, path = raw.partition("=")
    if not sep or not file_id or not path:
        raise ValueError(f"--file {raw!r}: expected ID=PATH")
    return file_id, path


def _fail(args: argparse.Namespace, message: str, public: str | None = None) -> int:
    """Exit 2 with the reason on stderr; with `--progress json` also as an `error` line, what
    a server's job shows its client."""
    print(f"error: {message}", file=sys.stderr)
    if args.progress == "json":
        print(json.dumps({"error": public or message}), flush=True)
    return 2


def _run(args: argparse.Namespace, overrides: dict, files: dict[str, str], scorer,  # noqa: ANN001
         progress) -> Report:  # noqa: ANN001
    return run_pipeline(args.input, args.pipeline, args.out, overrides, workers=args.workers,
                        progress=progress, scorer=scorer, files=files)


def _json_progress(p: Progress) -> None:
    print(json.dumps({"progress": round(p.fraction, 4), "stage": p.stage, "stages": p.stages,
                      "docs_done": p.docs_done}), flush=True)


def _with_bar(run: Callable[[Callable[[Progress], None]], Report]) -> Report:
    from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    with Bar(TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
             TextColumn("{task.fields[docs]} docs"), TimeElapsedColumn(),
             transient=False) as bar:
        task = bar.add_task("cleaning", total=1.0, docs=0)

        def update(p: Progress) -> None:
            bar.update(task, completed=p.fraction, docs=p.docs_done,
                       description=f"pass {p.stage + 1}/{p.stages}")

        report = run(update)
        bar.update(task, completed=1.0)
    return report


def print_report(report: Report) -> None:
    """The report as a table: a row per step, a sub-row per removal reason."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{report.pipeline}: {report.kept} kept, {report.rejected} rejected of "
                        f"{report.lines} lines in {report.seconds:.1f}s")
    for column in ("step", "in", "kept", "removed", "changed", "reason", "count"):
        table.add_column(column, justify="left" if column in ("step", "reason") else "right")
    for step in report.steps:
        reasons = sorted(step.reasons.items(), key=lambda kv: -kv[1].count)
        first = reasons[0] if reasons else ("", None)
        table.add_row(step.name, str(step.docs_in), str(step.kept), str(step.removed),
                      str(step.changed), first[0], str(first[1].count) if first[1] else "")
        for reason, detail in reasons[1:]:
            table.add_row("", "", "", "", "", reason, str(detail.count))
    Console(width=shutil.get_terminal_size((160, 24)).columns).print(table)
    print(f"cleaned:  {report.cleaned_path}\nrejected: {report.rejected_path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m datapipe", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    add_clean_arguments(sub.add_parser("clean", help="clean a JSONL file"))
    args = parser.parse_args(argv)
    return clean(args)
