"""Tokenizer.from_gguf against transformers loading the same file, one file per family's tokenizer:
SmolLM2's byte-level vocabulary re-labelled with each `tokenizer.ggml.pre`, and sentencepiece
vocabularies trained here, written as llama.cpp's converters write them. Where transformers reads a
file otherwise than llama.cpp does, the ids are held to llama.cpp's rule instead, said in place."""

from __future__ import annotations

import random
import re
from pathlib import Path

import gguf
import numpy as np
import pytest
import regex
import sentencepiece as spm
from tokenizers import models
from transformers import AutoTokenizer

from engine.detokenizer import IncrementalDetokenizer
from engine.gguf_tokenizer import BYTE_ALPHABET, PRE_TOKENIZERS, read_gguf_metadata
from engine.loaders.default_model import default_model_path
from engine.tokenizer import Tokenizer

TEXTS = [
    "Hello, world!",
    " leading space",
    "   three leading spaces, two  inner   and trailing  ",
    "lines\n\nand\r\n blank\n \n\tlines\n",
    "digits 7 12345 3.14159 -0.5e10 1,000,000 ½ ² ٣ 2024-01-01",
    "中文分词测试：我们在北京。日本語のテキスト。한국어",
    "emoji: 😀🎉👍🏽 family 👨‍👩‍👧 flags 🇫🇷",
    "naïve café résumé — Ångström, Straße, İstanbul, e\u0301",
    "don't won't I'M you're they've WE'LL he'd",
    "def f(x):\n\tif x:\n\t\treturn x  # tab\n    else:\n        pass\n",
    "CamelCase XMLHttpRequest iPhone ALLCAPS a/b//c\n/d",
    "URLs https://example.com/a?b=c&d=e#frag and e-mail a.b@c.org",
    "",
]


