"""Grammar-constrained decoding with llguidance: the vocabulary as llguidance sees it, grammar
checks, one matcher per request and the allowed-token bitmasks it fills each step.

Not here: what a grammar says (the server builds those) and masking logits (`engine.sampler`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import llguidance
import torch

from engine.protocol import Grammar
from engine.schema_check import SchemaError, check_schema
from engine.tokenizer import Tokenizer

# Whitespace is fixed (no free runs of spaces or newlines a small model can loop in) and the
# separators are the spaced ones models see most in training data: {"a": 1, "b": [2, 3]}.
JSON_OPTIONS = {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}

_build_lock = threading.Lock()

# Bounds filled in where a schema leaves a size open. A small model sampling greedily repeats
# itself ("Fashion", "Fashion", ...) until max_tokens and the JSON never closes; with a bound
# the grammar closes it. Every output still validates against the caller's schema: the bounded
# language is a subset. The same holds for objects: where `properties` are listed and
# `additionalProperties` is not said, none are added (xgrammar's and OpenAI's strict default).
MAX_ITEMS = 16
MAX_STRING_LENGTH = 256
MAX_PROPERTIES = 16
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SUBSCHEMAS = ("items", "additionalProperties", "not", "if", "then", "else", "contains",
               "propertyNames", "additionalItems", "unevaluatedProperties", "unevaluatedItems")


class GrammarError(ValueError):
    """The grammar (or JSON schema) cannot be compiled; the message says why."""


class _Vocab:
    """What `llguidance.TokenizerWrapper` reads: every token's bytes, special tokens marked with
    a leading 0xFF (llguidance's convention, so `<|im_end|>` in a grammar names the token and
    the text "<|im_end|>" never matches it), and an encoder for the text a grammar forces."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self._tok = tokenizer
        self.eos_token_id = tokenizer.eos_token_ids[0] if tokenizer.eos_token_ids else 0
        self.bos_token_id = tokenizer.bos_token_id
        special = tokenizer.special_ids
        self.tokens = [b"\xff" + tokenizer.id_to_bytes(i) if i in special
                       else tokenizer.id_to_bytes(i) for i in range(tokenizer.vocab_size)]
        self.special_token_ids = sorted(special)
        # sentencepiece prepends a space ("▁") to what it encodes; llguidance encodes pieces of
        # the output, where that space does not exist, so it is taken off again.
        self._dummy_prefix = tokenizer.id_to_bytes(tokenizer.encode("a")[0]).startswith(b" ")
        self._by_bytes: dict[bytes, int] = {}
        for i in range(tokenizer.vocab_size):
            if i not in special:
                self._by_bytes.setdefault(self.tokens[i], i)

    def __call__(self, data: bytes) -> list[int]:
        text = data.decode("utf-8", errors="replace")
        ids = self._tok.encode(text)
        if not (self._dummy_prefix and ids):
            return ids
        first = self.tokens[ids[0]]
        if not first.startswith(b" "):
            return ids
        rest = first[1:]
        if not rest:
            return ids[1:]
        if rest in self._by_bytes:
            return [self._by_bytes[rest], *ids[1:]]
        return [self._by_bytes[bytes([b])] for b in rest] + ids[1:]  # byte-fallback pieces


@lru_cache(maxsize=4)
def ll_tokenizer(tokenizer: Tokenizer) -> llguidance.LLTokenizer:
    """llguidance's view of the vocabulary (~0.2 s to build for 49k tokens; cached per tokenizer).
    Every end-of-generation id counts as EOS: the grammar allows them once it is complete."""
    with _build_lock:  # the server thread (checks) and the engine thread may both ask first
        return llguidance.LLTokenizer(llguidance.TokenizerWrapper(_Vocab(tokenizer)),
                                      n_vocab=tokenizer.vocab_size,
                                      eos_token=list(tokenizer.eos_token_ids) or None)


