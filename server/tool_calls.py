"""Tool calls in the model's own format: how the tools and past calls are shown in the prompt,
the grammar that forces a call (`tool_choice` "required" or a named function), and the parser
that reads calls back out of the text, whole or streamed, in OpenAI's delta convention.

Formats: Hermes (`<tool_call>{json}</tool_call>`, ChatML models such as SmolLM2 and Qwen) and
InternLM2's plugin calls (`<|action_start|><|plugin|>{json}<|action_end|>`).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from engine.grammar import JSON_OPTIONS, bounded
from engine.protocol import Grammar
from engine.tokenizer import Tokenizer

# `{"name": "<name>", "arguments": ` at the start of a call: once this much is in, the call is
# announced and the arguments stream as they arrive.
_HEAD = re.compile(
    r'\s*\{\s*"name"\s*:\s*"((?:[^"\\]|\\.)*)"\s*,\s*"(?:arguments|parameters)"\s*:\s*'
)
_TAIL = re.compile(r"\s*\}\s*")
_HOLD = " \t\r\n}"  # a streamed argument fragment never ends in these: they may close the call
_EMPTY_OBJECT = {"type": "object", "properties": {}}


def new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


@dataclass(frozen=True)
class Function:
    """One tool as the formats need it: its name, description and parameters schema."""

    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None

    def as_openai(self) -> dict[str, Any]:
        fn: dict[str, Any] = {"name": self.name}
        if self.description:
            fn["description"] = self.description
        fn["parameters"] = self.parameters or _EMPTY_OBJECT
        return {"type": "function", "function": fn}

    def call_schema(self, args_key: str) -> dict[str, Any]:
        """The schema of one call's JSON: this name, then arguments that validate against the
        parameters (name first, so a stream can announce the call before its arguments)."""
        return {
            "type": "object",
            "properties": {
                "name": {"const": self.name},
                args_key: bounded(self.parameters or _EMPTY_OBJECT),
            },
            "required": ["name", args_key],
            "additionalProperties": False,
            "x-guidance": JSON_OPTIONS,
        }


class ToolFormat:
    """A model family's tool-call format. Subclasses set the markers and the prompt layout."""

    name = ""
    start = ""  # the text that opens a call
    end = ""  # the text that closes it
    args_key = "arguments"
    parallel = True  # whether the format has several calls in one answer

    def call_text(self, name: str, arguments: str) -> str:
        raise NotImplementedError

    def system_messages(self, tools: list[Function]) -> list[dict[str, Any]]:
        """The messages that show the tools, placed after the conversation's system message."""
        raise NotImplementedError

    def result_message(self, content: str) -> dict[str, Any]:
        raise NotImplementedError

    def call_rule(self) -> tuple[str, str]:
        """(opening, closing) of one call as Lark expressions."""
        raise NotImplementedError

    def grammar(self, tools: list[Function], parallel: bool) -> Grammar:
        """Exactly the format's call(s), each naming one of `tools` with valid arguments."""
        opening, closing = self.call_rule()
        names = [f"fn_{i}" for i in range(len(tools))]
        calls = "call" if not (parallel and self.parallel) else 'call ("\\n" call)*'
        lines = [f"start: {calls}", f"call: {opening} ({' | '.join(names)}) {closing}"]
        lines += [f"{n}: %json {json.dumps(t.call_schema(self.args_key))}"
                  for n, t in zip(names, tools, strict=True)]
        return Grammar(kind="lark", source="\n".join(lines))


