"""JSONL in and out in shards: byte ranges cut at line starts, read line by line (never a whole
file, nor more than `max_line_bytes` of a line). A line that is not UTF-8, JSON or a record of
the right shape becomes a `Rejected` of the `read` step with its line number; it never raises.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from datapipe.document import Document, Rejected
from datapipe.report import StepStats
from datapipe.steps import Key, Settings

_BOM = b"\xef\xbb\xbf"
_SCAN = 1 << 22


class ReadSettings(Settings):
    text_key: Key = "text"  # the field holding the text (text, code, long_context pipelines)
    messages_key: Key = "messages"  # the field holding the conversation (chat pipeline)
    id_key: Key = "id"  # used as the document id when present; else "line-N"
    # A longer line is rejected, only its head kept (memory bound).
    max_line_bytes: Annotated[int, Meta(ge=1024, le=256 << 20)] = 64 << 20


class Shard(msgspec.Struct, frozen=True):
    path: str
    start: int
    end: int
    first_line: int


def plan_shards(path: str, shard_bytes: int) -> list[Shard]:
    """Cut the file into ~shard_bytes ranges ending at line ends; count lines so every shard
    knows the number of its first line. Reads the file once in 4 MiB chunks."""
    size = os.path.getsize(path)
    shards: list[Shard] = []
    start, line = 0, 1
    with open(path, "rb") as f:
        while start < size:
            end = _next_line_start(f, min(start + shard_bytes, size), size)
            shards.append(Shard(path, start, end, line))
            f.seek(start)
            left = end - start
            while left:
                chunk = f.read(min(_SCAN, left))
                line += chunk.count(b"\n")
                left -= len(chunk)
            start = end
    return shards


def _next_line_start(f: Any, pos: int, size: int) -> int:
    if pos >= size:
        return size
    f.seek(pos - 1)
    while True:
        chunk = f.read(_SCAN)
        if not chunk:
            return size
        i = chunk.find(b"\n")
        if i >= 0:
            return f.tell() - len(chunk) + i + 1


def _read_line(f: Any, limit: int) -> tuple[bytes, int]:
    """One line, at most `limit` bytes kept; returns (kept bytes, bytes consumed)."""
    raw = f.readline(limit)
    used = len(raw)
    if len(raw) == limit and not raw.endswith(b"\n"):
        while True:  # skip the rest of an over-long line without holding it
            more = f.readline(_SCAN)
            used += len(more)
            if not more or more.endswith(b"\n"):
                break
    return raw, used


def read_shard(shard: Shard, settings: ReadSettings, chat: bool, stats: StepStats,
               sink: Callable[[Rejected], None], counters: dict[str, int]) -> Iterator[Document]:
    """Documents of one shard of the upload; `counters` gets `bytes` and `blank`."""
    decode = msgspec.json.Decoder().decode
    limit = settings.max_line_bytes + 1
    with open(shard.path, "rb") as f:
        f.seek(shard.start)
        pos, line = shard.start, shard.first_line - 1
        while pos < shard.end:
            raw, used = _read_line(f, limit)
            if not used:
                break
            too_long = used > len(raw)
            pos += used
            line += 1
            counters["bytes"] = pos - shard.start
            if line == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM):]
            if not raw.strip():
                counters["blank"] = counters.get("blank", 0) + 1
                continue
            stats.docs_in += 1
            reason, detail = _check(raw, too_long, used, decode)
            if reason is None:
                doc_or_reason = to_document(detail, line, settings, chat)
                if not isinstance(doc_or_reason, str):
                    yield doc_or_reason
                    continue
                reason, detail = doc_or_reason, f"the record's shape: {doc_or_reason}"
            text = raw.rstrip(b"\r\n").decode("utf-8", "backslashreplace")
            stats.count_reason(reason, None, line, detail, text)
            sink(Rejected(line=line, step="read", reason=reason, detail=detail, raw=text))


def _check(raw: bytes, too_long: bool, used: int, decode: Callable[[bytes], Any]
           ) -> tuple[str | None, Any]:
    """(None, decoded JSON) for a readable line, else (reason, detail)."""
    if too_long:
        return "line_too_long", f"{used} bytes > max_line_bytes; only the head is kept"
    try:
        return None, decode(raw)  # msgspec also checks the UTF-8 of every string
    except msgspec.DecodeError as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            return "invalid_utf8", f"byte {bad.start}: {bad.reason}"
        return "invalid_json", str(exc)


def to_document(record: Any, line: int, settings: ReadSettings, chat: bool) -> Document | str:
    """A decoded JSON value -> Document, or the read reason it cannot be one."""
    if not isinstance(record, dict):
        return "not_an_object"
    ident = record.get(settings.id_key)
    doc_id = str(ident) if isinstance(ident, str | int) and not isinstance(ident, bool) \
        else f"line-{line}"
    if chat:
        messages = record.pop(settings.messages_key, None)
        if messages is None:
            return "messages_missing"
        if not isinstance(messages, list):
            return "messages_not_list"
        return Document(id=doc_id, messages=messages, metadata=record, line=line)
    text = record.pop(settings.text_key, None)
    if text is None:
        return "text_missing"
    if not isinstance(text, str):
        return "text_not_string"
    if not text.strip():
        return "text_empty"
    return Document(id=doc_id, text=text, metadata=record, line=line)


def output_record(doc: Document, settings: ReadSettings) -> bytes:
    """The cleaned line: the uploaded record's fields with the cleaned text or messages."""
    if doc.messages is not None:
        return msgspec.json.encode({settings.messages_key: doc.messages, **doc.metadata})
    return msgspec.json.encode({settings.text_key: doc.text, **doc.metadata})


_temp_encoder = msgspec.json.Encoder()
_temp_decoder = msgspec.json.Decoder(Document)


def encode_temp(doc: Document) -> bytes:
    return _temp_encoder.encode(doc)


def read_temp(path: str, counters: dict[str, int]) -> Iterator[Document]:
    """Documents of an intermediate shard written by an earlier pass."""
    with open(path, "rb") as f:
        done = 0
        for raw in f:
            done += len(raw)
            counters["bytes"] = done
            yield _temp_decoder.decode(raw)
