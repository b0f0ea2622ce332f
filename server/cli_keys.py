"""`hanlin keys create|list|revoke`: API keys, straight in the server's database (HANLIN_HOME or
HANLIN_DATABASE_URL), so the first admin key can be made before any key exists."""

from __future__ import annotations

import argparse
import asyncio


def add_parser(sub: argparse._SubParsersAction) -> None:
    keys = sub.add_parser("keys", help="create, list and revoke API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key (printed once)")
    create.add_argument("--name", required=True)
    create.add_argument("--scope", choices=["admin", "user"], default="user")
    keys_sub.add_parser("list", help="list keys")
    revoke = keys_sub.add_parser("revoke", help="revoke a key")
    revoke.add_argument("key_id")


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from server.state.config import StateConfig
    from server.state.db import Database
    from server.state.keys import KeyNotFound, KeyStore, LastAdminKey

    config = StateConfig.from_env()
    config.home_path.mkdir(parents=True, exist_ok=True)
    db = await Database.open(config.url)
    keys, console = KeyStore(db), Console()
    try:
        if args.keys_command == "create":
            row, key = await keys.create(name=args.name, scope=args.scope)
            console.print(f"{row.id} ({row.scope}): {key}", soft_wrap=True, highlight=False)
            console.print("Keep it now: only its hash is stored.", style="dim")
        elif args.keys_command == "list":
            table = Table("id", "name", "scope", "prefix", "created", "revoked")
            table.columns[0].no_wrap = True
            for row in await keys.list():
                table.add_row(row.id, row.name, row.scope, row.prefix, str(row.created_at),
                              str(row.revoked_at or ""))
            console.print(table)
        else:
            try:
                row = await keys.revoke(args.key_id)
            except KeyNotFound:
                console.print(f"no key {args.key_id}", style="red")
                return 1
            except LastAdminKey:
                console.print(f"{args.key_id} is the last active admin key; create another "
                              "(hanlin keys create --scope admin) before revoking it",
                              style="red", soft_wrap=True)
                return 1
            console.print(f"revoked {row.id}")
    finally:
        await db.close()
    return 0
