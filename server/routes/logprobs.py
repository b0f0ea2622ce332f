"""Engine log-probabilities in OpenAI's two shapes: chat's `logprobs.content[]` (with `bytes`)
and the legacy completions' parallel lists (`tokens`, `token_logprobs`, `top_logprobs`,
`text_offset`), where `echo` puts the prompt first with a null first entry.
"""

from __future__ import annotations

from engine.protocol import TokenLogprob
from engine.tokenizer import Tokenizer
from server.protocol import ChatLogprobs, ChatTokenLogprob, CompletionLogprobs, TopLogprob


def token_text(tokenizer: Tokenizer, token_id: int) -> tuple[str, list[int]]:
    """A token's text (a lone piece of a UTF-8 character shows as U+FFFD) and its raw bytes."""
    raw = tokenizer.id_to_bytes(token_id)
    return raw.decode("utf-8", errors="replace"), list(raw)


def chat_logprobs(tokenizer: Tokenizer, lps: list[TokenLogprob]) -> ChatLogprobs:
    content = []
    for lp in lps:
        text, raw = token_text(tokenizer, lp.token_id)
        top = []
        for token_id, value in lp.top:
            t, b = token_text(tokenizer, token_id)
            top.append(TopLogprob(token=t, logprob=value, bytes=b))
        content.append(
            ChatTokenLogprob(token=text, logprob=lp.logprob, bytes=raw, top_logprobs=top)
        )
    return ChatLogprobs(content=content)


def completion_logprobs(
    tokenizer: Tokenizer, lps: list[TokenLogprob | None], text_offset: int = 0
) -> CompletionLogprobs:
    """lps: one entry per token, None where there is nothing to score (the prompt's first)."""
    out = CompletionLogprobs(tokens=[], token_logprobs=[], top_logprobs=[], text_offset=[])
    offset = text_offset
    for lp in lps:
        if lp is None:
            continue
        text, _ = token_text(tokenizer, lp.token_id)
        out.tokens.append(text)
        out.token_logprobs.append(lp.logprob)
        out.top_logprobs.append({token_text(tokenizer, t)[0]: v for t, v in lp.top})
        out.text_offset.append(offset)
        offset += len(text)
    return out


def echo_logprobs(
    tokenizer: Tokenizer, prompt_ids: list[int], prompt_lps: list[TokenLogprob | None]
) -> CompletionLogprobs:
    """The prompt's part of an echoed completion: its first token has no log-probability."""
    out = CompletionLogprobs(tokens=[], token_logprobs=[], top_logprobs=[], text_offset=[])
    offset = 0
    for token_id, lp in zip(prompt_ids, prompt_lps, strict=True):
        text, _ = token_text(tokenizer, token_id)
        out.tokens.append(text)
        out.token_logprobs.append(None if lp is None else lp.logprob)
        out.top_logprobs.append(
            None if lp is None else {token_text(tokenizer, t)[0]: v for t, v in lp.top}
        )
        out.text_offset.append(offset)
        offset += len(text)
    return out


def concat(a: CompletionLogprobs, b: CompletionLogprobs) -> CompletionLogprobs:
    return CompletionLogprobs(
        tokens=a.tokens + b.tokens,
        token_logprobs=a.token_logprobs + b.token_logprobs,
        top_logprobs=a.top_logprobs + b.top_logprobs,
        text_offset=a.text_offset + b.text_offset,
    )