def bounded(schema: object, close: bool = True) -> object:
    """A copy of a JSON schema whose arrays, free strings and objects have a size bound.
    `close`: whether listed properties are all an object may have (never inside allOf, where
    each branch lists only part of them)."""
    if isinstance(schema, list):
        return [bounded(s, close) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    for key in _SUBSCHEMA_MAPS:
        if isinstance(out.get(key), dict):
            out[key] = {name: bounded(sub) for name, sub in out[key].items()}
    for key in (*_SUBSCHEMA_LISTS, *_SUBSCHEMAS):
        if key in out:
            out[key] = bounded(out[key], close and key != "allOf")
    types = out.get("type")
    types = set(types) if isinstance(types, list) else {types}
    if ("array" in types or "items" in out or "prefixItems" in out) and "maxItems" not in out:
        out["maxItems"] = max(MAX_ITEMS, out.get("minItems", 0), len(out.get("prefixItems", ())))
    free = not {"enum", "const", "pattern", "format", "maxLength"} & out.keys()
    if "string" in types and free:
        out["maxLength"] = max(MAX_STRING_LENGTH, out.get("minLength", 0))
    if "object" in types or "properties" in out:
        open_keys = {"additionalProperties", "patternProperties", "allOf"} & out.keys()
        if close and "properties" in out and not open_keys:
            out["additionalProperties"] = False
        if out.get("additionalProperties", True) is not False and "maxProperties" not in out:
            out["maxProperties"] = max(MAX_PROPERTIES, out.get("minProperties", 0),
                                       len(out.get("required", ())))
    return out


def serialize(grammar: Grammar) -> str:
    """The llguidance grammar for `grammar`; a schema that is not a JSON object is an error."""
    if grammar.kind == "lark":
        return llguidance.LLMatcher.grammar_from_lark(grammar.source)
    try:
        schema = json.loads(grammar.source)
    except ValueError as exc:
        raise GrammarError(f"the JSON schema is not valid JSON: {exc}") from exc
    if not isinstance(schema, dict):
        raise GrammarError("the JSON schema must be a JSON object")
    try:
        check_schema(schema)
    except SchemaError as exc:
        raise GrammarError(str(exc)) from None
    return llguidance.LLMatcher.grammar_from_json_schema(bounded(schema), defaults=JSON_OPTIONS)


def check(tokenizer: Tokenizer, grammar: Grammar) -> None:
    """Raise GrammarError unless `grammar` compiles for this vocabulary (about a millisecond)."""
    is_error, messages = llguidance.LLMatcher.validate_grammar_with_warnings(
        serialize(grammar), ll_tokenizer(tokenizer))
    if is_error:
        raise GrammarError(messages[0].strip())


# Closing mode: when the tokens left (max_tokens or the context) come within CLOSING_WINDOW of
# the open strings and brackets, each step plays out the fastest way to close the JSON (a dry
# run on a copy of the matcher); once that path needs nearly all the tokens left, its first
# token is the only one allowed. The answer is then complete JSON instead of cut off.
CLOSING_WINDOW = 48
CLOSING_SLACK = 2  # a free token can close less than it opens
# A free token can also start a whole new element (`,` or `},` in an array of objects with
# required keys). Once the closing path plus such an element could overrun the budget, tokens
# that can start one are forbidden (outside a string: any with `,` `{` `[`; inside: any with a
# quote but the plain closing quote), so the path grows by at most the slack per step.
_OPENERS = (",", "{", "[", '",', '", "', '"},', "},", "],", ', "', ',"', ", {", '{"')
_VALUES = ("0", "null", "false", "true", '""', "[]", "{}", '"')
_BITS = torch.arange(32, dtype=torch.int32)


@dataclass
class _Depth:
    """The open strings and brackets of the JSON let through so far (bytes outside JSON, such
    as a tool-call tag, carry none)."""

    stack: list[int] = field(default_factory=list)
    in_string: bool = False
    escaped: bool = False
    last: int = 0  # the last byte outside strings and whitespace (a closing quote counts)

    def follow(self, data: bytes) -> None:
        for byte in data:
            if self.in_string:
                if self.escaped:
                    self.escaped = False
                elif byte == 0x5C:  # backslash
                    self.escaped = True
                elif byte == 0x22:  # quote
                    self.in_string, self.last = False, byte
                continue
            if byte == 0x22:
                self.in_string = True
            elif byte in (0x7B, 0x5B):  # { [
                self.stack.append(byte)
            elif byte in (0x7D, 0x5D) and self.stack:  # } ]
                self.stack.pop()
            if byte not in b" \t\r\n":
                self.last = byte

    @property
    def expects_value(self) -> bool:
        """Right after `:`, `,`, `[` or `{`: a value (or key) starts here, nothing ends."""
        return self.last in b":,[{"

    def copy(self) -> _Depth:
        return _Depth(list(self.stack), self.in_string, self.escaped, self.last)


class _Closers:
    """Per vocabulary: single-token spellings of what closes JSON fastest, and every token's
    length (for the shortest allowed token when none of those is)."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.ids = {}
        for text in ('"', "}", "]", ",", *_VALUES, *_OPENERS):
            ids = tokenizer.encode(text)
            if len(ids) == 1 and tokenizer.id_to_bytes(ids[0]) == text.encode():
                self.ids[text] = ids[0]
        self.openers = sorted({self.ids[t] for t in _OPENERS if t in self.ids})
        self.eos = list(tokenizer.eos_token_ids)
        spelled = [tokenizer.id_to_bytes(i) for i in range(tokenizer.vocab_size)]
        lengths = [len(b) for b in spelled]
        for i in tokenizer.special_ids:
            lengths[i] = 1 << 20  # never a filler
        self.lengths = torch.tensor(lengths)
        expands = torch.tensor([any(c in b for c in b",{[") for b in spelled])
        quoted = torch.tensor([b'"' in b for b in spelled])
        if '"' in self.ids:
            quoted[self.ids['"']] = False
        self.keep_outside, self.keep_inside = _pack(~expands), _pack(~quoted)

    def choices(self, depth: _Depth) -> list[int]:
        if depth.in_string:
            return [self.ids['"']] if '"' in self.ids else []
        if not depth.stack:
            return self.eos
        # After a value only closing or moving on is shorter ("0" would lengthen a number).
        after = ("}", "]", *_VALUES) if depth.expects_value else ("}", "]", ",")
        return [self.ids[t] for t in after if t in self.ids]


@lru_cache(maxsize=4)
def _closers(tokenizer: Tokenizer) -> _Closers:
    return _Closers(tokenizer)


class Matcher:
    """One request's position in its grammar: which tokens may come next, and whether the
    grammar is complete. Lives on the engine thread with the request.

    Near the end of the token budget it steers the JSON shut (see CLOSING_WINDOW): among the
    allowed tokens it then prefers EOS, a closing quote or bracket, the shortest values, and
    else the shortest allowed token. The grammar still decides what is allowed.
    """

    def __init__(self, tokenizer: Tokenizer, grammar: Grammar) -> None:
        self._m = llguidance.LLMatcher(ll_tokenizer(tokenizer), serialize(grammar), log_level=0)
        if self._m.is_error():
            raise GrammarError(self._m.get_error())
        self._tok = tokenizer
        self._closers = _closers(tokenizer)
        self._depth = _Depth()

    def fill_bitmask(self, row: torch.Tensor, tokens_left: int | None = None) -> None:
        """Write the allowed-token bitmask (bit i % 32 of word i // 32 = token i) into `row`, a
        contiguous int32 tensor of ceil(vocab / 32) words; `tokens_left` (this step's included)
        turns on closing mode near the end of the budget."""
        self._m.unsafe_compute_mask_ptr(row.data_ptr(), row.numel() * row.element_size())
        if tokens_left is None or tokens_left > self.closing_window:
            return
        path = self._closing_path(self._m, self._depth, tokens_left, row)
        if not path:
            return
        if len(path) + CLOSING_SLACK < tokens_left:
            jump = self._worst_jump(row, len(path), tokens_left)
            need = len(path) + jump
            if need < tokens_left:  # free: even a new element would still close in time
                return
            c = self._closers
            row &= c.keep_inside if self._depth.in_string else c.keep_outside
            if bool(row.any()):
                return
        row.zero_()
        row[path[0] // 32] = _word(path[0] % 32)

    def _worst_jump(self, row: torch.Tensor, closing: int, tokens_left: int) -> int:
        """How much longer the closing path can get after one free token (at least the slack)."""
        worst = CLOSING_SLACK
        c = self._closers
        keep = c.keep_inside if self._depth.in_string else c.keep_outside
        # The single-character openers, and the shortest allowed token that opens anything
        # (`},` when a bare `,` is not allowed where it stands).
        shortest = self._shortest(row & ~keep)
        for token in [*c.openers, *([shortest] if shortest is not None else [])]:
            if closing + worst >= tokens_left:
                break  # steering already
            if not _bit(row, token):
                continue
            m, depth = self._m.deep_copy(), self._depth.copy()
            m.consume_token(token)
            depth.follow(self._tok.id_to_bytes(token))
            after = self._closing_path(m, depth, tokens_left, None)
            worst = max(worst, 1 + len(after) - closing)
        return worst

    @property
    def closing_window(self) -> int:
        return len(self._depth.stack) + self._depth.in_string + CLOSING_WINDOW

    def _closing_path(self, matcher: llguidance.LLMatcher, depth: _Depth, limit: int,
                      first_mask: torch.Tensor | None) -> list[int]:
        """The steered tokens that complete the grammar from `matcher` (a dry run on a copy),
        or as many as `limit` allows when it cannot close in time."""
        m, depth = matcher.deep_copy(), depth.copy()
        row = torch.empty(bitmask_words(self._tok.vocab_size), dtype=torch.int32)
        path: list[int] = []
        while len(path) < limit and not m.is_stopped():
            if path or first_mask is None:
                m.unsafe_compute_mask_ptr(row.data_ptr(), row.numel() * row.element_size())
            else:
                row.copy_(first_mask)
            token = self._steer(row, depth)
            if token is None:
                break
            path.append(token)
            if token in self._closers.eos:
                break
            depth.follow(self._tok.id_to_bytes(token))
            m.consume_token(token)
        return path

    def _steer(self, row: torch.Tensor, depth: _Depth) -> int | None:
        preferred = next((t for t in self._closers.choices(depth) if _bit(row, t)), None)
        return preferred if preferred is not None else self._shortest(row)

    def _shortest(self, row: torch.Tensor) -> int | None:
        """The allowed token with the fewest bytes (None if nothing is allowed). Only the
        non-zero words are unpacked: where closing needs this, few tokens are allowed."""
        words = row.nonzero().view(-1)
        if not len(words):
            return None
        bits = ((row[words].unsqueeze(-1) >> _BITS) & 1).bool()
        ids = (words.unsqueeze(-1) * 32 + _BITS)[bits]
        ids = ids[ids < len(self._closers.lengths)]
        if not len(ids):
            return None
        # Ties go to the highest id: among digits that is "9", which ends a number that must
        # not be zero ("-0." in a range) where "0" would go on forever.
        lengths = self._closers.lengths[ids]
        return int(ids[lengths == lengths.min()][-1])

    def advance(self, token_id: int) -> bool:
        """Consume the sampled token; False if the grammar rejected it (the matcher is dead)."""
        if token_id not in self._tok.special_ids:
            self._depth.follow(self._tok.id_to_bytes(token_id))
        return self._m.consume_token(token_id)

    @property
    def done(self) -> bool:
        """The grammar is complete and nothing but EOS may follow: the answer is finished."""
        return self._m.is_stopped()

    @property
    def error(self) -> str:
        return self._m.get_error()


def _pack(allowed: torch.Tensor) -> torch.Tensor:
    """A [V] bool tensor as bitmask words (bit i % 32 of word i // 32)."""
    padded = torch.nn.functional.pad(allowed, (0, -allowed.numel() % 32)).view(-1, 32)
    return (padded.to(torch.int64) << _BITS.to(torch.int64)).sum(-1).to(torch.int32)


def _bit(row: torch.Tensor, token: int) -> bool:
    return bool((int(row[token // 32]) >> (token % 32)) & 1)


def _word(bit: int) -> int:
    """The int32 word with only `bit` set (bit 31 is the sign bit)."""
    return (1 << bit) - (1 << 32 if bit == 31 else 0)


def bitmask_words(vocab_size: int) -> int:
    return (vocab_size + 31) // 32


def fill_bitmasks(matchers: Sequence[Matcher], vocab_size: int,
                  tokens_left: Sequence[int]) -> torch.Tensor:
    """[len(matchers), words] int32 bitmask, one row per matcher."""
    masks = torch.empty(len(matchers), bitmask_words(vocab_size), dtype=torch.int32)
    for row, matcher, left in zip(masks, matchers, tokens_left, strict=True):
        matcher.fill_bitmask(row, left)
    return masks
