"""Text <-> token ids for the checkpoint formats we load: GGUF (byte-level or sentencepiece BPE,
built in engine/gguf_tokenizer.py), `tokenizer.json` and sentencepiece `tokenizer.model`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

import sentencepiece
import tokenizers
from tokenizers import AddedToken

from engine.chat_template import render_chat_template
from engine.gguf_tokenizer import BYTE_ALPHABET, build_gguf_tokenizer, read_gguf_metadata

# Names llama.cpp treats as end-of-generation whatever the file's eos id is (llama-vocab.cpp).
_EOG_NAMES = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|eom_id|>", "<|end|>",
              "<end_of_turn>", "<|end_of_text|>", "<EOT>", "<end_of_utterance>")

_UNSPELL = {c: b for b, c in BYTE_ALPHABET.items()}


def _piece_bytes(piece: str, spelling: str) -> bytes:
    if spelling == "byte_level" and all(c in _UNSPELL for c in piece):
        return bytes(_UNSPELL[c] for c in piece)
    if spelling == "sentencepiece" and re.fullmatch(r"<0x[0-9A-Fa-f]{2}>", piece):
        return bytes([int(piece[3:5], 16)])  # a byte-fallback token
    return piece.replace("▁", " ").encode() if spelling == "sentencepiece" else piece.encode()


def _json_spelling(file: Path) -> tuple[str, str]:
    """(how a token's string spells its bytes, when decode drops a leading space), read off the
    tokenizer.json's decoder."""
    dec = json.loads(file.read_text(encoding="utf-8")).get("decoder") or {}
    parts = dec.get("decoders", []) if dec.get("type") == "Sequence" else [dec]
    kinds = {d.get("type") for d in parts}
    if "ByteLevel" in kinds:
        return "byte_level", "never"
    if not kinds & {"Metaspace", "ByteFallback"}:
        return "decode", "never"  # e.g. WordPiece: ask the decoder, one token at a time
    strips = any(d.get("type") == "Strip" and d.get("start", 0) > 0 or d.get("type") == "Metaspace"
                 and d.get("prepend_scheme", "always") != "never" for d in parts)
    return "sentencepiece", "text" if strips else "never"


class _SentencePiece:
    """A sentencepiece model plus the added tokens that are split out of the text before it."""

    def __init__(self, path: Path, added: dict[int, tuple[str, bool]], named: Iterable[str]):
        self.sp = sentencepiece.SentencePieceProcessor(model_file=str(path))
        self.ids = {content: i for i, (content, _) in added.items()}
        self.added = dict(added)  # id -> (content, special)
        for name in named:  # transformers splits the named specials (<s>, </s>, ...) out too
            if name not in self.ids and (i := self.token_to_id(name)) is not None:
                self.ids[name], self.added[i] = i, (name, True)
        alternatives = "|".join(map(re.escape, sorted(self.ids, key=len, reverse=True)))
        self._split = re.compile(f"({alternatives})") if self.ids else None

    def encode(self, text: str) -> list[int]:
        # Each chunk between added tokens is encoded on its own, dummy prefix and all, as
        # InternLM2's and the slow Llama tokenizers do.
        ids: list[int] = []
        for n, chunk in enumerate(self._split.split(text) if self._split else [text]):
            ids += [self.ids[chunk]] if n % 2 else self.sp.encode(chunk) if chunk else []
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        runs = groupby(ids, key=self.added.__contains__)
        return "".join("".join(self.added[i][0] for i in run) if is_added
                       else self.sp.decode(list(run)) for is_added, run in runs)

    def token_to_id(self, token: str) -> int | None:
        if token in self.ids:
            return self.ids[token]
        i = self.sp.piece_to_id(token)  # unknown pieces map to <unk>'s id: tell them apart
        return i if self.sp.id_to_piece(i) == token else None

    def token_bytes(self, i: int) -> bytes:
        if i in self.added:
            return self.added[i][0].encode()
        if self.sp.is_control(i):
            return b""
        if self.sp.is_unknown(i):
            return " \u2047 ".encode()  # what sentencepiece decodes <unk> to
        return _piece_bytes(self.sp.id_to_piece(i), "sentencepiece")


class Tokenizer:
    """One tokenizer over a `tokenizers.Tokenizer` or a sentencepiece model, with its template."""

    def __init__(self, backend: tokenizers.Tokenizer | _SentencePiece, *, spelling: str,
                 drop_space: str, names: dict[str, str], eos: Sequence[str | int | None] = (),
                 chat_template: str | None = None, add_bos: bool = False,
                 add_eos: bool = False) -> None:
        self._backend = backend
        self._spelling = spelling  # how token strings spell bytes: byte_level|sentencepiece|decode
        self._drop_space = drop_space  # when decode drops a leading space: never|text|segment
        if isinstance(backend, _SentencePiece):
            added = {i: special for i, (_, special) in backend.added.items()}
            self.vocab_size = max([backend.sp.get_piece_size(), *(i + 1 for i in added)])
        else:
            added = {i: t.special for i, t in backend.get_added_tokens_decoder().items()}
            self.vocab_size = backend.get_vocab_size(with_added_tokens=True)
        self.added_ids = frozenset(added)  # matched whole in the text
        self.special_ids = frozenset(i for i, special in added.items() if special)  # skippable
        self._names = names  # bos_token, eos_token, ... as the chat template sees them
        bos = names.get("bos_token")
        self.bos_token_id = self.token_to_id(bos) if bos else None
        eos_ids = [self.token_to_id(e) if isinstance(e, str) else e for e in [*eos, *_EOG_NAMES]]
        self.eos_token_ids = tuple(dict.fromkeys(i for i in eos_ids if i is not None and i >= 0))
        self.chat_template = chat_template
        self._add_bos, self._add_eos = add_bos, add_eos
        self._bytes: dict[int, bytes] = {}

    @classmethod
    def from_gguf(cls, path: str | Path) -> Tokenizer:
        meta = read_gguf_metadata(path)
        built = build_gguf_tokenizer(meta, path)
        tokens = meta["tokenizer.ggml.tokens"]
        keys = dict(bos_token="bos", eos_token="eos", unk_token="unknown", pad_token="padding")
        names = {name: tokens[i] for name, key in keys.items()
                 if (i := meta.get(f"tokenizer.ggml.{key}_token_id")) is not None}
        # llama.cpp also ends generation at the end-of-turn / end-of-message ids the file names.
        eos = [meta.get(f"tokenizer.ggml.{key}_token_id") for key in ("eos", "eot", "eom")]
        return cls(built.backend, spelling=built.spelling, drop_space=built.drop_space,
                   names=names, eos=eos, chat_template=meta.get("tokenizer.chat_template"),
                   add_bos=built.add_bos, add_eos=built.add_eos)

    @classmethod
    def from_hf_folder(cls, path: str | Path) -> Tokenizer:
        folder = Path(path)
        config = _load_json(folder / "tokenizer_config.json")
        names = {k: v.get("content") if isinstance(v, dict) else v
                 for k in ("bos_token", "eos_token", "unk_token", "pad_token")
                 if (v := config.get(k))}
        gen_eos = _load_json(folder / "generation_config.json").get("eos_token_id", [])
        eos = [names["eos_token"]] if "eos_token" in names else []
        eos += gen_eos if isinstance(gen_eos, list) else [gen_eos]
        added = {int(i): (t["content"], bool(t.get("special")))
                 for i, t in (config.get("added_tokens_decoder") or {}).items()}
        template = _chat_template(folder, config)
        if (file := folder / "tokenizer.json").exists():  # the fast tokenizer wins, as in HF
            hf = tokenizers.Tokenizer.from_file(str(file))
            known = {t.content for t in hf.get_added_tokens_decoder().values()}
            for content, special in sorted(added.values()):
                if content not in known:  # the config may list added tokens the json lacks
                    add = hf.add_special_tokens if special else hf.add_tokens
                    add([AddedToken(content, normalized=False)])
            spelling, drop = _json_spelling(file)
            # bos/eos are the json's post-processor's business here, not flags.
            return cls(hf, spelling=spelling, drop_space=drop, names=names, eos=eos,
                       chat_template=template)
        if (file := folder / "tokenizer.model").exists():
            sp = _SentencePiece(file, added, names.values())
            if sp.sp.bos_id() >= 0:
                names.setdefault("bos_token", sp.sp.id_to_piece(sp.sp.bos_id()))
            # Does the model prepend "▁" (add_dummy_prefix)? Reading the proto needs protobuf.
            dummy = sp.sp.id_to_piece(sp.sp.encode("a")[0]).startswith("▁")
            return cls(sp, spelling="sentencepiece", drop_space="segment" if dummy else "never",
                       names=names, eos=eos or [sp.sp.eos_id()], chat_template=template,
                       add_bos=config.get("add_bos_token", True),  # Llama's default
                       add_eos=config.get("add_eos_token", False))
        raise FileNotFoundError(f"{folder}: no tokenizer.json or tokenizer.model")

    def token_to_id(self, token: str) -> int | None:
        return self._backend.token_to_id(token)

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        if isinstance(self._backend, _SentencePiece):
            ids = self._backend.encode(text)
        else:
            ids = self._backend.encode(text, add_special_tokens=add_special_tokens).ids
        if add_special_tokens:  # GGUF and sentencepiece carry these as flags
            if self._add_bos and self.bos_token_id is not None and ids[:1] != [self.bos_token_id]:
                ids = [self.bos_token_id, *ids]
            if self._add_eos and self.eos_token_ids:
                ids = [*ids, self.eos_token_ids[0]]
        return ids

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = False) -> str:
        skip = self.special_ids if skip_special_tokens else frozenset()
        if isinstance(self._backend, _SentencePiece):
            return self._backend.decode(i for i in ids if i not in skip)
        if self._drop_space == "segment":
            # The "▁" encode put before each piece between added tokens comes off again, so text
            # round-trips (transformers' Strip decoder takes only the text's first one off).
            return self._join_bytes(i for i in ids if i not in skip).decode(errors="replace")
        return self._backend.decode(list(ids), skip_special_tokens=skip_special_tokens)

    def _join_bytes(self, ids: Iterable[int]) -> bytes:
        out, prev = [], None
        for i in ids:
            data = self.id_to_bytes(i)
            if data[:1] == b" " and i not in self.added_ids and self.drops_leading_space(prev):
                data = data[1:]
            out.append(data)
            prev = i
        return b"".join(out)

    def id_to_bytes(self, token_id: int) -> bytes:
        """The raw bytes one token stands for (possibly part of a UTF-8 character)."""
        if (cached := self._bytes.get(token_id)) is None:
            cached = self._bytes[token_id] = self._token_bytes(token_id)
        return cached

    def _token_bytes(self, token_id: int) -> bytes:
        if isinstance(self._backend, _SentencePiece):
            return self._backend.token_bytes(token_id)
        if (token := self._backend.id_to_token(token_id)) is None:
            raise ValueError(f"token id {token_id} is out of range")
        if token_id in self.added_ids:
            return token.encode()
        if self._spelling == "decode":
            return self._backend.decode([token_id]).encode()
        return _piece_bytes(token, self._spelling)

    def drops_leading_space(self, prev_id: int | None) -> bool:
        """Whether `decode` drops the leading space of a token after `prev_id` (None: the text's
        start): sentencepiece's dummy prefix, undone where an encoded chunk began."""
        if self._drop_space == "text":
            return prev_id is None
        return self._drop_space == "segment" and (prev_id is None or prev_id in self.added_ids)

    def apply_chat_template(self, messages: list[dict], add_generation_prompt: bool = True,
                            tools: list[dict] | None = None, **kwargs: Any) -> str:
        return render_chat_template(self.chat_template, messages, tools=tools,
                                    add_generation_prompt=add_generation_prompt,
                                    **(self._names | kwargs))


def _load_json(file: Path) -> dict[str, Any]:
    return json.loads(file.read_text(encoding="utf-8")) if file.exists() else {}


def _chat_template(folder: Path, config: dict[str, Any]) -> str | None:
    # transformers >= 4.43 saves the template beside the config, as chat_template.jinja.
    if (file := folder / "chat_template.jinja").exists():
        return file.read_text(encoding="utf-8")
    template = config.get("chat_template")
    if isinstance(template, list):  # named templates: [{"name": "default", "template": ...}]
        template = {t["name"]: t["template"] for t in template}.get("default")
    return template
