"""The `hanlin` command: `hanlin serve` runs the OpenAI-compatible server (uvicorn), `hanlin chat`
talks to the model in the terminal, streaming tokens as they come (in-process engine);
`hanlin data` and `hanlin files` are in `server.cli_data`, `hanlin agent` in `server.cli_agent`,
`hanlin finetune` in `server.cli_finetune`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import socket
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from engine.config import DEFAULT_MODEL, EngineConfig
from engine.protocol import GenerateRequest, SamplingParams

if TYPE_CHECKING:  # imported lazily below: `hanlin --help` should not load torch
    import uvicorn
    from litestar import Litestar

    from engine.async_engine import AsyncEngine
    from server.settings import ServerSettings


def _engine_flags(parser: argparse.ArgumentParser, *, many: bool = False) -> None:
    # Defaults are None so HANLIN_* variables apply unless a flag is given.
    if many:
        parser.add_argument(
            "--model", action="append",
            help=f"GGUF file, Hugging Face folder, or {DEFAULT_MODEL!r}; give it again to serve "
                 "several (the first is loaded at start, the others on first use)")
        parser.add_argument(
            "--models-dir", metavar="DIR",
            help="serve every .gguf file and Hugging Face folder in DIR too (env "
                 "HANLIN_MODELS_DIR); loaded on first use under HANLIN_MODEL_MEMORY_GB")
    else:
        parser.add_argument("--model", help=f"GGUF file, Hugging Face folder, or {DEFAULT_MODEL!r}")
    parser.add_argument("--threads", type=int, help="CPU threads for the engine (default: all)")
    parser.add_argument("--dtype", choices=["float32", "bfloat16"],
                        help="compute dtype of dense weights (default float32)")
    parser.add_argument(
        "--weights",
        choices=["auto", "dense", "int4"],
        help="auto (default): a GGUF mostly in Q4_0 / Q4_1 / Q4_K blocks through the int4 "
             "kernels as it is, bf16 activations, its other linears dense; anything else dense. "
             "int4: every linear int4 (other blocks rounded). dense: dequantized to --dtype",
    )
    parser.add_argument(
        "--kv-cache-dtype",
        choices=["auto", "int8", "bfloat16", "float32"],
        help="KV cache storage (default auto: the compute dtype)",
    )
    parser.add_argument("--max-model-len", type=int, help="context length cap in tokens")
    parser.add_argument("--compile", action=argparse.BooleanOptionalAction, default=None,
                        help="decode steps through torch.compile (default on; env "
                             "HANLIN_COMPILE=0 turns it off): built in the background while "
                             "the engine answers eagerly, then used between steps")
    parser.add_argument("--exact", action="store_true", default=None,
                        help="the fp32 reference path: dense float32 weights, eager steps (over "
                             "--dtype, --weights and --compile; env HANLIN_EXACT=1)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hanlin", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the OpenAI-compatible HTTP server")
    _engine_flags(serve, many=True)
    serve.add_argument("--host", help="address to bind (default 127.0.0.1, env HANLIN_HOST)")
    serve.add_argument("--port", type=int, help="port (default 8000, env HANLIN_PORT)")
    serve.add_argument("--log-level", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--tool-call-parser", metavar="NAME",
                       help="read tool calls in this format: hermes, internlm2, llama3_json, "
                            "mistral, qwen3_coder (default: picked from the model's chat "
                            "template and vocabulary; env HANLIN_TOOL_CALL_PARSER)")
    serve.add_argument("--reasoning-parser", metavar="NAME",
                       help="split <think>...</think> into reasoning_content: think (alias "
                            "qwen3, deepseek_r1) or none (default: on when the template or "
                            "vocabulary has <think>; env HANLIN_REASONING_PARSER)")
    chat = sub.add_parser("chat", help="chat with the model in this terminal")
    _engine_flags(chat)
    chat.add_argument("--system", help="a system message that opens the conversation")
    chat.add_argument("--temperature", type=float, default=0.7)
    chat.add_argument("--max-tokens", type=int, default=512)
    from server.cli_agent import add_parser as add_agent
    from server.cli_data import add_parsers
    from server.cli_eval import add_parser as add_eval
    from server.cli_finetune import add_parser as add_finetune
    from server.cli_keys import add_parser as add_keys

    add_parsers(sub)
    add_keys(sub)
    add_agent(sub)
    add_finetune(sub)
    add_eval(sub)
    return parser


def _engine_overrides(args: argparse.Namespace) -> dict[str, object]:
    return {
        "model": args.model,
        "num_threads": args.threads,
        "dtype": args.dtype,
        "weights": args.weights,
        "kv_cache_dtype": args.kv_cache_dtype,
        "max_model_len": args.max_model_len,
        "compile": args.compile,
        "exact": args.exact,
    }


def serve(args: argparse.Namespace) -> int:
    from msgspec.structs import replace as msgspec_replace

    from server.app import create_app
    from server.front_door import is_loopback_name
    from server.observability import configure_logging
    from server.settings import ServerSettings
    from server.tool_parsers import UnknownParser

    try:
        settings = ServerSettings.from_env(
            host=args.host, port=args.port, log_level=args.log_level,
            tool_call_parser=args.tool_call_parser, reasoning_parser=args.reasoning_parser,
            models=args.model, models_dir=args.models_dir,
            **(_engine_overrides(args) | {"model": None})
        )
    except (UnknownParser, ValueError) as exc:
        print(f"hanlin: {exc}", file=sys.stderr, flush=True)
        return 2
    configure_logging(settings.log_level)  # hanlin's loggers as JSON lines on stderr
    try:
        any_key, engine = _start_up(settings)
    except StartupError as exc:
        if os.environ.get("HANLIN_DEBUG", "").lower() in ("1", "true", "yes"):
            raise
        print(f"hanlin: {exc}", file=sys.stderr, flush=True)
        return 1
    try:
        # The start-up half of the rule; server/front_door.py refuses non-loopback clients,
        # Hosts and Origins on every request for as long as no key exists.
        if not is_loopback_name(settings.host) and not any_key:
            print(f"hanlin: no API keys exist, so the server binds to 127.0.0.1 only (not "
                  f"{settings.host}); create one with `hanlin keys create --scope admin`",
                  flush=True)
            settings = msgspec_replace(settings, host="127.0.0.1")
        url = f"http://{settings.host}:{settings.port}"
        print(f"hanlin: serving {engine.model_name} at {url}/v1 (health: {url}/health)",
              flush=True)
        if settings.more_models:
            from engine.load import model_name

            others = ", ".join(model_name(m) for m in settings.more_models)
            print(f"hanlin: also serving, loaded on first use: {others}", flush=True)
        _server(create_app(engine, settings), settings).run()
    except KeyboardInterrupt:  # uvicorn raises a Ctrl-C again once it has shut down
        return 130
    finally:
        engine.shutdown()
    return 0


# Past the grace, what is cut still sends its final event or 503; uvicorn cancels after this.
SEND_MARGIN_S = 5.0


class StartupError(Exception):
    """A check `hanlin serve` makes before it listens failed; the message is one line that names
    what failed (a folder, a database URL without its password, a model file) and why."""


def _start_up(settings: ServerSettings) -> tuple[bool, AsyncEngine]:
    """The data folder, the database, then the model (the slowest) — each checked before the
    server listens, so a broken one fails fast with a clear line instead of a traceback. Returns
    whether any API key exists, and the started engine."""
    from engine.async_engine import AsyncEngine

    _check_home(settings.state.home_path)
    any_key = asyncio.run(_check_database(settings.state.url))
    _check_more_models(settings)
    try:
        engine = AsyncEngine.start(settings.engine)
    except Exception as exc:
        model = settings.engine.model
        named = "" if model in str(exc) else f" {model}"
        raise StartupError(f"cannot load the model{named}: {_one_line(exc)}") from exc
    return any_key, engine


def _check_more_models(settings: ServerSettings) -> None:
    """The base models loaded on first use are read now (their configs, not their weights), so
    that a missing or unsupported one fails the start, not its first request; ids are unique."""
    from engine.load import model_name
    from engine.loaders import read_config

    names = {model_name(settings.engine.model): settings.engine.model}
    for path in settings.more_models:
        try:
            read_config(path)
        except Exception as exc:
            named = "" if path in str(exc) else f" {path}"
            raise StartupError(f"cannot load the model{named}: {_one_line(exc)}") from exc
        name = model_name(path)
        if name in names:
            raise StartupError(f"two models are named {name!r} ({names[name]} and {path}); "
                               "models are named by file stem or folder name: rename one")
        names[name] = path


def _check_home(home: Path) -> None:
    try:
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=home):
            pass
    except OSError as exc:
        raise StartupError(f"the data folder {home} (HANLIN_HOME) is not writable: "
                           f"{exc.strerror or exc}") from exc


async def _check_database(url: str) -> bool:
    """Open and migrate the database; whether an API key was ever made (else auth is off, and
    anyone who can reach the port would be the operator)."""
    from server.state.db import Database
    from server.state.keys import KeyStore

    try:
        db = await Database.open(url)
    except Exception as exc:
        cause = getattr(exc, "orig", None) or exc  # the driver's error, not SQLAlchemy's wrapper
        raise StartupError(_hide_password(f"cannot open the database {url}: "
                                          f"{_one_line(cause)}")) from exc
    try:
        return await KeyStore(db).auth_enabled()
    finally:
        await db.close()


_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def _hide_password(text: str) -> str:
    return _PASSWORD.sub(r"\1***@", text)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.split(" (Background on this error at:")[0]


def _server(app: Litestar, settings: ServerSettings) -> uvicorn.Server:
    """uvicorn with hanlin's orderly stop: on SIGTERM (or Ctrl-C) it stops listening at once,
    `begin_shutdown` gives running requests HANLIN_SHUTDOWN_GRACE_S and requeues the jobs, and the
    process exits 0 once the app has shut down. Its connections have read deadlines, and the app
    sits behind the front door (server/front_door.py)."""
    import uvicorn

    from server.app import begin_shutdown
    from server.front_door import FrontDoor
    from server.read_deadlines import deadline_protocol

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            begin_shutdown(app, settings.shutdown_grace_s)
            await super().shutdown(sockets)

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                yield
                # uvicorn raises a caught SIGTERM again once it has shut down, which would end
                # the process "killed by SIGTERM": the drain was the orderly stop asked for.
                self._captured_signals[:] = [
                    sig for sig in self._captured_signals if sig != signal.SIGTERM]

    return Server(uvicorn.Config(
        FrontDoor(app, settings.limits),
        http=deadline_protocol(settings.limits),  # h11 always, httptools installed or not
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,  # hanlin.access logs each request, as JSON with its request id
        timeout_graceful_shutdown=settings.shutdown_grace_s + SEND_MARGIN_S,
    ))


async def _chat(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from engine.async_engine import AsyncEngine

    config = EngineConfig.from_env(**_engine_overrides(args))
    engine = await asyncio.to_thread(AsyncEngine.start, config)
    history: list[dict[str, str]] = []
    if args.system:
        history.append({"role": "system", "content": args.system})
    interactive = stdin.isatty()
    if interactive:
        print(f"hanlin chat with {engine.model_name}; /exit or Ctrl-D to quit.", file=stdout)
    try:
        while True:
            if interactive:
                stdout.write(">>> ")
                stdout.flush()
            # Reading blocks the loop on purpose: nothing else runs on it between turns, and
            # a thread stuck in readline() would keep Ctrl-C from exiting.
            line = stdin.readline()
            if not line or line.strip() == "/exit":
                return 0
            if not line.strip():
                continue
            history.append({"role": "user", "content": line.strip()})
            reply = await _reply(engine, history, args, stdout)
            if reply is None:  # the turn cannot be answered; drop it so the next one still fits
                history.pop()
            else:
                history.append({"role": "assistant", "content": reply})
    finally:
        await asyncio.to_thread(engine.shutdown)


async def _reply(
    engine: AsyncEngine, history: list[dict[str, str]], args: argparse.Namespace, stdout: TextIO
) -> str | None:
    """Stream one assistant turn to stdout and return its text (None: no room left for it)."""
    text = engine.tokenizer.apply_chat_template(history, add_generation_prompt=True)
    ids = engine.tokenizer.encode(text, add_special_tokens=False)
    room = engine.max_model_len - len(ids)
    if room < 1:
        print(
            "[the conversation is longer than the model's context; start a new chat]", file=stdout
        )
        return None
    sampling = SamplingParams(max_tokens=min(args.max_tokens, room), temperature=args.temperature)
    request = GenerateRequest(
        request_id=f"chat-{uuid.uuid4().hex}", prompt_ids=tuple(ids), sampling=sampling
    )
    parts: list[str] = []
    async for out in engine.generate(request):
        stdout.write(out.text)
        stdout.flush()
        parts.append(out.text)
    stdout.write("\n")
    stdout.flush()
    return "".join(parts)


def chat(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_chat(args, sys.stdin, sys.stdout))
    except KeyboardInterrupt:
        return 130


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("data", "files"):
        from server.cli_data import run

        return run(args)
    if args.command == "finetune":
        from server.cli_finetune import run as run_finetune

        return run_finetune(args)
    if args.command == "keys":
        from server.cli_keys import run as run_keys

        return run_keys(args)
    if args.command == "eval":
        from server.cli_eval import run as run_eval

        return run_eval(args)
    if args.command == "agent":
        from server.cli_agent import run as run_agent

        return run_agent(args)
    return serve(args) if args.command == "serve" else chat(args)


if __name__ == "__main__":
    sys.exit(main())