def write_gguf(path: Path, arch: str, **keys) -> Path:
    """A GGUF of tokenizer metadata (`keys`: GGUFWriter.add_<key> arguments), the few model keys
    transformers needs to build a config, and one tiny tensor."""
    w = gguf.GGUFWriter(str(path), arch=arch)
    model = dict(context_length=64, embedding_length=8, block_count=1, feed_forward_length=16,
                 head_count=1, head_count_kv=1, layer_norm_rms_eps=1e-5, layer_norm_eps=1e-5,
                 expert_count=2,
                 expert_used_count=1, vocab_size=len(keys["token_list"]))
    for key, value in (model | keys).items():
        getattr(w, f"add_{key}")(value)
    w.add_tensor("token_embd.weight", np.zeros((1, 1), dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def hf_tokenizer(path: Path):
    return AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)


def partition(text: str, added: dict[str, int], rstrip: frozenset[str] = frozenset()):
    """llama.cpp's first step: the text cut at added tokens (longest first), as (text, id) pieces;
    a token in `rstrip` takes the whitespace after it."""
    if not added:
        return [(text, None)] if text else []
    pattern = "|".join(map(re.escape, sorted(added, key=len, reverse=True)))
    pieces, pos, strip = [], 0, False
    for m in re.finditer(pattern, text):
        if m.start() < pos:
            continue  # inside whitespace a token stripped
        if chunk := (text[pos:m.start()].lstrip() if strip else text[pos:m.start()]):
            pieces.append((chunk, None))
        pieces.append((m.group(), added[m.group()]))
        pos, strip = m.end(), m.group() in rstrip
        if strip:
            pos += len(text[pos:]) - len(text[pos:].lstrip())
    if chunk := text[pos:]:
        pieces.append((chunk, None))
    return pieces


# --- byte-level BPE: SmolLM2's vocabulary under each `pre` ------------------------------------

# llama.cpp's own split regexes (llama-vocab.cpp, as it writes them for its regex engine), run by
# the `regex` module: a second implementation of each `pre` to hold ours to.
_LC_GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"
_LC_S = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
_LC_LLAMA3 = (_LC_S + r"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
              r"|\s*[\r\n]+|\s+(?!\S)|\s+")
_LC_UPPER, _LC_LOWER = r"((?=[\p{L}])([^a-z]))", r"((?=[\p{L}])([^A-Z]))"
LLAMA_CPP_SPLITS = {
    "gpt-2": [_LC_GPT2],
    "smollm": [r"\p{N}", _LC_GPT2],
    "default": [r"[\p{P}\$\+<=>\^~\|]+", _LC_GPT2, r"\p{N}+", r"[0-9][0-9][0-9]"],
    "llama-bpe": [_LC_LLAMA3],
    "qwen2": [_LC_LLAMA3.replace(r"\p{N}{1,3}", r"\p{N}")],
    "qwen35": [_LC_S + r"|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+"],
    "tekken": [rf"[^\r\n\p{{L}}\p{{N}}]?{_LC_UPPER}*{_LC_LOWER}+|[^\r\n\p{{L}}\p{{N}}]?"
               rf"{_LC_UPPER}+{_LC_LOWER}*|\p{{N}}| ?[^\s\p{{L}}\p{{N}}]+[\r\n/]*|\s*[\r\n]+"
               r"|\s+(?!\S)|\s+"],
    "gpt-4o": [rf"[^\r\n\p{{L}}\p{{N}}]?{_LC_UPPER}*{_LC_LOWER}+{_LC_S}?|[^\r\n\p{{L}}\p{{N}}]?"
               rf"{_LC_UPPER}+{_LC_LOWER}*{_LC_S}?|\p{{N}}{{1,3}}| ?[^\s\p{{L}}\p{{N}}]+[\r\n/]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+"],
}
# Every `pre` we read, by the family whose regexes it shares in llama-vocab.cpp.
SAME_SPLITS = {"gpt-2": "gpt-2 phi-2 roberta-bpe mpt olmo", "smollm": "smollm starcoder refact",
               "default": "default", "llama-bpe": "llama-bpe llama3 llama-v3 falcon3 dbrx",
               "qwen2": "qwen2 deepseek-r1-qwen megrez stablelm2", "qwen35": "qwen35",
               "tekken": "tekken", "gpt-4o": "gpt-4o llama4 minimax-m2"}
IGNORES_MERGES = {"llama-bpe", "llama3", "llama-v3", "falcon3", "tekken"}  # as llama.cpp does

SMALL = 8000  # SmolLM2's first tokens and the merges that make them: a real BPE, quick to load


@pytest.fixture(scope="module")
def byte_vocab() -> dict:
    meta = read_gguf_metadata(default_model_path())
    tokens = meta["tokenizer.ggml.tokens"][:SMALL]
    kept = set(tokens)
    merges = [m for m in meta["tokenizer.ggml.merges"] if m.replace(" ", "", 1) in kept]
    return dict(tokenizer_model="gpt2", token_list=tokens, token_merges=merges,
                token_types=meta["tokenizer.ggml.token_type"][:SMALL], bos_token_id=1,
                eos_token_id=2, unk_token_id=0)


@pytest.fixture(scope="module")
def byte_files(byte_vocab, tmp_path_factory):
    folder = tmp_path_factory.mktemp("byte_level")
    made = {}

    def make(arch: str, pre: str, **extra) -> Path:
        name = f"{arch}-{pre}-{len(made)}.gguf"
        made[name] = write_gguf(folder / name, arch, tokenizer_pre=pre, **(byte_vocab | extra))
        return made[name]
    return make


def llama_cpp_byte_ids(text: str, pre: str, vocab: dict) -> list[int]:
    """llama.cpp's byte-level tokenize: cut at control tokens, split each piece by the family's
    regexes in turn, spell bytes, then BPE (a word that is a token whole, where merges are
    ignored)."""
    ids = {t: i for i, t in enumerate(vocab["token_list"])}
    bpe = models.BPE(vocab=ids, merges=[tuple(m.split(" ", 1)) for m in vocab["token_merges"]],
                     ignore_merges=pre in IGNORES_MERGES)
    control = {t: i for t, i in ids.items() if vocab["token_types"][i] == 3}
    out = []
    for chunk, token in partition(text, control):
        if token is not None:
            out.append(token)
            continue
        pieces = [chunk]
        for rx in LLAMA_CPP_SPLITS[next(k for k, v in SAME_SPLITS.items() if pre in v.split())]:
            pieces = [p for piece in pieces for p in _split(rx, piece)]
        for piece in pieces:
            out += [t.id for t in bpe.tokenize("".join(BYTE_ALPHABET[b] for b in piece.encode()))]
    return out


def _split(rx: str, text: str) -> list[str]:
    pieces, pos = [], 0
    for m in regex.finditer(rx, text):
        pieces += [p for p in (text[pos:m.start()], m.group()) if p]
        pos = m.end()
    return pieces + ([text[pos:]] if pos < len(text) else [])


BYTE_TEXTS = [*TEXTS, "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
              "<|endoftext|>after<file_sep>between<|im_end|>"]

# (architecture, pre) as llama.cpp's converter writes them for the families we serve, and the
# splits transformers maps. transformers reads none of "smollm", "default", "starcoder": those
# are held to llama.cpp only (below).
BYTE_FAMILIES = [("llama", "llama-bpe"), ("qwen2", "qwen2"), ("qwen3", "qwen2"),
                 ("qwen3moe", "qwen2"), ("gpt2", "gpt-2"), ("llama", "tekken"),
                 ("phi3", "gpt-4o"), ("llama", "llama4"), ("qwen2", "qwen35"),
                 ("llama", "dbrx"), ("qwen2", "deepseek-r1-qwen")]


@pytest.mark.parametrize(("arch", "pre"), BYTE_FAMILIES)
def test_byte_level_ids_match_transformers(byte_files, arch, pre):
    path = byte_files(arch, pre, add_bos_token=pre == "llama-bpe")  # Llama 3's files add BOS
    ours, hf = Tokenizer.from_gguf(path), hf_tokenizer(path)
    for text in BYTE_TEXTS:
        ids = ours.encode(text)
        assert ids == hf.encode(text, add_special_tokens=False), text
        if ids[:1] != [ours.bos_token_id]:  # a text that starts with BOS gets no second from us
            assert ours.encode(text, add_special_tokens=True) == hf.encode(text), text
        for skip in (False, True):
            assert ours.decode(ids, skip) == hf.decode(ids, skip_special_tokens=skip)


@pytest.mark.parametrize("pre", [p for names in SAME_SPLITS.values() for p in names.split()])
def test_byte_level_ids_follow_llama_cpp(byte_files, byte_vocab, pre):
    ours = Tokenizer.from_gguf(byte_files("llama", pre))
    for text in BYTE_TEXTS:
        assert ours.encode(text) == llama_cpp_byte_ids(text, pre, byte_vocab), text
        assert ours.decode(ours.encode(text)) == text


def test_every_family_of_splits_we_read_is_checked():
    checked = {p for names in SAME_SPLITS.values() for p in names.split()}
    assert {PRE_TOKENIZERS[p] for p in checked} == set(PRE_TOKENIZERS.values())


def test_smollm_splits_numerals_as_llama_cpp_not_transformers(byte_files):
    # transformers reads no "smollm" (GPT-2's regex alone, so " ½" is one word); llama.cpp and
    # SmolLM2's tokenizer.json cut every numeral off first. Digit runs come out the same.
    path = byte_files("llama", "smollm")
    ours, hf = Tokenizer.from_gguf(path), hf_tokenizer(path)
    assert ours.encode(" 2024") == hf.encode(" 2024", add_special_tokens=False)
    assert hf.convert_ids_to_tokens(ours.encode(" ½"))[0] == "Ġ"  # the space on its own
    assert hf.convert_ids_to_tokens(hf.encode(" ½", add_special_tokens=False))[0] == "ĠÂ"


def test_llama3_takes_a_word_in_the_vocabulary_whole(byte_files, byte_vocab):
    # Llama 3's tokenizer.json and llama.cpp ("ignore_merges") take a word that is a token as it
    # is, even where the merges would not reach it; transformers' GGUF loader applies the merges.
    # SmolLM2's merges reach every token, so one merge is taken out to tell them apart.
    merges = [m for m in byte_vocab["token_merges"] if m != "Ġt he"]
    the = byte_vocab["token_list"].index("Ġthe")
    llama3 = Tokenizer.from_gguf(byte_files("llama", "llama-bpe", token_merges=merges))
    qwen2 = Tokenizer.from_gguf(byte_files("qwen2", "qwen2", token_merges=merges))
    assert llama3.encode(" the") == [the]
    assert len(qwen2.encode(" the")) == 2 and qwen2.decode(qwen2.encode(" the")) == " the"


# --- sentencepiece BPE: trained here, written as llama.cpp's converters write it -------------

def _corpus() -> list[str]:
    rng = random.Random(0)
    words = ("the quick brown fox jumps over lazy dog hello world token model data 模型 训练 数据 "
             "你好 世界 café naïve résumé def return print for in range 0 1 2 3 4 5 6 7 8 9 "
             "x = ( ) : # don't").split()
    seps = [" ", " ", " ", "  ", "    ", "\n", "\t"]
    return ["".join(rng.choice(words) + rng.choice(seps) for _ in range(rng.randint(3, 15)))
            for _ in range(4000)]


def train(folder: Path, **options) -> spm.SentencePieceProcessor:
    """A BPE model like Llama's: byte fallback, no normalization, whitespace-only pieces."""
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_corpus()), model_prefix=str(folder / "tokenizer"), vocab_size=700,
        model_type="bpe", byte_fallback=True, character_coverage=1.0, split_digits=True,
        normalization_rule_name="identity", remove_extra_whitespaces=False,
        allow_whitespace_only_pieces=True, minloglevel=2, **options)
    return spm.SentencePieceProcessor(model_file=str(folder / "tokenizer.model"))