class Hermes(ToolFormat):
    """NousResearch Hermes / Qwen2.5's format, as Qwen's chat template lays it out."""

    name = "hermes"
    start = "<tool_call>"
    end = "</tool_call>"

    def call_text(self, name: str, arguments: str) -> str:
        return f'<tool_call>\n{{"name": {json.dumps(name)}, "arguments": {arguments}}}\n</tool_call>'

    def system_messages(self, tools: list[Function]) -> list[dict[str, Any]]:
        listing = "\n".join(json.dumps(t.as_openai(), ensure_ascii=False) for t in tools)
        text = (
            "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            "You are provided with function signatures within <tools></tools> XML tags:\n"
            f"<tools>\n{listing}\n</tools>\n\n"
            "For each function call, return a json object with function name and arguments "
            "within <tool_call></tool_call> XML tags:\n<tool_call>\n"
            '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
        )
        return [{"role": "system", "content": text}]

    def result_message(self, content: str) -> dict[str, Any]:
        return {"role": "user", "content": f"<tool_response>\n{content}\n</tool_response>"}

    def call_rule(self) -> tuple[str, str]:
        return '"<tool_call>\\n"', '"\\n</tool_call>"'


class InternLM2(ToolFormat):
    """InternLM2-chat's plugin calls (LMDeploy's and vLLM's internlm2 parser): the tools in a
    `system name=<|plugin|>` turn, results in an `environment name=<|plugin|>` turn, one call
    per answer. Its markers are special tokens: a grammar names them as tokens."""

    name = "internlm2"
    start = "<|action_start|><|plugin|>"
    end = "<|action_end|>"
    args_key = "parameters"
    parallel = False

    def call_text(self, name: str, arguments: str) -> str:
        return f'{self.start}\n{{"name": {json.dumps(name)}, "parameters": {arguments}}}{self.end}'

    def system_messages(self, tools: list[Function]) -> list[dict[str, Any]]:
        listing = json.dumps([t.as_openai()["function"] for t in tools], ensure_ascii=False)
        return [{"role": "system name=<|plugin|>", "content": listing}]

    def result_message(self, content: str) -> dict[str, Any]:
        return {"role": "environment name=<|plugin|>", "content": content}

    def call_rule(self) -> tuple[str, str]:
        return '<|action_start|> <|plugin|> "\\n"', "<|action_end|>"


def format_for(tokenizer: Tokenizer) -> ToolFormat:
    """InternLM2's format when the vocabulary has its plugin tokens, else Hermes."""
    if all(tokenizer.token_to_id(t) is not None for t in ("<|action_start|>", "<|plugin|>")):
        return InternLM2()
    return Hermes()


# ---- prompt ------------------------------------------------------------------------------------


def template_renders_tools(tokenizer: Tokenizer) -> bool:
    """Whether the checkpoint's own template lays out tools (Qwen2.5's does; SmolLM2's ignores
    them): then it gets `tools` and the calls as transformers passes them."""
    return "tools" in (tokenizer.chat_template or "")


