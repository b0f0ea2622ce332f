"""A `tokenizers.Tokenizer` from a GGUF file's tokenizer metadata, read as llama.cpp reads it:
byte-level BPE (`gpt2`) split by each `tokenizer.ggml.pre`'s regexes, and sentencepiece-style BPE
(`llama`) with byte fallback. Not the `Tokenizer` API itself (engine/tokenizer.py)."""

from __future__ import annotations

import mmap
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tokenizers
from tokenizers import AddedToken, Regex, decoders, models, normalizers, pre_tokenizers

# GPT-2's spelling of the 256 bytes, that byte-level BPE vocabularies are written in: printable
# Latin-1 bytes stand for themselves, the others for the code points from 256 on, in order.
_PRINTABLE = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
              *range(ord("®"), 256)]
BYTE_ALPHABET = {b: chr(b) for b in _PRINTABLE} | {
    b: chr(256 + n) for n, b in enumerate(b for b in range(256) if b not in _PRINTABLE)}

# --- the key/value section, parsed straight off an mmap (~0.05 s); no tensors ------------------

_STRING, _ARRAY = 8, 9  # GGUF value types; the fixed-size ones, as struct formats:
_SCALARS = dict(enumerate("BbHhIif?")) | {10: "Q", 11: "q", 12: "d"}


class _Cursor:
    def __init__(self, buf: mmap.mmap) -> None:
        self.buf, self.pos = buf, 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def value(self, vtype: int) -> Any:
        if vtype == _STRING:
            (n,) = self.take("<Q")
            self.pos += n
            return self.buf[self.pos - n:self.pos].decode("utf-8", errors="replace")
        if vtype != _ARRAY:
            return self.take("<" + _SCALARS[vtype])[0]
        etype, count = self.take("<IQ")
        if etype in _SCALARS:  # one unpack for the whole array
            return list(self.take(f"<{count}{_SCALARS[etype]}"))
        return [self.value(etype) for _ in range(count)]


