"""Server settings: where to listen and which engine to run (CLI flags over HANLIN_* vars)."""

from __future__ import annotations

import os

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
    models: PoolSettings = PoolSettings()  # full fine-tuned models, an engine each
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
        **engine_overrides: object,
    ) -> ServerSettings:
        """Read HANLIN_HOST / HANLIN_PORT / HANLIN_LOG_LEVEL / HANLIN_SHUTDOWN_GRACE_S,
        HANLIN_MAX_FULL_MODELS / HANLIN_FULL_MODEL_KV_MB, HANLIN_TOOL_CALL_PARSER /
        HANLIN_REASONING_PARSER and the engine's, state's and limits' variables; explicit
        arguments (CLI flags) win, None meaning "not given"."""
        env = os.environ
        return cls(
            host=host or env.get("HANLIN_HOST", "127.0.0.1"),
            port=port if port is not None else int(env.get("HANLIN_PORT", "8000")),
            log_level=log_level or env.get("HANLIN_LOG_LEVEL", "info"),
            max_n=int(env.get("HANLIN_MAX_N", "16")),
            shutdown_grace_s=float(env.get("HANLIN_SHUTDOWN_GRACE_S", "10")),
            engine=EngineConfig.from_env(**engine_overrides),
            state=StateConfig.from_env(),
            limits=LimitSettings.from_env(),
            models=PoolSettings(
                max_loaded=int(env.get("HANLIN_MAX_FULL_MODELS", "1")),
                kv_cache_bytes=int(float(env.get("HANLIN_FULL_MODEL_KV_MB", "256")) * (1 << 20))),
            parsers=ParserSettings(
                tool_call_parser=tool_call_parser or env.get("HANLIN_TOOL_CALL_PARSER") or None,
                reasoning_parser=reasoning_parser or env.get("HANLIN_REASONING_PARSER") or None),
        )