def spm_keys(sp: spm.SentencePieceProcessor, added: dict[str, bool], size: int = 0) -> dict:
    """The vocabulary as convert_hf_to_gguf.py's _create_vocab_sentencepiece writes it: each
    piece's score and type, `added` (tokenizer_config's added tokens: piece -> special) as CONTROL
    or USER_DEFINED with "▁" written as a space, then [PADn] UNUSED up to `size`."""
    tokens, scores, types = [], [], []
    for i in range(sp.get_piece_size()):
        kind = (2 if sp.is_unknown(i) else 3 if sp.is_control(i) else 5 if sp.is_unused(i)
                else 6 if sp.is_byte(i) else 1)
        tokens.append(sp.id_to_piece(i))
        scores.append(sp.get_score(i))
        types.append(kind)
    for piece, special in added.items():
        i = sp.piece_to_id(piece)
        tokens[i] = piece if special else piece.replace("▁", " ")
        scores[i], types[i] = -1000.0, 3 if special else 4
    for n in range(size - len(tokens)):
        tokens.append(f"[PAD{n}]")
        scores.append(-1000.0)
        types.append(5)
    return dict(tokenizer_model="llama", tokenizer_pre="default", token_list=tokens,
                token_scores=scores, token_types=types, bos_token_id=sp.bos_id(),
                eos_token_id=sp.eos_id(), unk_token_id=sp.unk_id(), add_bos_token=True)


