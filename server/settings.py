"""Server settings: where to listen and which engine to run (CLI flags over HANLIN_* vars)."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from engine.config import EngineConfig
from server.limits import LimitSettings
from server.model_pool import PoolSettings
from server.reasoning import REASONING_PARSERS
from server.state.config import StateConfig
from server.tool_parsers import TOOL_CALL_PARSERS, check_name


class ParserSettings(msgspec.Struct, frozen=True, kw_only=True):
    """How answers are read back: the tool-call format and the reasoning parser by name; None
    picks them per model from its chat template and vocabulary. An unknown name is refused
    (`UnknownParser`, one line naming the known ones)."""

    tool_call_parser: str | None = None  # one of TOOL_CALL_PARSERS
    reasoning_parser: str | None = None  # one of REASONING_PARSERS ("none": never)

    def __post_init__(self) -> None:
        check_name(self.tool_call_parser, TOOL_CALL_PARSERS, "tool-call parser")
        check_name(self.reasoning_parser, REASONING_PARSERS, "reasoning parser")


class ServerSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The HTTP side (host, port, log level) composed with the engine's and the state's configs."""

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    max_n: int = 16  # the most choices one request may ask for
    shutdown_grace_s: float = 10.0  # after SIGTERM, how long running requests may go on
    engine: EngineConfig = EngineConfig()
    state: StateConfig = StateConfig()
    limits: LimitSettings = LimitSettings()
    # Base models besides the engine's (`--model` given again, a models folder's checkpoints):
    # loaded on first use by the pool, like full fine-tunes (server/model_pool.py).
    more_models: tuple[str, ...] = ()
    models: PoolSettings = PoolSettings()  # the pooled engines' budgets
    parsers: ParserSettings = ParserSettings()

    @classmethod
    def from_env(
        cls,
        *,
        host: str | None = None,
        port: int | None = None,
        log_level: str | None = None,
        tool_call_parser: str | None = None,
        reasoning_parser: str | None = None,
        models: list[str] | None = None,
        models_dir: str | None = None,
        **engine_overrides: object,
    ) -> ServerSettings:
        """Read HANLIN_HOST / HANLIN_PORT / HANLIN_LOG_LEVEL / HANLIN_SHUTDOWN_GRACE_S,
        HANLIN_MODELS_DIR, HANLIN_MAX_LOADED_MODELS / HANLIN_MODEL_MEMORY_GB /
        HANLIN_MODEL_KV_MB, HANLIN_TOOL_CALL_PARSER / HANLIN_REASONING_PARSER and the engine's,
        state's and limits' variables; explicit arguments (CLI flags) win, None meaning "not
        given". `models`: every `--model`, the first served by the engine; then a models
        folder's checkpoints (the first of them is the engine's when no `--model` is given)."""
        env = os.environ
        paths = list(models or ())
        folder = models_dir or env.get("HANLIN_MODELS_DIR")
        if folder:
            paths += [str(p) for p in _models_in(Path(folder)) if str(p) not in paths]
        if paths:
            engine_overrides["model"] = paths[0]
        pool = PoolSettings()
        return cls(
            host=host or env.get("HANLIN_HOST", "127.0.0.1"),
            port=port if port is not None else int(env.get("HANLIN_PORT", "8000")),
            log_level=log_level or env.get("HANLIN_LOG_LEVEL", "info"),
            max_n=int(env.get("HANLIN_MAX_N", "16")),
            shutdown_grace_s=float(env.get("HANLIN_SHUTDOWN_GRACE_S", "10")),
            engine=EngineConfig.from_env(**engine_overrides),
            state=StateConfig.from_env(),
            limits=LimitSettings.from_env(),
            more_models=tuple(paths[1:]),
            models=PoolSettings(
                max_loaded=int(env.get("HANLIN_MAX_LOADED_MODELS", pool.max_loaded)),
                memory_bytes=int(float(env.get("HANLIN_MODEL_MEMORY_GB", pool.memory_bytes / 2**30))
                                 * (1 << 30)),
                kv_cache_bytes=int(float(env.get("HANLIN_MODEL_KV_MB", "256")) * (1 << 20))),
            parsers=ParserSettings(
                tool_call_parser=tool_call_parser or env.get("HANLIN_TOOL_CALL_PARSER") or None,
                reasoning_parser=reasoning_parser or env.get("HANLIN_REASONING_PARSER") or None),
        )


def _models_in(folder: Path) -> list[Path]:
    """A models folder's checkpoints: its `.gguf` files and sub-folders with a config.json, by
    name. A folder that is not there is an error, not an empty list."""
    if not folder.is_dir():
        raise ValueError(f"models folder {str(folder)!r} does not exist")
    found = [p for p in folder.iterdir()
             if (p.is_file() and p.suffix == ".gguf") or (p / "config.json").is_file()]
    if not found:
        raise ValueError(f"models folder {str(folder)!r} holds no .gguf file and no folder "
                         "with a config.json")
    return sorted(found, key=lambda p: p.name)