def read_gguf_metadata(path: str | Path) -> dict[str, Any]:
    """The GGUF header's key/value pairs (strings decoded, arrays as lists)."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        cur = _Cursor(buf)
        magic, version, _n_tensors, n_kv = cur.take("<4sIQQ")
        if magic != b"GGUF" or version < 2:
            raise ValueError(f"{path}: not a GGUF v2+ file")
        return {cur.value(_STRING): cur.value(cur.take("<I")[0]) for _ in range(n_kv)}


# --- byte-level BPE: llama.cpp's split regexes per `tokenizer.ggml.pre` (llama-vocab.cpp) ------
# Written as the models' own tokenizer.json write them (transformers' GGUF loader uses the same);
# llama.cpp's copies are rewritten for its regex engine, not different.

_GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
_LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
           r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
_QWEN2 = _LLAMA3.replace(r"\p{N}{1,3}", r"\p{N}")
_QWEN35 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}"
           r"| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
_CASED = (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+{s}"
          r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*{s}")
_TEKKEN = _CASED.replace("{s}", "") + r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
_GPT4O = (_CASED.replace("{s}", r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?")
          + r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")


@dataclass(frozen=True)
class _Pre:
    splits: tuple[str, ...]  # applied in turn, each to the pieces the one before left
    ignore_merges: bool = False  # a word that is a token is taken whole (llama.cpp, Llama 3)


def _family(names: str, *splits: str, ignore_merges: bool = False) -> dict[str, _Pre]:
    return dict.fromkeys(names.split(), _Pre(splits, ignore_merges))


# The `pre` values of the families we serve and every one transformers maps, with the names that
# share their regexes in llama.cpp.
PRE_TOKENIZERS = {
    **_family("default", r"[\p{P}\$\+<=>\^~\|]+", _GPT2, r"\p{N}+", r"[0-9][0-9][0-9]"),
    **_family("gpt-2 phi-2 jina-es jina-de gigachat jina-v1-en jina-v2-es jina-v2-de jina-v2-code"
              " roberta-bpe a.x-4.0 mellum modern-bert exaone4 mpt olmo jais trillion"
              " granite-docling", _GPT2),
    **_family("smollm starcoder refact command-r codeshell exaone minerva-7b mellum2",
              r"\p{N}", _GPT2),
    **_family("llama3 llama-v3 llama-bpe falcon3 falcon-h1 pixtral midm-2.0 lfm2 jina-v5-nano",
              _LLAMA3, ignore_merges=True),
    **_family("dbrx smaug-bpe", _LLAMA3),
    **_family("qwen2 deepseek-r1-qwen kormo f2llmv2 megrez stablelm2 hunyuan solar-open", _QWEN2),
    **_family("qwen35", _QWEN35),
    **_family("tekken", _TEKKEN, ignore_merges=True),
    **_family("gpt-4o llama4 kanana2 talkie minimax-m2", _GPT4O),
}

# GGUF token types (llama.cpp's llama_token_type)
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = range(1, 7)


@dataclass(frozen=True)
class GGUFTokenizer:
    """What `Tokenizer` needs from a GGUF file, beyond the names of its special tokens."""
    backend: tokenizers.Tokenizer
    spelling: str  # how token strings spell bytes: byte_level | sentencepiece
    drop_space: str  # when decode drops a leading space: never | segment
    add_bos: bool
    add_eos: bool


def build_gguf_tokenizer(meta: dict[str, Any], path: str | Path) -> GGUFTokenizer:
    """The tokenizer the metadata describes; a one-line ValueError for any we do not read."""
    kind = meta.get("tokenizer.ggml.model")
    add_eos = bool(meta.get("tokenizer.ggml.add_eos_token", False))
    if kind == "gpt2":
        # A file older than the key gets GPT-2's split, as transformers reads it (llama.cpp falls
        # back to "default" and warns that generation quality will be degraded).
        pre = meta.get("tokenizer.ggml.pre") or "gpt-2"
        if pre not in PRE_TOKENIZERS:
            raise ValueError(f"{path}: GGUF pre-tokenizer {pre!r} is not supported")
        if "tokenizer.ggml.merges" not in meta:
            raise ValueError(f"{path}: GGUF byte-level vocabulary without merges")
        return GGUFTokenizer(_byte_level(meta, PRE_TOKENIZERS[pre]), "byte_level", "never",
                             bool(meta.get("tokenizer.ggml.add_bos_token", False)), add_eos)
    if kind == "llama":
        if meta.get("tokenizer.ggml.remove_extra_whitespaces"):
            raise ValueError(f"{path}: GGUF sentencepiece vocabulary with "
                             "remove_extra_whitespaces is not supported")
        if not {"tokenizer.ggml.scores", "tokenizer.ggml.merges"} & meta.keys():
            raise ValueError(f"{path}: GGUF sentencepiece vocabulary without scores or merges")
        prefix = bool(meta.get("tokenizer.ggml.add_space_prefix", True))  # llama.cpp's default
        return GGUFTokenizer(_sentencepiece(meta, prefix), "sentencepiece",
                             "segment" if prefix else "never",
                             bool(meta.get("tokenizer.ggml.add_bos_token", True)), add_eos)
    raise ValueError(f"{path}: GGUF tokenizer model {kind!r} is not supported (gpt2 or llama)")


def _byte_level(meta: dict[str, Any], pre: _Pre) -> tokenizers.Tokenizer:
    spell, alphabet = BYTE_ALPHABET, set(BYTE_ALPHABET.values())
    tokens = meta["tokenizer.ggml.tokens"]
    # Tokens outside the byte alphabet are re-spelled from their UTF-8, as transformers does.
    vocab = {t if set(t) <= alphabet else "".join(spell[b] for b in t.encode()): i
             for i, t in enumerate(tokens)}
    merges = [tuple(m.split(" ", 1)) for m in meta["tokenizer.ggml.merges"]]
    tok = tokenizers.Tokenizer(models.BPE(vocab=vocab, merges=merges, fuse_unk=False,
                                          ignore_merges=pre.ignore_merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(s), behavior="isolated") for s in pre.splits]
        + [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    # A "control" token outside the byte alphabet is a converter mislabel and stays out (as in HF).
    _add_tokens(tok, meta, keep=lambda t: set(t) <= alphabet)
    return tok


def _sentencepiece(meta: dict[str, Any], prefix: bool) -> tokenizers.Tokenizer:
    """llama.cpp's SPM tokenizer as BPE: merges ranked by the merged token's score, text split at
    added tokens, each piece prefixed with "▁" (add_space_prefix) and its spaces spelled "▁"."""
    tokens = meta["tokenizer.ggml.tokens"]
    types = meta.get("tokenizer.ggml.token_type") or [NORMAL] * len(tokens)
    vocab = {t: i for i, t in enumerate(tokens)}
    arch = meta.get("general.architecture", "")
    if "tokenizer.ggml.merges" in meta:
        merges = [tuple(m.split(" ", 1)) for m in meta["tokenizer.ggml.merges"]]
    elif arch.startswith("gemma"):
        # Gemma's scores do not follow its merge order; the file's order does (transformers).
        merges = _merges(vocab, {t: -i for i, t in enumerate(tokens)})
    else:
        merges = _merges(vocab, dict(zip(tokens, meta["tokenizer.ggml.scores"], strict=True)))
    unk = next((t for t, ty in zip(tokens, types, strict=True) if ty == UNKNOWN), None)
    tok = tokenizers.Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token=unk,
                                          fuse_unk=True, byte_fallback=True))
    # A normalizer, unlike Metaspace, prepends "▁" to every piece between added tokens and even
    # to one that starts with a space: llama.cpp's rule, and sentencepiece's own per piece.
    spaces = normalizers.Replace(" ", "▁")
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), spaces]) if prefix else spaces
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(),
                                     decoders.Fuse()])
    # llama.cpp strips the whitespace after Phi-3's added tokens but these, as Phi-3's
    # tokenizer.json does (llama.cpp tells Phi-3 by general.name, we by the architecture).
    keeps = {"<unk>", "<s>", "<|endoftext|>"}
    _add_tokens(tok, meta, rstrip=(lambda t: t not in keeps) if arch == "phi3" else None)
    return tok


def _merges(vocab: dict[str, int], rank: dict[str, float]) -> list[tuple[str, str]]:
    # Every split of a token into two tokens, best token first, as transformers' generate_merges
    # orders them (ties: longer left part first, then by ids); the sorts are stable. Pure Python:
    # ~10 s for 256k tokens of 12 characters on a 2-core box, once per load.
    merges = []
    for token, score in rank.items():
        pairs = [(token[:k], token[k:]) for k in range(1, len(token))]
        found = sorted((p for p in pairs if p[0] in vocab and p[1] in vocab),
                       key=lambda p: (vocab[p[0]], vocab[p[1]]))
        merges += [(score, left, right) for left, right in found]
    merges.sort(key=lambda m: (m[0], len(m[1]), len(m[2])), reverse=True)
    return [(left, right) for _, left, right in merges]


def _add_tokens(tok: tokenizers.Tokenizer, meta: dict[str, Any], *,
                keep: Callable[[str], bool] = lambda t: True,
                rstrip: Callable[[str], bool] | None = None) -> None:
    # CONTROL and UNKNOWN tokens are special; USER_DEFINED ones are matched whole but not special.
    # All are matched in the raw text, before any normalizer, as llama.cpp matches them.
    tokens = meta["tokenizer.ggml.tokens"]
    types = meta.get("tokenizer.ggml.token_type") or [NORMAL] * len(tokens)
    strip = rstrip or (lambda t: False)
    typed = [(t, ty) for t, ty in zip(tokens, types, strict=True)
             if ty in (CONTROL, UNKNOWN, USER_DEFINED) and t and keep(t)]  # "" would match anywhere
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False, rstrip=strip(t))
                            for t, ty in typed if ty in (CONTROL, UNKNOWN)])
    tok.add_tokens([AddedToken(t, normalized=False, rstrip=strip(t))
                    for t, ty in typed if ty == USER_DEFINED])
