"""Streaming detokenization and stop strings, with the real GGUF and sentencepiece tokenizers."""

from __future__ import annotations

import pytest

from engine.detokenizer import IncrementalDetokenizer, StopMatcher
from engine.tokenizer import Tokenizer

from .test_tokenizer import GGUF, train_sentencepiece

TEXTS = [
    "Hello 😀🎉👍🏽 world 👨‍👩‍👧!",
    "中文分词测试：我们在北京。日本語のテキスト。한국어",
    "naïve café résumé — Ångström, Straße",
    " leading space, 12345 and\ttabs\n\nnew lines ",
    "模型训练 数据 hello world café 😀",
]


@pytest.fixture(scope="module")
def gguf_tok() -> Tokenizer:
    return Tokenizer.from_gguf(GGUF)


@pytest.fixture(scope="module")
def sp_tok(tmp_path_factory) -> Tokenizer:
    return Tokenizer.from_hf_folder(train_sentencepiece(tmp_path_factory.mktemp("sp")))


@pytest.fixture(params=["gguf", "sp"])
def tok(request) -> Tokenizer:
    return request.getfixturevalue(f"{request.param}_tok")


def _stream(tok: Tokenizer, ids: list[int], prompt: list[int] | None = None,
            skip: bool = True) -> list[str]:
    detok = IncrementalDetokenizer(tok, prompt_ids=prompt or [], skip_special_tokens=skip)
    return [detok.push([i]) for i in ids] + [detok.flush()]


@pytest.mark.parametrize("text", TEXTS)
def test_one_at_a_time_never_splits_a_character(tok, text):
    ids = tok.encode(text)
    pieces = _stream(tok, ids)
    assert all("\ufffd" not in p for p in pieces)
    assert "".join(pieces) == tok.decode(ids, skip_special_tokens=True) == text
    if any(ord(c) > 0xFFFF for c in text):  # an emoji spans several tokens in both vocabularies
        assert "" in pieces[:-1]


@pytest.mark.parametrize("skip", [True, False])
def test_special_tokens_inline(tok, skip):
    text = "<|im_start|>user\nhi 😀<|im_end|>\n<|im_start|>assistant\nok"
    ids = tok.encode(text)
    assert "".join(_stream(tok, ids, skip=skip)) == tok.decode(ids, skip_special_tokens=skip)


def test_chunked_pushes_match_one_shot(tok):
    ids = tok.encode(TEXTS[0] + TEXTS[1])
    detok = IncrementalDetokenizer(tok)
    out = "".join(detok.push(ids[i:i + 3]) for i in range(0, len(ids), 3)) + detok.flush()
    assert out == tok.decode(ids, skip_special_tokens=True)


@pytest.mark.parametrize("prompt_text",
                         ["The answer is", "<|im_start|>assistant\n", "<|im_start|>"])
def test_continuation_after_a_prompt(tok, prompt_text):
    # The reply's text is what decoding prompt + reply adds after the prompt's own text.
    prompt, reply = tok.encode(prompt_text), tok.encode(" Paris, 巴黎 😀")
    expected = tok.decode(prompt + reply)[len(tok.decode(prompt)):]
    assert "".join(_stream(tok, reply, prompt=prompt, skip=False)) == expected


def test_invalid_bytes_are_replaced(gguf_tok):
    emoji = gguf_tok.encode("😀")
    assert len(emoji) > 1
    # A truncated character at the end: held back, then flushed as U+FFFD.
    detok = IncrementalDetokenizer(gguf_tok)
    assert detok.push(gguf_tok.encode("ok") + emoji[:-1]) == "ok"
    assert detok.flush() == "\ufffd"
    # A broken sequence in the middle is replaced at once, as decode() does.
    ids = emoji[:-1] + gguf_tok.encode("ab")
    out = _stream(gguf_tok, ids)
    assert "".join(out) == gguf_tok.decode(ids) and "".join(out).endswith("\ufffdab")


def test_id_to_bytes_of_byte_fallback_tokens(sp_tok):
    ids = sp_tok.encode("😀")
    assert b"".join(sp_tok.id_to_bytes(i) for i in ids) == " 😀".encode()


# --- StopMatcher ------------------------------------------------------------------------------

def _feed_all(matcher: StopMatcher, chunks: list[str]) -> tuple[str, bool]:
    out, hit = [], False
    for chunk in chunks:
        text, hit = matcher.feed(chunk)
        out.append(text)
        if hit:
            break
    if not hit:
        out.append(matcher.flush())
    return "".join(out), hit


def test_stop_split_across_pushes_is_held_and_removed():
    m = StopMatcher(["</answer>"])
    assert m.feed("The result</") == ("The result", False)
    assert m.feed("ans") == ("", False)
    assert m.feed("wer> trailing") == ("", True)
    assert m.feed("more") == ("", True) and m.flush() == ""


def test_failed_partial_match_is_released():
    m = StopMatcher(["STOP"])
    assert m.feed("go ST") == ("go ", False)
    assert m.feed("ILL") == ("STILL", False)
    assert m.feed("S") == ("", False)
    assert m.flush() == "S"


def test_multiple_stops_first_occurrence_wins():
    assert _feed_all(StopMatcher(["\n\n", "User:"]), ["a", "b User", ":x\n\n"]) == ("ab ", True)
    assert _feed_all(StopMatcher(["bc", "abcd"]), ["a", "b", "c", "d"]) == ("a", True)
    assert _feed_all(StopMatcher(["xyz", "yq"]), ["xy", "q"]) == ("x", True)


def test_stop_at_the_very_start():
    assert StopMatcher(["Hi"]).feed("Hi there") == ("", True)
    assert _feed_all(StopMatcher(["<|end|>"]), ["<", "|", "end|>", "rest"]) == ("", True)


def test_no_stops_passes_everything_through():
    m = StopMatcher([])
    assert m.feed("anything") == ("anything", False) and m.flush() == ""


def test_stop_with_the_detokenizer(gguf_tok):
    ids = gguf_tok.encode("Paris is 😀 nice.\nQuestion: next")
    detok, m = IncrementalDetokenizer(gguf_tok), StopMatcher(["\nQuestion:"])
    chunks = [detok.push([i]) for i in ids]
    assert _feed_all(m, chunks) == ("Paris is 😀 nice.", True)