LLAMA_SPECIALS = ["<|user|>", "<|assistant|>", "<|end|>", "<|endoftext|>"]
GEMMA_SPACES = ["▁▁", "▁▁▁", "▁▁▁▁"]


@pytest.fixture(scope="module")
def spm_models(tmp_path_factory) -> dict:
    llama = tmp_path_factory.mktemp("llama_spm")
    gemma = tmp_path_factory.mktemp("gemma_spm")
    return {
        "llama": train(llama, control_symbols=LLAMA_SPECIALS, user_defined_symbols=["<think>"]),
        # Gemma's: no dummy prefix; runs of spaces, and its turn markers, are added tokens.
        "gemma": train(gemma, add_dummy_prefix=False, user_defined_symbols=GEMMA_SPACES,
                       control_symbols=["<start_of_turn>", "<end_of_turn>"], pad_id=0, eos_id=1,
                       bos_id=2, unk_id=3, pad_piece="<pad>", eos_piece="<eos>",
                       bos_piece="<bos>", unk_piece="<unk>"),
    }


# architecture -> (model, converter's extras). Llama 2 / Mistral: _set_vocab_sentencepiece;
# Phi-3: padded to the config's vocab_size; Gemma 2 / 3: add_space_prefix False.
SPM_FAMILIES = {"llama": ("llama", {}), "phi3": ("llama", {"size": 720}),
                "gemma2": ("gemma", {}), "gemma3": ("gemma", {})}


