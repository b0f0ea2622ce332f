"""`hanlin eval run|list|compare`: run a benchmark task against any OpenAI-compatible server
(progress bar, results table, a run folder with an HTML report), list the built-in tasks, and
put two runs side by side."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
from pathlib import Path

from server.cli_data import DEFAULT_BASE_URL


def add_parser(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser("eval", help="run benchmark evals against a server")
    ev_sub = ev.add_subparsers(dest="eval_command", required=True)
    run = ev_sub.add_parser("run", help="run a task; writes a run folder")
    run.add_argument("task", help="a built-in task (hanlin eval list) or a .jsonl file")
    run.add_argument("--model", required=True, help="the model id to ask")
    run.add_argument("--base-url", default=os.environ.get("HANLIN_BASE_URL", DEFAULT_BASE_URL))
    run.add_argument("--api-key", default=os.environ.get("HANLIN_API_KEY"))
    run.add_argument("--limit", type=int, help="only the first N items")
    run.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    run.add_argument("--out", type=Path, default=Path("eval-runs"),
                     help="folder for run folders and the response cache (default ./eval-runs)")
    run.add_argument("--no-cache", action="store_true", help="ask again even if answered before")
    custom = run.add_argument_group("a .jsonl task")
    custom.add_argument("--mode", choices=["generate", "loglikelihood", "code"],
                        default="generate")
    custom.add_argument("--style", choices=["chat", "completion"], default="chat")
    custom.add_argument("--extraction", help="e.g. raw@1, first_line@1, choice_letter@1")
    custom.add_argument("--metrics", default="exact_match",
                        help="comma-separated: accuracy, exact_match, includes, f1, bleu, "
                             "rouge1, rouge2, rougeL")
    custom.add_argument("--max-tokens", type=int, default=256)
    ev_sub.add_parser("list", help="list the built-in tasks")
    cmp = ev_sub.add_parser("compare", help="two run folders' metrics side by side")
    cmp.add_argument("runs", nargs=2, type=Path)


def run(args: argparse.Namespace) -> int:
    if args.eval_command == "list":
        return _list()
    if args.eval_command == "compare":
        return _compare(args.runs)
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        return 130


def _console(stderr: bool = False):  # noqa: ANN202 - rich is imported lazily
    from rich.console import Console

    # Piped output gets 160 columns rather than rich's 80: ids and numbers must not be cut.
    return Console(width=shutil.get_terminal_size((160, 24)).columns, stderr=stderr)


def _task(args: argparse.Namespace):  # noqa: ANN202
    from evals import get_task, jsonl_task

    if args.task.endswith(".jsonl"):
        metrics = tuple(m.strip() for m in args.metrics.split(",") if m.strip())
        return jsonl_task(args.task, mode=args.mode, style=args.style, extraction=args.extraction,
                          metrics=metrics, max_tokens=args.max_tokens)
    return get_task(args.task)


async def _run(args: argparse.Namespace) -> int:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from agents.sandbox import SandboxUnavailable
    from evals import EndpointConfig, run_task, write_run
    from evals.data import DataUnavailable

    try:
        task = _task(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    endpoint = EndpointConfig(base_url=args.base_url, model=args.model, api_key=args.api_key,
                              concurrency=args.concurrency)
    bar = Progress(TextColumn(f"[bold]{task.name}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=_console(stderr=True))
    with bar:
        job = bar.add_task(task.name, total=None)
        try:
            result = await run_task(
                task, endpoint, limit=args.limit,
                cache_path=None if args.no_cache else args.out / "cache.sqlite",
                on_start=lambda n: bar.update(job, total=n),
                on_item=lambda _: bar.advance(job))
        except (SandboxUnavailable, DataUnavailable, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    folder = write_run(result, args.out)
    _print_results(result)
    print(f"run folder: {folder}\nreport: {folder / 'report.html'}")
    counts = result.results.counts
    if counts.total and counts.errored == counts.total:
        print(f"error: every item failed, e.g. {result.items[0].error}", file=sys.stderr)
        return 1
    return 0


def _print_results(run) -> None:  # noqa: ANN001
    from rich.table import Table

    r = run.results
    table = Table(title=f"{r.task} · {r.model} · {r.counts.scored} scored, "
                        f"{r.counts.errored} errored")
    table.add_column("metric", no_wrap=True)
    for column in ("value", "± stderr", "n", "unparsed"):
        table.add_column(column, justify="right", no_wrap=True)
    for m in r.metrics:
        stderr = "-" if m.stderr is None else f"{m.stderr:.4f}"
        table.add_row(m.name, f"{m.value:.4f}", stderr, str(m.n), f"{r.unparsed_rate:.1%}")
    _console().print(table)


def _list() -> int:
    from rich.table import Table

    from evals import BUILTIN

    table = Table(title="built-in tasks")
    table.add_column("task", no_wrap=True)
    table.add_column("mode", no_wrap=True)
    table.add_column("metrics")
    table.add_column("description")
    for task in BUILTIN.values():
        mode = type(task.mode).__struct_config__.tag
        table.add_row(task.name, mode, ", ".join(task.metric_names()), task.description)
    _console().print(table)
    return 0


def _compare(folders: list[Path]) -> int:
    from rich.table import Table

    from evals import compare, load_run
    from evals.report import format_metric

    try:
        a, b = (load_run(f) for f in folders)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read a run folder: {exc}", file=sys.stderr)
        return 1
    result = compare(a, b)
    table = Table(title=f"A: {a.results.run_id}\nB: {b.results.run_id}")
    table.add_column("metric", no_wrap=True)
    for column in ("A", "B", "B - A"):
        table.add_column(column, justify="right", no_wrap=True)
    for pair in result.metrics:
        table.add_row(pair.name, format_metric(pair.a) if pair.a else "-",
                      format_metric(pair.b) if pair.b else "-",
                      "-" if pair.delta is None else f"{pair.delta:+.4f}")
    console = _console()
    console.print(table)
    console.print(f"{result.common_items} items in both runs; {result.disagreements} scored "
                  f"differently on {result.primary}")
    return 0
