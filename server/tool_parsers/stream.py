"""The one tool-call parser: generated text in, content and calls out in OpenAI's delta
convention, fed a whole answer at once or its deltas as they come, with the same result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from server.tool_parsers.base import Function, ToolFormat, partial_suffix

_HOLD = " \t\r\n}"  # a streamed argument fragment never ends in these: they may close the call


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
    """Splits generated text into content and tool calls, incrementally, in any `ToolFormat`.
    The arguments are the model's own text of the arguments object where the format writes
    JSON. A call that does not parse stays in the content; whitespace next to calls is not
    content.

    `incremental`: announce a call as soon as its name is in and stream its arguments as they
    come (holding back what may still be the call's closing brace), where the format can. Only
    for output a grammar guarantees to be well formed: otherwise a call could be announced and
    then fail to parse, and a stream would disagree with the whole answer. Without it, each call
    goes out whole when it closes; either way a stream reassembles to what `parse_whole` returns.
    """

    def __init__(self, fmt: ToolFormat, parallel: bool = True, incremental: bool = False,
                 tools: Sequence[Function] = ()) -> None:
        self.fmt = fmt
        self.tools = tools  # their schemas type the values of formats that write text
        self.parallel = parallel and fmt.parallel
        self.incremental = incremental
        self.num_calls = 0
        self._buf = ""  # text not yet decided on
        self._at_start = True  # nothing but whitespace decided on so far
        self._in_call = False
        self._done = False  # one call made and no more allowed: the rest is dropped
        self._opening = ""  # the current call's opening marker, as it was in the text
        self._call = ""  # the current call's body so far
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
                self._content(out, self._opening + self._call)
        elif not self._done:
            self._content(out, self._buf)
        self._buf = ""
        if not self.num_calls:
            out.content += self._held_space
        self._held_space = ""
        return out

    def _scan_text(self, out: ParsedDelta) -> bool:
        found = self.fmt.find_start(self._buf, self._at_start)
        if found is None:
            keep = len(self._buf) - self.fmt.held(self._buf, self._at_start)
            self._content(out, self._buf[:keep])
            self._buf = self._buf[keep:]
            return False
        at, body = found
        self._content(out, self._buf[:at])
        self._held_space = ""  # whitespace before a call is layout, not content
        self._opening, self._buf = self._buf[at:body], self._buf[body:]
        self._in_call, self._call, self._announced, self._sent_args = True, "", False, 0
        return True

    def _scan_call(self, out: ParsedDelta) -> bool:
        end = self._buf.find(self.fmt.end) if self.fmt.end else -1
        if end < 0:  # the call goes on (a format without an end runs to the answer's end)
            keep = len(self._buf) - (partial_suffix(self._buf, self.fmt.end) if self.fmt.end else 0)
            self._call += self._buf[:keep]
            self._buf = self._buf[keep:]
            if self.incremental:
                self._stream_arguments(out)
            return False
        self._call += self._buf[:end]
        self._buf = self._buf[end + len(self.fmt.end) :]
        self._in_call = False
        if not self._close_call(out) and not self._announced:
            self._content(out, self._opening + self._call + self.fmt.end)
        return True

    def _stream_arguments(self, out: ParsedDelta) -> None:
        if not self._announced:
            head = self.fmt.head(self._call)
            if head is None:
                return
            self._announce(out, head[0])
            self._args_start = head[1]
        fragment = self._call[self._args_start :].rstrip(_HOLD)
        if len(fragment) > self._sent_args:
            out.calls.append(CallDelta(self.num_calls, fragment[self._sent_args :]))
            self._sent_args = len(fragment)

    def _announce(self, out: ParsedDelta, name: str) -> None:
        out.calls.append(CallDelta(self.num_calls, "", id=self.fmt.call_id(), name=name))
        self._announced = True

    def _close_call(self, out: ParsedDelta) -> bool:
        """Finish the current call: True if it parsed (its deltas are in `out`)."""
        calls = self.fmt.read(self._call, self.tools)
        if not calls:
            return False
        for n, (name, arguments) in enumerate(calls if self.parallel else calls[:1]):
            sent = self._call[self._args_start :][: self._sent_args] if n == 0 else ""
            if n or not self._announced:
                self._announce(out, name)
            # (If the call turned out not to be name-first after all, what was sent stands.)
            if arguments.startswith(sent) and len(arguments) > len(sent):
                out.calls.append(CallDelta(self.num_calls, arguments[len(sent) :]))
            self.num_calls += 1
        self._done = not self.parallel
        self._strip_lead, self._at_start = True, False
        return True

    def _content(self, out: ParsedDelta, text: str) -> None:
        text = self._held_space + text
        body = text.rstrip()
        self._held_space = text[len(body) :]
        if self._strip_lead:  # right after a call, leading layout is dropped too
            body = body.lstrip()
            self._strip_lead = not body
            self._held_space = self._held_space if body else ""
        self._at_start = self._at_start and not body
        out.content += body


def parse_whole(text: str, fmt: ToolFormat, parallel: bool = True,
                tools: Sequence[Function] = ()) -> tuple[str | None, list[tuple[str, str, str]]]:
    """(content or None, [(id, name, arguments)]) of a whole answer: the streaming parser fed
    once, so a stream and a whole answer always agree."""
    parser = ToolCallParser(fmt, parallel, tools=tools)
    return collect([parser.feed(text), parser.finish()])


def collect(deltas: Sequence[ParsedDelta]) -> tuple[str | None, list[tuple[str, str, str]]]:
    """A whole answer from its deltas: content (None when there are calls and no text) and the
    calls as (id, name, arguments)."""
    content = "".join(d.content for d in deltas)
    calls: dict[int, list[str]] = {}
    for d in deltas:
        for c in d.calls:
            entry = calls.setdefault(c.index, [c.id or "", c.name or "", ""])
            entry[2] += c.arguments
    found = [tuple(calls[i]) for i in sorted(calls)]
    return (content or None) if found else content, found  # type: ignore[return-value]