@pytest.fixture(scope="module")
def spm_files(spm_models, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("spm_gguf")
    files = {}
    for arch, (model, extra) in SPM_FAMILIES.items():
        added = ({t: True for t in LLAMA_SPECIALS} | {"<think>": False} if model == "llama"
                 else {"<start_of_turn>": True, "<end_of_turn>": True}
                 | dict.fromkeys(GEMMA_SPACES, False))
        keys = spm_keys(spm_models[model], added, extra.get("size", 0))
        if model == "gemma":
            keys["add_space_prefix"] = False
        files[arch] = write_gguf(folder / f"{arch}.gguf", arch, **keys)
    return files


def spm_texts(arch: str) -> list[str]:
    specials = ("<start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n" if "gemma" in arch
                else "<|user|>\nhi there<|end|>\n<|assistant|> ok<|end|><think>x</think>y<s>z")
    return [*TEXTS, specials, "<unk>a  b", "x<think>\n y"]


def llama_cpp_spm_pieces(text: str, path: Path) -> list[tuple[str, int | None]]:
    """llama.cpp's SPM partition: the text cut at CONTROL, UNKNOWN and USER_DEFINED tokens, and
    (a Phi-3 file) the whitespace after all but <unk>, <s> and <|endoftext|> dropped."""
    meta = read_gguf_metadata(path)
    tokens, types = meta["tokenizer.ggml.tokens"], meta["tokenizer.ggml.token_type"]
    added = {t: i for i, (t, ty) in enumerate(zip(tokens, types, strict=True)) if ty in (2, 3, 4)}
    rstrip = frozenset(added) - {"<unk>", "<s>", "<|endoftext|>"} if "phi3" in path.name else None
    return partition(text, added, rstrip or frozenset())


def llama_cpp_spm_ids(text: str, path: Path, sp: spm.SentencePieceProcessor) -> list[int]:
    """llama.cpp's SPM tokenize, with sentencepiece itself for the pieces between added tokens:
    each encoded on its own, the dummy prefix and all."""
    return [i for chunk, token in llama_cpp_spm_pieces(text, path)
            for i in ([token] if token is not None else sp.encode(chunk))]


def _spm(arch: str, spm_models) -> spm.SentencePieceProcessor:
    return spm_models[SPM_FAMILIES[arch][0]]


def hf_reads_it_as_llama_cpp(arch: str, text: str) -> bool:
    """Where transformers' GGUF loader and llama.cpp part ways (the ids there are held to
    llama.cpp): Llama's Metaspace adds no "▁" to a text that starts with a space, nor to a piece
    after an added token; Phi-3's added tokens keep the whitespace after them (its tokenizer.json
    and llama.cpp strip it); Gemma's runs of spaces are reached by merges, not matched whole,
    so a run longer than the longest such token splits otherwise."""
    if arch == "llama":
        return not text[:1].isspace() and not re.search(r"<[^ ]+>", text)
    if arch == "phi3":
        return not re.search(r"(<\|(user|assistant|end)\|>|</s>|<think>)\s", text)
    return "  " not in text


@pytest.mark.parametrize("arch", SPM_FAMILIES)
def test_sentencepiece_ids_match_llama_cpp_and_transformers(spm_files, spm_models, arch):
    ours, hf = Tokenizer.from_gguf(spm_files[arch]), hf_tokenizer(spm_files[arch])
    sp = _spm(arch, spm_models)
    for text in spm_texts(arch):
        ids = ours.encode(text)
        assert ids == llama_cpp_spm_ids(text, spm_files[arch], sp), text
        if hf_reads_it_as_llama_cpp(arch, text):
            assert ids == hf.encode(text, add_special_tokens=False), text
            assert ours.encode(text, add_special_tokens=True) == hf.encode(text), text


@pytest.mark.parametrize("arch", SPM_FAMILIES)
def test_sentencepiece_decode_round_trips(spm_files, spm_models, arch):
    ours, hf = Tokenizer.from_gguf(spm_files[arch]), hf_tokenizer(spm_files[arch])
    sp = _spm(arch, spm_models)
    for text in spm_texts(arch):
        ids = ours.encode(text)
        kept = "".join(piece for piece, _ in llama_cpp_spm_pieces(text, spm_files[arch]))
        assert ours.decode(ids) == kept  # the "▁" put before each piece comes off again
        detok = IncrementalDetokenizer(ours, skip_special_tokens=True)
        assert "".join(detok.push([i]) for i in ids) + detok.flush() == ours.decode(ids, True)
        if not ours.added_ids & set(ids):  # transformers strips only the text's first "▁"
            assert ours.decode(ids) == hf.decode(ids) == sp.decode(ids)


def test_where_transformers_reads_sentencepiece_otherwise(spm_files):
    # The cases hf_reads_it_as_llama_cpp leaves out, each as transformers 5 reads it.
    ours = {arch: Tokenizer.from_gguf(path) for arch, path in spm_files.items()}
    hf = {arch: hf_tokenizer(path) for arch, path in spm_files.items()}

    def tokens(arch: str, text: str) -> tuple[list[str], list[str]]:
        convert = hf[arch].convert_ids_to_tokens
        return convert(ours[arch].encode(text)), convert(hf[arch].encode(text)[1:])

    assert tokens("llama", " hi") == (["▁▁", "h", "i"], ["▁h", "i"])
    assert tokens("llama", "<|end|>hi") == (["<|end|>", "▁h", "i"], ["<|end|>", "h", "i"])
    assert tokens("phi3", "<|end|>\nhi") == (["<|end|>", "▁h", "i"],
                                             ["<|end|>", "▁", "\n", "h", "i"])
    # (transformers' names for Gemma's added runs of spaces are "▁"s, where the file's are " "s)
    assert tokens("gemma2", "x     y") == (["x", "▁▁▁▁", "▁", "y"], ["x", "▁▁", "▁▁▁", "y"])


def test_sentencepiece_facts(spm_files):
    llama, phi3 = Tokenizer.from_gguf(spm_files["llama"]), Tokenizer.from_gguf(spm_files["phi3"])
    gemma = Tokenizer.from_gguf(spm_files["gemma3"])
    assert (llama.vocab_size, phi3.vocab_size, gemma.vocab_size) == (700, 720, 700)
    assert llama.bos_token_id == 1 and llama.eos_token_ids[:2] == (2, 6)  # </s>, <|endoftext|>
    assert gemma.bos_token_id == 2 and gemma.eos_token_ids == (1, 5)  # <eos>, <end_of_turn>
    assert llama.encode("hi", add_special_tokens=True)[0] == 1
    assert llama.special_ids >= {0, 1, 2, 3} and 7 not in llama.special_ids  # <think>: added
    assert llama.id_to_bytes(llama.token_to_id("<0x0A>")) == b"\n"
    assert b"".join(map(llama.id_to_bytes, llama.encode("hi  there"))) == b" hi  there"
    assert phi3.decode(phi3.encode("<|user|>\nhi")) == "<|user|>hi"
    assert phi3.encode("<|user|>\nhi")[1:] == phi3.encode("hi")
    # A reply streams without the "▁" that follows its prompt's last added token, and keeps it
    # after text.
    after_turn = IncrementalDetokenizer(phi3, prompt_ids=phi3.encode("<|assistant|>\n"))
    assert after_turn.push(phi3.encode("hi there")) == "hi there"
    after_text = IncrementalDetokenizer(llama, prompt_ids=llama.encode("say"))
    assert after_text.push(llama.encode("hi there")) == " hi there"
    assert gemma.encode("a  b")[1] == gemma.token_to_id("  ")  # a run of spaces, whole


def test_internlm2_gguf_matches_its_tokenizer_model(tmp_path):
    # transformers has no GGUF loader for internlm2; our tokenizer.model reader (held to
    # transformers' sentencepiece backend in test_tokenizer.py) is the reference.
    from .test_tokenizer import SP_TEXTS, train_sentencepiece

    folder = train_sentencepiece(tmp_path)
    sp = spm.SentencePieceProcessor(model_file=str(folder / "tokenizer.model"))
    keys = spm_keys(sp, {"[UNUSED_TOKEN_145]": True, "[UNUSED_TOKEN_146]": True})
    keys["token_list"][3:5] = ["<|im_start|>", "<|im_end|>"]  # the config's names for them
    keys["add_space_prefix"] = True  # InternLM2's converter writes add_dummy_prefix
    ours = Tokenizer.from_gguf(write_gguf(tmp_path / "internlm2.gguf", "internlm2", **keys))
    reference = Tokenizer.from_hf_folder(folder)
    for text in SP_TEXTS:
        ids = ours.encode(text)
        assert ids == reference.encode(text), text
        assert ours.decode(ids) == reference.decode(ids)
        assert ours.decode(ids, True) == reference.decode(ids, True)


# --- what we do not read: a one-line error ---------------------------------------------------

@pytest.mark.parametrize(("keys", "says"), [
    (dict(tokenizer_model="t5"), "tokenizer model 't5' is not supported"),
    (dict(tokenizer_model="bert"), "tokenizer model 'bert' is not supported"),
    (dict(tokenizer_model="gpt2", tokenizer_pre="deepseek-llm"), "'deepseek-llm' is not"),
    (dict(tokenizer_model="gpt2", tokenizer_pre="made-up"), "'made-up' is not supported"),
    (dict(tokenizer_model="llama", remove_extra_whitespaces=True), "remove_extra_whitespaces"),
])
def test_unsupported_tokenizers_are_one_line_errors(byte_vocab, tmp_path, keys, says):
    path = write_gguf(tmp_path / "x.gguf", "llama",
                      **(byte_vocab | dict(token_scores=[0.0] * SMALL) | keys))
    with pytest.raises(ValueError, match=re.escape(says)) as err:
        Tokenizer.from_gguf(path)
    assert "\n" not in str(err.value)
