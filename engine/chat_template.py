"""Render a checkpoint's jinja2 chat template the way `transformers.apply_chat_template` does:
a sandboxed environment with the same globals and filters, so prompts match token for token.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


class ChatTemplateError(ValueError):
    """The checkpoint has no template, or the template refused the conversation (a 400 upstream)."""


class _Generation(Extension):
    """`{% generation %}...{% endgeneration %}` marks assistant text for training masks in
    transformers; rendering only needs its body, but templates using it must still parse."""

    tags = {"generation"}

    def parse(self, parser: jinja2.parser.Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

    def _body(self, caller: Any) -> str:
        return caller()


def _raise_exception(message: str) -> None:
    raise jinja2.exceptions.TemplateError(message)


def _tojson(value: Any, ensure_ascii: bool = False, indent: int | None = None,
            separators: tuple[str, str] | None = None, sort_keys: bool = False) -> str:
    # jinja's own tojson HTML-escapes (<, >, &, '), which would change the prompt text.
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


@lru_cache(maxsize=16)
def compile_template(source: str) -> jinja2.Template:
    """Compile once per distinct template (a server renders the same one for every request)."""
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[_Generation, loopcontrols])
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _strftime_now
    return env.from_string(source)


def render_chat_template(template: str | None, messages: list[dict[str, Any]], *,
                         add_generation_prompt: bool = True, tools: list[dict] | None = None,
                         **kwargs: Any) -> str:
    """The prompt for `messages`; kwargs (bos_token, eos_token, ...) become template variables."""
    if not template:
        raise ChatTemplateError("this model has no chat template; send a plain completion request "
                                "or load a checkpoint that ships one")
    # Keys set to None are dropped, as transformers does, so `message.tool_calls is defined` holds.
    clean = [{k: v for k, v in m.items() if v is not None} for m in messages]
    compiled = compile_template(template)  # a broken template is our fault: let it surface as is
    try:
        return compiled.render(messages=clean, add_generation_prompt=add_generation_prompt,
                               tools=tools, **kwargs)
    except jinja2.exceptions.TemplateError as exc:
        raise ChatTemplateError(f"chat template error: {exc}") from exc
