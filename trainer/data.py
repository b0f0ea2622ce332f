"""Chat JSONL -> token ids with next-token targets masked to assistant turns (SFT) or pairs (DPO).

Targets are shifted per sample here (targets[t] predicts input_ids[t + 1]), so packing can never
leak a target across a sample boundary. IGNORE (-100) marks positions outside the loss.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.tokenizer import Tokenizer

IGNORE = -100
ROLES = ("system", "user", "assistant", "tool", "environment")


class DataError(ValueError):
    """A training file or sample the trainer cannot use; the message names the line."""


@dataclass(frozen=True)
class Sample:
    """One tokenized sequence: input ids and per-position targets (IGNORE outside the loss)."""

    input_ids: tuple[int, ...]
    targets: tuple[int, ...]

    @property
    def num_targets(self) -> int:
        return sum(t != IGNORE for t in self.targets)


@dataclass(frozen=True)
class Encoded:
    """A file's usable units (one Sample for SFT, (chosen, rejected) for DPO) and what was lost."""

    units: tuple[tuple[Sample, ...], ...]
    truncated: int
    skipped: int


def read_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; DataError on a line that is not an object."""
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        raise DataError(f"training file {str(path)!r} does not exist") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"line {number}: invalid JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise DataError(f"line {number}: expected a JSON object")
            yield number, obj


def check_messages(messages: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(messages, list) or not messages:
        raise DataError(f"{where}: 'messages' must be a non-empty list")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise DataError(f"{where}: message {i} needs a role in {ROLES}")
        if not isinstance(m.get("content", ""), str | None) and "tool_calls" not in m:
            raise DataError(f"{where}: message {i} content must be a string")
        weight = m.get("weight", 1)
        if weight not in (0, 1):
            raise DataError(f"{where}: message {i} weight must be 0 or 1, got {weight!r}")
    return messages


def _render(tokenizer: Tokenizer, messages: list[dict[str, Any]], prompt: bool) -> str:
    # `weight` is ours, not the template's: keep it out of the rendered text.
    clean = [{k: v for k, v in m.items() if k != "weight"} for m in messages]
    return tokenizer.apply_chat_template(clean, add_generation_prompt=prompt)


def _segments(tokenizer: Tokenizer, messages: list[dict[str, Any]], train_from: int,
              where: str) -> list[tuple[str, bool]]:
    """Split the rendered conversation into (text, is_trained) pieces at assistant turns."""
    segments: list[tuple[str, bool]] = []
    done = ""
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prompt = _render(tokenizer, messages[:i], prompt=True) if i else ""
        full = _render(tokenizer, messages[: i + 1], prompt=False)
        if not prompt.startswith(done) or not full.startswith(prompt):
            raise DataError(f"{where}: the chat template does not render this conversation "
                            "prefix by prefix, so assistant turns cannot be located")
        trained = i >= train_from and message.get("weight", 1) != 0
        segments += [(prompt[len(done):], False), (full[len(prompt):], trained)]
        done = full
    segments.append((_render(tokenizer, messages, prompt=False)[len(done):], False))
    return segments


def encode_messages(tokenizer: Tokenizer, messages: list[dict[str, Any]], *, seq_len: int,
                    train_from: int = 0, where: str = "sample") -> tuple[Sample, bool]:
    """(Sample, was_truncated). Assistant turns at index >= train_from with weight != 0 are
    trained up to and including their end-of-turn token; the text after it (a newline) is not."""
    eos = set(tokenizer.eos_token_ids)
    ids: list[int] = []
    trained: list[bool] = []
    for text, is_trained in _segments(tokenizer, messages, train_from, where):
        piece = tokenizer.encode(text) if text else []
        if not is_trained:
            ids += piece
            trained += [False] * len(piece)
            continue
        end = next((j for j, t in enumerate(piece) if t in eos), None)
        if end is None:  # the template closes turns without an EOS token: teach one anyway
            if not tokenizer.eos_token_ids:
                raise DataError(f"{where}: the tokenizer has no end-of-sequence token")
            piece, end = [*piece, tokenizer.eos_token_ids[0]], len(piece)
        ids += piece
        trained += [j <= end for j in range(len(piece))]
    truncated = len(ids) > seq_len
    ids, trained = ids[:seq_len], trained[:seq_len]
    targets = [ids[t + 1] if trained[t + 1] else IGNORE for t in range(len(ids) - 1)] + [IGNORE]
    return Sample(tuple(ids), tuple(targets)), truncated


def _as_messages(value: Any, where: str, field: str) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [{"role": "assistant", "content": value}]
    if isinstance(value, dict):
        value = [value]
    return check_messages(value, f"{where} '{field}'")


def encode_sft(tokenizer: Tokenizer, path: str | Path, seq_len: int,
               max_samples: int | None = None) -> Encoded:
    units, truncated, skipped = [], 0, 0
    for number, obj in read_jsonl(path):
        where = f"line {number}"
        messages = check_messages(obj.get("messages"), where)
        if not any(m["role"] == "assistant" for m in messages):
            raise DataError(f"{where}: no assistant message to train on")
        sample, cut = encode_messages(tokenizer, messages, seq_len=seq_len, where=where)
        truncated += cut
        if sample.num_targets == 0:  # all weight 0, or truncated before the first reply
            skipped += 1
            continue
        units.append((sample,))
        if max_samples is not None and len(units) >= max_samples:
            break
    return _nonempty(Encoded(tuple(units), truncated, skipped), path)


def encode_dpo(tokenizer: Tokenizer, path: str | Path, seq_len: int,
               max_samples: int | None = None) -> Encoded:
    """Pairs {"prompt" (string or messages) | "messages", "chosen", "rejected"}; only the
    chosen / rejected turns are in the loss."""
    units, truncated, skipped = [], 0, 0
    for number, obj in read_jsonl(path):
        where = f"line {number}"
        prompt = obj.get("messages", obj.get("prompt"))
        if isinstance(prompt, str):
            prompt = [{"role": "user", "content": prompt}]
        prompt = check_messages(prompt, f"{where} prompt")
        pair = []
        for field in ("chosen", "rejected"):
            if field not in obj:
                raise DataError(f"{where}: a preference pair needs '{field}'")
            reply = _as_messages(obj[field], where, field)
            sample, cut = encode_messages(tokenizer, prompt + reply, seq_len=seq_len,
                                          train_from=len(prompt), where=where)
            truncated += cut
            pair.append(sample)
        if min(s.num_targets for s in pair) == 0:
            skipped += 1
            continue
        units.append(tuple(pair))
        if max_samples is not None and len(units) >= max_samples:
            break
    return _nonempty(Encoded(tuple(units), truncated, skipped), path)


def _nonempty(encoded: Encoded, path: str | Path) -> Encoded:
    if not encoded.units:
        raise DataError(f"{path}: no usable samples ({encoded.skipped} had nothing to train on)")
    return encoded
