"""Streaming text out of generated ids: `IncrementalDetokenizer` turns ids into whole characters
(O(new tokens) per step), and `StopMatcher` holds back text that may still become a stop string.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence

from engine.tokenizer import Tokenizer


class IncrementalDetokenizer:
    """Feeds each token's raw bytes through an incremental UTF-8 decoder, so a character split over
    several tokens comes out once it is complete, and the pushes concatenate to `decode(ids)`."""

    def __init__(self, tokenizer: Tokenizer, prompt_ids: Sequence[int] = (),
                 skip_special_tokens: bool = True) -> None:
        self._tok = tokenizer
        self._skip = skip_special_tokens
        # 'replace' matches decode(): invalid bytes become U+FFFD at once, while an incomplete
        # sequence at the end is held until the next push (or flush) completes it.
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        # The id before the next token decides sentencepiece's leading-space rule; the prompt's
        # last id is that context, so a reply's first word keeps its space after a prompt.
        self._prev: int | None = prompt_ids[-1] if len(prompt_ids) else None

    def push(self, token_ids: Sequence[int]) -> str:
        """The text completed by these ids (possibly empty)."""
        chunks = []
        for i in token_ids:
            if self._skip and i in self._tok.special_ids:
                continue
            data = self._tok.id_to_bytes(i)
            if data[:1] == b" " and i not in self._tok.added_ids and \
                    self._tok.drops_leading_space(self._prev):
                data = data[1:]
            self._prev = i
            chunks.append(data)
        return self._utf8.decode(b"".join(chunks))

    def flush(self) -> str:
        """Whatever is still held (an unfinished character comes out as U+FFFD)."""
        return self._utf8.decode(b"", final=True)


class StopMatcher:
    """Cuts a text stream at the first stop string; emits nothing that may still become one."""

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = tuple(s for s in stops if s)
        self._held = ""
        self.stopped = False

    def feed(self, text: str) -> tuple[str, bool]:
        """`(text safe to emit, whether a stop string was hit)`; after a hit all is dropped."""
        if self.stopped:
            return "", True
        buf = self._held + text
        hits = [(pos, s) for s in self._stops if (pos := buf.find(s)) >= 0]
        if hits:
            self.stopped, self._held = True, ""
            return buf[:min(hits)[0]], True
        keep = self._partial_len(buf)
        self._held = buf[len(buf) - keep:] if keep else ""
        return buf[:len(buf) - keep], False

    def flush(self) -> str:
        """The held tail, once the stream ends without completing a stop string."""
        held, self._held = self._held, ""
        return "" if self.stopped else held

    def _partial_len(self, buf: str) -> int:
        # The longest suffix of buf that is a proper prefix of some stop string.
        best = 0
        for stop in self._stops:
            for n in range(min(len(stop) - 1, len(buf)), best, -1):
                if buf.endswith(stop[:n]):
                    best = n
                    break
        return best
