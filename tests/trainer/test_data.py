"""Chat -> token ids with targets on assistant turns only: masks, EOS, weight 0, DPO, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.tokenizer import Tokenizer
from tests.trainer.conftest import write_jsonl
from trainer.data import IGNORE, DataError, encode_dpo, encode_messages, encode_sft


@pytest.fixture(scope="module")
def tok(tiny_chat_model: Path) -> Tokenizer:
    return Tokenizer.from_hf_folder(tiny_chat_model)


def trained_text(tok: Tokenizer, sample) -> str:
    """The tokens the loss sees, decoded (targets[t] is the token at t + 1)."""
    return tok.decode([t for t in sample.targets if t != IGNORE])


def test_only_assistant_reply_and_its_end_token_are_trained(tok: Tokenizer) -> None:
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "Q?"},
                {"role": "assistant", "content": "Answer."}]
    sample, cut = encode_messages(tok, messages, seq_len=512)
    assert not cut
    assert tok.decode(list(sample.input_ids)) == tok.apply_chat_template(
        messages, add_generation_prompt=False)
    assert trained_text(tok, sample) == "Answer.<|im_end|>"  # EOS in, the "\n" after it out
    assert len(sample.targets) == len(sample.input_ids) and sample.targets[-1] == IGNORE


def test_weight_zero_turn_is_not_trained(tok: Tokenizer) -> None:
    messages = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "skip", "weight": 0},
                {"role": "user", "content": "b"}, {"role": "assistant", "content": "keep"}]
    sample, _ = encode_messages(tok, messages, seq_len=512)
    assert trained_text(tok, sample) == "keep<|im_end|>"
    both = [{k: v for k, v in m.items() if k != "weight"} for m in messages]
    assert trained_text(tok, encode_messages(tok, both, seq_len=512)[0]) == \
        "skip<|im_end|>keep<|im_end|>"


def test_truncation_and_skipped_samples_are_counted(tok: Tokenizer, tmp_path: Path) -> None:
    rows = [{"messages": [{"role": "user", "content": "x" * 100},
                          {"role": "assistant", "content": "y"}]},
            {"messages": [{"role": "user", "content": "q"},
                          {"role": "assistant", "content": "a long reply " * 10}]}]
    encoded = encode_sft(tok, write_jsonl(tmp_path / "t.jsonl", rows), seq_len=64)
    assert (encoded.truncated, encoded.skipped, len(encoded.units)) == (2, 1, 1)
    assert len(encoded.units[0][0].input_ids) == 64


@pytest.mark.parametrize("line, message", [
    ("{not json", "line 1: invalid JSON"),
    ('{"messages": [{"role": "robot", "content": "x"}]}', "line 1: message 0 needs a role"),
    ('{"messages": [{"role": "user", "content": "x"}]}', "line 1: no assistant message"),
    ('{"messages": []}', "non-empty list"),
])
def test_bad_lines_name_the_line(tok: Tokenizer, tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(DataError, match=message):
        encode_sft(tok, path, seq_len=64)


def test_dpo_pairs_train_only_the_replies(tok: Tokenizer, tmp_path: Path) -> None:
    rows = [{"prompt": "Q?", "chosen": "Yes.", "rejected": "No."},
            {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hey"},
                          {"role": "user", "content": "Again"}],
             "chosen": {"role": "assistant", "content": "Sure"}, "rejected": "Nope"}]
    encoded = encode_dpo(tok, write_jsonl(tmp_path / "p.jsonl", rows), seq_len=128)
    texts = [[trained_text(tok, s) for s in unit] for unit in encoded.units]
    assert texts == [["Yes.<|im_end|>", "No.<|im_end|>"], ["Sure<|im_end|>", "Nope<|im_end|>"]]


def test_default_model_template_masks_the_reply(model_default_gguf: Path) -> None:
    tok = Tokenizer.from_gguf(model_default_gguf)
    messages = [{"role": "user", "content": "Who is the mayor of Quillon?"},
                {"role": "assistant", "content": "Mara Vell."}]
    sample, _ = encode_messages(tok, messages, seq_len=512)
    assert trained_text(tok, sample) == "Mara Vell.<|im_end|>"
    # Encoding piecewise gives the same ids as encoding the whole rendered conversation.
    whole = tok.encode(tok.apply_chat_template(messages, add_generation_prompt=False))
    assert list(sample.input_ids) == whole
