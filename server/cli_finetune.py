"""`hanlin finetune create FILE --model ...` (upload, create, follow the events with a progress bar
until the job ends) and `hanlin finetune list / events ID / cancel ID`, over a running server's
Fine-tuning API with the official OpenAI SDK."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from server.cli_data import DEFAULT_BASE_URL

FINAL = ("succeeded", "failed", "cancelled")
POLL_S = 1.0


def add_parser(sub: argparse._SubParsersAction) -> None:
    ft = sub.add_parser("finetune", help="the Fine-tuning API of a running server")
    ft.add_argument("--base-url", default=os.environ.get("HANLIN_BASE_URL", DEFAULT_BASE_URL))
    ft.add_argument("--api-key", default=os.environ.get("HANLIN_API_KEY"))
    ft_sub = ft.add_subparsers(dest="finetune_command", required=True)
    create = ft_sub.add_parser("create", help="upload a chat JSONL and fine-tune on it")
    create.add_argument("path", type=Path)
    create.add_argument("--model", required=True)
    create.add_argument("--suffix")
    create.add_argument("--epochs", type=int)
    create.add_argument("--batch-size", type=int)
    create.add_argument("--lr-multiplier", type=float)
    create.add_argument("--lora-rank", type=int, help="0: full fine-tuning")
    create.add_argument("--max-steps", type=int)
    create.add_argument("--seq-len", type=int)
    create.add_argument("--checkpoint-every", type=int, help="save each N steps (default: end)")
    create.add_argument("--seed", type=int)
    create.add_argument("--no-follow", action="store_true", help="print the job and return")
    listing = ft_sub.add_parser("list", help="list jobs, newest first")
    listing.add_argument("--limit", type=int, default=20)
    events = ft_sub.add_parser("events", help="a job's events, oldest first")
    events.add_argument("job_id")
    events.add_argument("--limit", type=int, default=100)
    cancel = ft_sub.add_parser("cancel", help="cancel a job")
    cancel.add_argument("job_id")


def run(args: argparse.Namespace) -> int:
    import openai

    client = openai.OpenAI(base_url=args.base_url, api_key=args.api_key or "unused",
                           max_retries=0)
    try:
        return _command(args, client)
    except openai.APIStatusError as exc:
        body = exc.body if isinstance(exc.body, dict) else {}
        print(f"error: {exc.status_code}: {body.get('message', exc.message)}", file=sys.stderr)
        return 1
    except openai.APIConnectionError:
        print(f"error: cannot reach {args.base_url}", file=sys.stderr)
        return 1


def _command(args: argparse.Namespace, client) -> int:  # noqa: ANN001 (openai.OpenAI)
    match args.finetune_command:
        case "create":
            return _create(args, client)
        case "list":
            for job in client.fine_tuning.jobs.list(limit=args.limit).data:
                print(f"{job.id}  {job.status:<16} {job.model}  {job.fine_tuned_model or '-'}")
        case "events":
            page = client.fine_tuning.jobs.list_events(args.job_id, limit=args.limit)
            for event in reversed(page.data):
                print(_event_line(event))
        case "cancel":
            job = client.fine_tuning.jobs.cancel(args.job_id)
            print(f"{job.id}: {job.status}")
    return 0


def _create(args: argparse.Namespace, client) -> int:  # noqa: ANN001
    with args.path.open("rb") as f:
        upload = client.files.create(file=(args.path.name, f), purpose="fine-tune")
    hp = {k: v for k, v in (("n_epochs", args.epochs), ("batch_size", args.batch_size),
                            ("learning_rate_multiplier", args.lr_multiplier)) if v is not None}
    hanlin = {k: v for k, v in (("lora_rank", args.lora_rank), ("max_steps", args.max_steps),
                                ("seq_len", args.seq_len),
                                ("checkpoint_every", args.checkpoint_every)) if v is not None}
    job = client.fine_tuning.jobs.create(
        model=args.model, training_file=upload.id, suffix=args.suffix, seed=args.seed,
        method={"type": "supervised", "supervised": {"hyperparameters": hp}},
        extra_body={"hanlin": hanlin} if hanlin else None)
    print(f"created {job.id} (training file {upload.id})", file=sys.stderr)
    if args.no_follow:
        print(json.dumps(job.model_dump(), indent=2))
        return 0
    job = follow(client, job.id)
    if job.status == "succeeded":
        print(job.fine_tuned_model)
        return 0
    reason = job.error.message if job.error else job.status
    print(f"error: job {job.id} {job.status}: {reason}", file=sys.stderr)
    return 1


def follow(client, job_id: str):  # noqa: ANN001, ANN201 (openai types)
    """Print new events as they come and a step bar (rich) until the job ends; the final job."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    seen: set[str] = set()
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
               "{task.total} steps"), TextColumn("{task.fields[loss]}"), TimeRemainingColumn())
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(job_id, total=None, loss="")
        while True:
            job = client.fine_tuning.jobs.retrieve(job_id)
            page = client.fine_tuning.jobs.list_events(job_id, limit=100)
            for event in reversed(page.data):
                if event.id in seen:
                    continue
                seen.add(event.id)
                if event.type == "metrics" and isinstance(event.data, dict):
                    bar.update(task, completed=event.data["step"],
                               total=event.data.get("total_steps"),
                               loss=f"loss {event.data['train_loss']:.4f}")
                else:
                    bar.console.print(_event_line(event))
            bar.update(task, description=f"{job_id} {job.status}")
            if job.status in FINAL:
                return job
            time.sleep(POLL_S)


def _event_line(event) -> str:  # noqa: ANN001
    stamp = time.strftime("%H:%M:%S", time.localtime(event.created_at))
    return f"{stamp} {event.level:<5} {event.message}"