def for_template(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages for a tool-aware template: calls with arguments as objects (transformers'
    convention; the template serializes them), results keep their role and call id."""
    out = []
    for m in messages:
        calls = m.get("tool_calls")
        if calls:
            m = m | {"tool_calls": [
                {"type": "function", "id": c["id"], "function": {
                    "name": c["function"]["name"],
                    "arguments": _as_object(c["function"]["arguments"])}}
                for c in calls]}
        out.append(m)
    return out


def inline(messages: list[dict[str, Any]], tools: list[Function] | None,
           fmt: ToolFormat) -> list[dict[str, Any]]:
    """Messages for a template that knows nothing of tools: the tools shown in a system turn,
    past calls written into the assistant's text in the model's format, results as the format's
    result turns (consecutive Hermes results share one turn, as in Qwen's template)."""
    out: list[dict[str, Any]] = []
    for m in messages:
        role = m["role"]
        if m.get("tool_calls"):
            calls = [fmt.call_text(c["function"]["name"], c["function"]["arguments"])
                     for c in m["tool_calls"]]
            text = m.get("content") or ""
            sep = "\n" if fmt.parallel else ""
            out.append({"role": "assistant", "content": sep.join([text, *calls] if text else calls)})
        elif role == "tool":
            result = fmt.result_message(m.get("content") or "")
            previous = out[-1] if out else None
            if fmt.parallel and previous and previous.get("_results"):
                previous["content"] += "\n" + result["content"]
            else:
                out.append(result | {"_results": True})
        else:
            out.append({k: v for k, v in m.items() if k not in ("tool_calls", "tool_call_id")})
    for m in out:
        m.pop("_results", None)
    if tools:
        at = 1 if out and out[0]["role"] == "system" else 0
        shown = fmt.system_messages(tools)
        if at and fmt.name == "hermes":  # one system turn: the caller's instructions, then tools
            out[0] = out[0] | {"content": f"{out[0]['content']}\n\n{shown[0]['content']}"}
        else:
            out[at:at] = shown
    return out


def _as_object(arguments: str) -> Any:
    try:
        return json.loads(arguments)
    except ValueError:
        return arguments  # not JSON: the template shows it as the client sent it


# ---- parsing -----------------------------------------------------------------------------------


@dataclass
class CallDelta:
    """A piece of one call: the first has the id and name (arguments ""), later ones only
    argument fragments."""

    index: int
    arguments: str
    id: str | None = None
    name: str | None = None


@dataclass
class ParsedDelta:
    content: str = ""
    calls: list[CallDelta] = field(default_factory=list)


class ToolCallParser:
    """Splits generated text into content and tool calls, incrementally. The arguments are the
    model's own text of the arguments object. A call that does not parse stays in the content;
    whitespace next to calls is not content.

    `incremental`: announce a call as soon as its name is in and stream its arguments as they
    come (holding back what may still be the call's closing brace). Only for output a grammar
    guarantees to be well formed: otherwise a call could be announced and then fail to parse,
    and a stream would disagree with the whole answer. Without it, each call goes out whole
    when it closes; either way a stream reassembles to exactly what `parse_whole` returns.
    """

    def __init__(self, fmt: ToolFormat, parallel: bool = True, incremental: bool = False) -> None:
        self.fmt = fmt
        self.parallel = parallel and fmt.parallel
        self.incremental = incremental
        self.num_calls = 0
        self._buf = ""  # text not yet decided on
        self._in_call = False
        self._done = False  # one call made and no more allowed: the rest is dropped
        self._call = ""  # the current call's text so far
        self._announced = False
        self._sent_args = 0  # characters of the current call's arguments already sent
        self._args_start = 0
        self._held_space = ""
        self._strip_lead = False

    def feed(self, text: str) -> ParsedDelta:
        out = ParsedDelta()
        self._buf += text
        while self._buf and not self._done:
            if not self._in_call:
                if not self._scan_text(out):
                    break
            elif not self._scan_call(out):
                break
        if self._done:
            self._buf = ""
        return out

    def finish(self) -> ParsedDelta:
        """Whatever is held when the generation ends; an unclosed call counts if it parses."""
        out = ParsedDelta()
        if self._in_call and not self._done:
            self._call += self._buf
            if not self._close_call(out) and not self._announced:
                self._content(out, self.fmt.start + self._call)
        elif not self._done:
            self._content(out, self._buf)
        self._buf = ""
        if not self.num_calls:
            out.content += self._held_space
        self._held_space = ""
        return out

    def _scan_text(self, out: ParsedDelta) -> bool:
        start = self._buf.find(self.fmt.start)
        if start < 0:
            keep = _partial_suffix(self._buf, self.fmt.start)
            self._content(out, self._buf[: len(self._buf) - keep])
            self._buf = self._buf[len(self._buf) - keep :]
            return False
        self._content(out, self._buf[:start])
        self._held_space = ""  # whitespace before a call is layout, not content
        self._buf = self._buf[start + len(self.fmt.start) :]
        self._in_call, self._call, self._announced, self._sent_args = True, "", False, 0
        return True

    def _scan_call(self, out: ParsedDelta) -> bool:
        end = self._buf.find(self.fmt.end)
        if end < 0:
            keep = _partial_suffix(self._buf, self.fmt.end)
            self._call += self._buf[: len(self._buf) - keep]
            self._buf = self._buf[len(self._buf) - keep :]
            if self.incremental:
                self._stream_arguments(out)
            return False
        self._call += self._buf[:end]
        self._buf = self._buf[end + len(self.fmt.end) :]
        self._in_call = False
        if not self._close_call(out) and not self._announced:
            self._content(out, self.fmt.start + self._call + self.fmt.end)
        return True

    def _stream_arguments(self, out: ParsedDelta) -> None:
        if not self._announced:
            head = _HEAD.match(self._call)
            # Only once the arguments have begun: until then more whitespace may follow.
            if head is None or head.end() == len(self._call):
                return
            name = _unquote(head.group(1))
            if name is None:
                return
            self._announce(out, name)
            self._args_start = head.end()
        fragment = self._call[self._args_start :].rstrip(_HOLD)
        if len(fragment) > self._sent_args:
            out.calls.append(CallDelta(self.num_calls, fragment[self._sent_args :]))
            self._sent_args = len(fragment)

    def _announce(self, out: ParsedDelta, name: str) -> None:
        out.calls.append(CallDelta(self.num_calls, "", id=new_call_id(), name=name))
        self._announced = True

    def _close_call(self, out: ParsedDelta) -> bool:
        """Finish the current call: True if it parsed (its deltas are in `out`)."""
        parsed = parse_call(self._call)
        if parsed is None:
            return False
        name, arguments = parsed
        sent = self._call[self._args_start :][: self._sent_args]
        if not self._announced:
            self._announce(out, name)
        # (If the call turned out not to be name-first after all, what was sent stands.)
        if arguments.startswith(sent) and len(arguments) > len(sent):
            out.calls.append(CallDelta(self.num_calls, arguments[len(sent) :]))
        self.num_calls += 1
        self._done = not self.parallel
        self._strip_lead = True
        return True

    def _content(self, out: ParsedDelta, text: str) -> None:
        text = self._held_space + text
        body = text.rstrip()
        self._held_space = text[len(body) :]
        if self._strip_lead:  # right after a call, leading layout is dropped too
            body = body.lstrip()
            self._strip_lead = not body
            self._held_space = self._held_space if body else ""
        out.content += body


def parse_call(text: str) -> tuple[str, str] | None:
    """(name, arguments JSON text) of one call's JSON, or None if it is not a call. The
    arguments are the model's own text when the call is name-first, else re-serialized."""
    head = _HEAD.match(text)
    if head is not None and (name := _unquote(head.group(1))) is not None:
        try:
            value, end = json.JSONDecoder().raw_decode(text, head.end())
        except ValueError:
            value, end = None, 0
        if isinstance(value, dict) and _TAIL.fullmatch(text, end):
            return name, text[head.end() : end]
    try:
        call = json.loads(text)
    except ValueError:
        return None
    if not isinstance(call, dict) or not isinstance(call.get("name"), str):
        return None
    arguments = call.get("arguments", call.get("parameters"))
    if isinstance(arguments, str):  # some models write the arguments as a JSON string
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return None
    if not isinstance(arguments, dict) or set(call) - {"name", "arguments", "parameters"}:
        return None
    return call["name"], json.dumps(arguments, ensure_ascii=False)


def parse_whole(text: str, fmt: ToolFormat, parallel: bool = True
                ) -> tuple[str | None, list[tuple[str, str, str]]]:
    """(content or None, [(id, name, arguments)]) of a whole answer: the streaming parser fed
    once, so a stream and a whole answer always agree."""
    parser = ToolCallParser(fmt, parallel)
    deltas = [parser.feed(text), parser.finish()]
    content = "".join(d.content for d in deltas)
    calls: dict[int, list[str]] = {}
    for d in deltas:
        for c in d.calls:
            entry = calls.setdefault(c.index, [c.id or "", c.name or "", ""])
            entry[2] += c.arguments
    found = [tuple(calls[i]) for i in sorted(calls)]
    return (content or None) if found else content, found  # type: ignore[return-value]


def _partial_suffix(text: str, marker: str) -> int:
    """Length of the longest end of `text` that is a proper start of `marker`."""
    for n in range(min(len(marker) - 1, len(text)), 0, -1):
        if marker.startswith(text[-n:]):
            return n
    return 0


def _unquote(body: str) -> str | None:
    try:
        return json.loads(f'"{body}"')
    except ValueError:
        return None
