"""A tool is a typed function; `Tool` describes it (OpenAI's function spec) and calls it with
checked arguments. `Toolbox.invoke(name, arguments)` never raises: every failure, from an
unknown name to malformed JSON to an exception inside, comes back as an `is_error` observation."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from agents.records import Observation
from agents.tools.schema import parameters_of

MAX_OBSERVATION_CHARS = 8192  # Lagent's max_out_len: longer results are cut, saying so


def clip(text: str, limit: int = MAX_OBSERVATION_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n... [{len(text) - limit} more characters cut]"


class Tool:
    def __init__(self, fn: Callable[..., Any], *, name: str | None = None,
                 description: str | None = None) -> None:
        self.fn = fn
        self.name = name or fn.__name__
        self.parameters, self._types, doc = parameters_of(fn)
        self.description = description or doc
        if not self.description:
            raise TypeError(f"tool {self.name!r} needs a docstring: the model reads it")

    def spec(self) -> dict[str, Any]:
        """OpenAI's Chat Completions tool entry."""
        return {"type": "function", "function": {
            "name": self.name, "description": self.description, "parameters": self.parameters}}

    def check(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """Arguments converted to the declared types; ValueError says what is wrong."""
        unknown = sorted(set(arguments) - set(self._types))
        if unknown:
            raise ValueError(f"unknown argument(s) {', '.join(unknown)}; "
                             f"expected {', '.join(self._types) or 'none'}")
        missing = [n for n in self.parameters["required"] if n not in arguments]
        if missing:
            raise ValueError(f"missing required argument(s) {', '.join(missing)}")
        checked = {}
        for name, value in arguments.items():
            try:
                checked[name] = msgspec.convert(value, self._types[name])
            except msgspec.ValidationError as exc:
                raise ValueError(f"argument {name!r}: {exc}") from None
        return checked

    async def __call__(self, arguments: dict[str, Any]) -> Observation:
        try:
            checked = self.check(arguments)
        except ValueError as exc:
            return Observation(content=f"invalid arguments for {self.name}: {exc}", is_error=True)
        try:
            if inspect.iscoroutinefunction(self.fn):
                value = await self.fn(**checked)
            else:  # blocking work stays off the event loop
                value = await asyncio.to_thread(self.fn, **checked)
        except Exception as exc:  # the model sees the failure and may recover
            return Observation(content=f"{type(exc).__name__}: {exc}", is_error=True)
        if isinstance(value, Observation):
            return value
        text = value if isinstance(value, str) else msgspec.json.encode(value).decode()
        return Observation(content=clip(text))


def tool(fn: Callable[..., Any] | None = None, *, name: str | None = None) -> Any:
    """Decorator form: `@tool` or `@tool(name="...")`."""
    if fn is None:
        return lambda f: Tool(f, name=name)
    return Tool(fn, name=name)


class Toolbox:
    """The tools of one run, by name."""

    def __init__(self, tools: Iterable[Tool]) -> None:
        self.tools: dict[str, Tool] = {}
        for item in tools:
            if item.name in self.tools:
                raise ValueError(f"two tools are named {item.name!r}")
            self.tools[item.name] = item

    def specs(self) -> list[dict[str, Any]]:
        return [t.spec() for t in self.tools.values()]

    async def invoke(self, name: str, arguments: str | dict[str, Any] | None) -> Observation:
        """Call a tool with arguments as a JSON object or its text; never raises."""
        target = self.tools.get(name)
        if target is None:
            return Observation(content=f"unknown tool {name!r}; available: "
                                       f"{', '.join(self.tools) or 'none'}", is_error=True)
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments) if arguments.strip() else {}
            except (ValueError, RecursionError) as exc:  # bad JSON, huge ints, deep nesting
                why = "nested too deeply" if isinstance(exc, RecursionError) else exc
                return Observation(content=f"arguments for {name} are not valid JSON ({why})",
                                   is_error=True)
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            return Observation(content=f"arguments for {name} must be a JSON object",
                               is_error=True)
        return await target(arguments)
