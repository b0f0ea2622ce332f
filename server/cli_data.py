"""`hanlin data clean` (datapipe in this process, progress bar, report table) and
`hanlin files upload|list|download|delete` (a running server's Files API over HTTP)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from datapipe.cli import add_clean_arguments

    data = sub.add_parser("data", help="clean data with the InternLM2-recipe pipelines")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    add_clean_arguments(data_sub.add_parser("clean", help="clean a JSONL file into a folder"))

    files = sub.add_parser("files", help="the Files API of a running server")
    files.add_argument("--base-url", default=os.environ.get("HANLIN_BASE_URL", DEFAULT_BASE_URL))
    files.add_argument("--api-key", default=os.environ.get("HANLIN_API_KEY"))
    files_sub = files.add_subparsers(dest="files_command", required=True)
    upload = files_sub.add_parser("upload", help="upload a file")
    upload.add_argument("path", type=Path)
    upload.add_argument("--purpose", default="fine-tune",
                        choices=["fine-tune", "batch", "evals", "user_data"])
    listing = files_sub.add_parser("list", help="list files, newest first")
    listing.add_argument("--purpose")
    listing.add_argument("--limit", type=int, default=100)
    download = files_sub.add_parser("download", help="write a file's content")
    download.add_argument("file_id")
    download.add_argument("-o", "--output", type=Path, required=True)
    remove = files_sub.add_parser("delete", help="delete a file")
    remove.add_argument("file_id")


def run(args: argparse.Namespace) -> int:
    if args.command == "data":
        from datapipe.cli import clean

        return clean(args)
    return _files(args)


def _files(args: argparse.Namespace) -> int:
    import httpx

    headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    with httpx.Client(base_url=args.base_url.rstrip("/"), headers=headers, timeout=600) as http:
        try:
            return _files_command(args, http)
        except httpx.HTTPStatusError as exc:
            try:
                message = exc.response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = exc.response.text
            print(f"error: {exc.response.status_code}: {message}", file=sys.stderr)
            return 1
        except httpx.TransportError as exc:
            print(f"error: cannot reach {args.base_url}: {exc}", file=sys.stderr)
            return 1


def _files_command(args: argparse.Namespace, http) -> int:  # noqa: ANN001
    match args.files_command:
        case "upload":
            with args.path.open("rb") as f:  # httpx streams the file part in chunks
                reply = http.post("/files", files={"file": (args.path.name, f)},
                                  data={"purpose": args.purpose})
            print(json.dumps(reply.raise_for_status().json(), indent=2))
        case "list":
            params = {"limit": args.limit, **({"purpose": args.purpose} if args.purpose else {})}
            _print_files(http.get("/files", params=params).raise_for_status().json()["data"])
        case "download":
            with http.stream("GET", f"/files/{args.file_id}/content") as reply:
                if reply.is_error:
                    reply.read()  # the error envelope, for the message
                reply.raise_for_status()
                with args.output.open("wb") as out:
                    for chunk in reply.iter_bytes():
                        out.write(chunk)
            print(f"wrote {args.output}")
        case "delete":
            http.delete(f"/files/{args.file_id}").raise_for_status()
            print(f"deleted {args.file_id}")
    return 0


def _print_files(files: list[dict]) -> None:
    from datetime import UTC, datetime

    from rich.console import Console
    from rich.table import Table

    table = Table()
    # Ids are what a user copies into the next command: never cut or wrapped.
    table.add_column("id", no_wrap=True, min_width=max((len(f["id"]) for f in files), default=2))
    for column in ("filename", "purpose", "bytes", "created"):
        table.add_column(column, justify="right" if column == "bytes" else "left")
    for f in files:
        created = datetime.fromtimestamp(f["created_at"], UTC).strftime("%Y-%m-%d %H:%M")
        table.add_row(f["id"], f["filename"], f["purpose"], str(f["bytes"]), created)
    # Piped output gets 160 columns rather than rich's 80: ids must not be cut.
    Console(width=shutil.get_terminal_size((160, 24)).columns).print(table)
