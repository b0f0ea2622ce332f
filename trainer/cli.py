"""`python -m trainer train --config CONFIG.json [flags]`: validate, run, print JSON lines.
`worker` is what each launched rank runs; it is not meant to be called by hand."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import NoReturn

from trainer.config import ConfigError, TrainConfig, load_config, to_dict
from trainer.data import DataError, check_messages, read_jsonl
from trainer.metrics import Emitter

EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m trainer")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="run a fine-tune")
    train.add_argument("--config", help="a JSON config file (flags below override it)")
    train.add_argument("--model")
    train.add_argument("--train-file")
    train.add_argument("--output-dir")
    train.add_argument("--method", choices=["sft", "dpo"])
    train.add_argument("--backend", choices=["plain", "deepspeed"])
    train.add_argument("--nproc", type=int)
    train.add_argument("--zero-stage", type=int, choices=[0, 1, 2, 3])
    train.add_argument("--max-steps", type=int)
    train.add_argument("--resume", help='"latest" or a checkpoint folder')
    worker = sub.add_parser("worker", help=argparse.SUPPRESS)
    worker.add_argument("--config", required=True)
    return parser


def _raw_config(args: argparse.Namespace) -> dict:
    raw: dict = {}
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise ConfigError(f"config file {str(path)!r} does not exist")
        try:
            raw = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise ConfigError(f"config file {str(path)!r} is not valid JSON: {exc}") from None
    for key in ("model", "train_file", "output_dir", "method"):
        if (value := getattr(args, key)) is not None:
            raw[key] = value
    nested = {("runtime", "backend"): args.backend, ("runtime", "nproc"): args.nproc,
              ("zero", "stage"): args.zero_stage, ("schedule", "max_steps"): args.max_steps,
              ("checkpoint", "resume"): args.resume}
    for (section, key), value in nested.items():
        if value is not None:
            raw[section] = {**raw.get(section, {}), key: value}
    return raw


def check_file(cfg: TrainConfig) -> None:
    """Fail fast, before any rank starts: every line parses and has the method's fields."""
    count = 0
    for number, obj in read_jsonl(cfg.train_file):
        count += 1
        if cfg.method == "sft":
            check_messages(obj.get("messages"), f"line {number}")
        elif "chosen" not in obj or "rejected" not in obj:
            raise DataError(f"line {number}: a preference pair needs 'chosen' and 'rejected'")
    if count == 0:
        raise DataError(f"training file {cfg.train_file!r} is empty")


def _fail(message: str, output_dir: str | None) -> int:
    Emitter(output_dir if output_dir and Path(output_dir).is_dir() else None).emit(
        "error", message=message)
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def train(args: argparse.Namespace) -> int:
    from trainer import launch, loop

    raw: dict = {}
    try:
        raw = _raw_config(args)
        cfg = load_config(raw)
        check_file(cfg)
    except (ConfigError, DataError) as exc:
        return _fail(str(exc), raw.get("output_dir"))
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    resolved = out / "config.json"
    resolved.write_text(json.dumps(to_dict(cfg), indent=2))
    if cfg.runtime.backend == "plain":
        return _guarded(lambda: loop.run(cfg, distributed=False), cfg.output_dir)
    code = launch.run_child(cfg, resolved)
    if code != 0:
        print(f"error: the training ranks exited with status {code}", file=sys.stderr)
    return code


def _guarded(body, output_dir: str) -> int:
    try:
        body()
    except (ConfigError, DataError, FileNotFoundError, ValueError) as exc:
        return _fail(str(exc), output_dir)
    except Exception as exc:  # a bug or a crash: keep the trace on stderr, one line on stdout
        traceback.print_exc()
        Emitter(output_dir).emit("error", message=f"{type(exc).__name__}: {exc}")
        return 1
    return 0


def worker(args: argparse.Namespace) -> NoReturn:
    from trainer import loop
    from trainer.lifeline import watch_trainer

    watch_trainer()  # first: a rank must not outlive the trainer even while it loads
    cfg = load_config(args.config)
    code = _guarded(lambda: loop.run(cfg, distributed=True), cfg.output_dir)
    _leave(code)


def _leave(code: int) -> NoReturn:
    """End a rank without running C++ static destructors. Its files are written and closed and
    the process group is torn down (loop.run), yet a rank sometimes aborted in the interpreter's
    exit, after its last Python frame, with "terminate called without an active exception" (2
    runs in 15 of a 2-rank ZeRO-3 job on a loaded 2-core machine): a thread owned by a static
    object (gloo's, DeepSpeed's) still joinable when the statics die. That failed a finished run."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return train(args) if args.command == "train" else worker(args)
