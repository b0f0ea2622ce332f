"""llama.cpp's own tools as the benchmarks use them: convert_hf_to_gguf.py (from a llama.cpp source
tree), llama-quantize and llama-server (from a build), and a byte-level BPE tokenizer that both
its converter and its runtime accept. Not a project dependency: the paths come from the
environment, with the locations the benchmarks were written against as defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.harness import Served, free_port

BIN = Path(os.environ.get("HANLIN_LLAMA_CPP_BIN",
                          Path.home() / ".cache/hanlin/llama.cpp/build/bin")).expanduser()
SRC = Path(os.environ.get("HANLIN_LLAMA_CPP",
                          "/tmp/llcpp/llama_cpp_python-0.3.36/vendor/llama.cpp")).expanduser()
HOW = ("a llama.cpp source tree at HANLIN_LLAMA_CPP (`.venv/bin/pip download llama-cpp-python "
       "--no-deps --no-binary :all: -d /tmp/llcpp` and untar: vendor/llama.cpp) and its build at "
       "HANLIN_LLAMA_CPP_BIN (llama-server, llama-quantize)")

# The converter run in a child: its gguf-py first on the path, and the tokenizer questions it
# would ask of a real checkpoint answered for ours: a byte-level BPE that no hash of its names
# knows goes in as GPT-2's, for the families that expect sentencepiece too.
_CONVERT = """
import runpy, sys
root = sys.argv.pop(1)
sys.path[:0] = [root, root + "/gguf-py"]
import conversion.base as base
from conversion import gemma, internlm, phi
base.TextModel.get_vocab_base_pre = lambda self, tokenizer: "gpt-2"
for cls in (gemma.Gemma2Model, internlm.InternLM2Model, phi.Phi3MiniModel):
    cls.set_vocab = lambda self: self._set_vocab_gpt2()
sys.argv[0] = root + "/convert_hf_to_gguf.py"
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def missing() -> str | None:
    """Why llama.cpp's tools cannot run here, or None."""
    need = [SRC / "convert_hf_to_gguf.py", BIN / "llama-server", BIN / "llama-quantize"]
    absent = [str(p) for p in need if not p.exists()]
    return f"missing {', '.join(absent)}: need {HOW}" if absent else None


def _env() -> dict[str, str]:
    return dict(os.environ, LD_LIBRARY_PATH=f"{BIN}:{os.environ.get('LD_LIBRARY_PATH', '')}")


def _run(cmd: list[str], what: str, timeout_s: float) -> None:
    done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=timeout_s)
    if done.returncode:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"{what} failed ({done.returncode}): {' | '.join(tail)}")


def convert(folder: Path, out: Path, outtype: str = "f32", *, src: Path = SRC,
            timeout_s: float = 1800) -> Path:
    """convert_hf_to_gguf.py of the tree `src`: the HF folder as a GGUF of `outtype` (f32, f16,
    bf16, q8_0)."""
    _run([sys.executable, "-c", _CONVERT, str(src), str(folder), "--outfile", str(out),
          "--outtype", outtype], f"convert_hf_to_gguf.py {folder.name}", timeout_s)
    return out


def quantize(src: Path, out: Path, qtype: str, threads: int, timeout_s: float = 1800) -> Path:
    """llama-quantize: `src` as `qtype` (Q8_0, Q4_K_M, ...), with its default rules per tensor."""
    _run([str(BIN / "llama-quantize"), str(src), str(out), qtype, str(threads)],
         f"llama-quantize {qtype}", timeout_s)
    return out


def llama_server(model: Path, *, threads: int, ctx: int, parallel: int = 1,
                 unified_kv: bool = False, cache_type: str | None = None,
                 flash_attn: bool | None = None, timeout_s: float = 300.0) -> Served:
    """llama-server on `model`: `threads` for generation and batches, `ctx` tokens of context,
    `parallel` slots with continuous batching (its default), one KV pool for all slots when
    `unified_kv`, keys and values stored as `cache_type` and flash attention on or off
    (defaults: its own, F16 and auto), no web UI."""
    port = free_port()
    cmd = [str(BIN / "llama-server"), "-m", str(model), "--host", "127.0.0.1", "--port",
           str(port), "-t", str(threads), "-tb", str(threads), "-c", str(ctx), "-np",
           str(parallel), "--cont-batching", "--no-webui"]
    cmd.append("-kvu" if unified_kv else "-no-kvu")
    if cache_type:
        cmd += ["-ctk", cache_type, "-ctv", cache_type]
    if flash_attn is not None:
        cmd += ["-fa", "on" if flash_attn else "off"]
    return Served(cmd, env=_env(), port=port, what=f"llama-server {model.name}",
                  timeout_s=timeout_s)


def version() -> str:
    done = subprocess.run([str(BIN / "llama-server"), "--version"], env=_env(),
                          capture_output=True, text=True, timeout=60)
    line = next((x for x in (done.stdout + done.stderr).splitlines() if x.startswith("version")),
                "version unknown")
    return line.removeprefix("version: ")


def write_tokenizer(folder: Path, vocab_size: int, chat_template: str) -> list[str]:
    """A byte-level BPE tokenizer.json of `vocab_size` tokens and its tokenizer_config.json.
    Ids 0-255 are the bytes; then two spaces (llama.cpp refuses a BPE vocabulary without merges,
    so there is one), fillers " t<i>" (plain tokens: every text they decode to is valid UTF-8),
    and ChatML's three specials last. Returns the specials."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    specials = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]
    chars = bytes_to_unicode()
    vocab = {char: byte for byte, char in chars.items()}
    space = chars[ord(" ")]
    vocab[space * 2] = 256
    for i in range(257, vocab_size - len(specials)):
        vocab[f"{space}t{i}"] = i
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[(space, space)]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    assert tok.get_vocab_size() == vocab_size, tok.get_vocab_size()
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "eos_token": "<|im_end|>", "bos_token": None, "chat_template": chat_template,
        "tokenizer_class": "PreTrainedTokenizerFast"}))
    return specials
