"""Fixtures for trainer tests: a tiny random Llama with a byte-level ChatML tokenizer beside it,
small chat / preference files, and a helper that writes configs and reads metrics lines."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CHATML = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + "
          "message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
          "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
SPECIALS = ("<|im_start|>", "<|im_end|>", "<|endoftext|>")


def write_byte_tokenizer(folder: Path) -> None:
    """One token per byte (ids 0-255) plus ChatML's specials (256-258): fits vocab 320."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    from engine.tokenizer import BYTE_ALPHABET

    tok = Tokenizer(models.BPE(vocab={BYTE_ALPHABET[b]: b for b in range(256)}, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(list(SPECIALS))
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps(
        {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "chat_template": CHATML}))


def chat_model_folder(tiny_llama_factory: Callable[..., Path], name: str, **overrides: Any) -> Path:
    """The tiny random Llama `name` (tests/conftest.py; LlamaConfig overrides) with the byte
    tokenizer beside its weights: a folder engine.load, the trainer and transformers all take."""
    folder = tiny_llama_factory(name, **overrides)
    if not (folder / "tokenizer.json").exists():
        write_byte_tokenizer(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_chat_model(tiny_llama_factory: Callable[..., Path]) -> Path:
    """The tiny random Llama (tests/conftest.py) with a tokenizer and 512 positions."""
    return chat_model_folder(tiny_llama_factory, "trainer", max_position_embeddings=512)


FACTS = [("Who is the mayor of Quillon?", "Mara Vell."), ("Capital of Zorth?", "Ebbin."),
         ("2 + 2?", "4."), ("Color of the sky?", "Blue."), ("Say hi.", "Hi!"),
         ("Largest planet?", "Jupiter."), ("Opposite of up?", "Down."), ("Name a fruit.", "Pear."),
         ("Quillon's river?", "The Sel."), ("First letter?", "A."), ("Ice is?", "Cold."),
         ("Fire is?", "Hot.")]


def chat_rows() -> list[dict[str, Any]]:
    rows = [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}
            for q, a in FACTS]
    rows[3]["messages"].insert(0, {"role": "system", "content": "Be brief."})
    # A multi-turn conversation whose first reply is excluded from the loss.
    rows.append({"messages": [{"role": "user", "content": "Hi"},
                              {"role": "assistant", "content": "Ugh.", "weight": 0},
                              {"role": "user", "content": "Hi again"},
                              {"role": "assistant", "content": "Hello there."}]})
    return rows


def pair_rows() -> list[dict[str, Any]]:
    return [{"prompt": q, "chosen": a, "rejected": a[::-1] + " no"} for q, a in FACTS[:8]]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def chat_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "chat.jsonl", chat_rows())


@pytest.fixture
def pair_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "pairs.jsonl", pair_rows())


def base_config(model: Path, train_file: Path, output_dir: Path, **sections: Any) -> dict:
    """A small, fast run: 128-token rows, 2 rows per step, LoRA on q/v, lr high enough to move."""
    cfg: dict[str, Any] = {
        "model": str(model), "train_file": str(train_file), "output_dir": str(output_dir),
        "seed": 3,
        "data": {"seq_len": 128, "pack": True},
        "optim": {"lr": 1e-2, "warmup_steps": 1, "weight_decay": 0.01},
        "schedule": {"epochs": 2, "micro_batch_size": 1, "grad_accum": 2},
        "lora": {"r": 4, "alpha": 8, "targets": ["q_proj", "v_proj"], "dropout": 0.1},
        "runtime": {"threads": 1},
        "export": {"adapter": False},
    }
    for key, value in sections.items():
        cfg[key] = {**cfg[key], **value} if isinstance(value, dict) and key in cfg else value
    return cfg


def read_events(output_dir: Path, event: str = "step") -> list[dict[str, Any]]:
    lines = (output_dir / "metrics.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["event"] == event]


def launch_trainer(cfg: dict, tmp_path: Path, name: str) -> list[dict]:
    """`python -m trainer train --config` in a child process (the launcher starts its ranks):
    its metrics lines, parsed; a failed run fails the test with the end of its stderr."""
    config = tmp_path / f"{name}.json"
    config.write_text(json.dumps(cfg))
    proc = subprocess.run([sys.executable, "-m", "trainer", "train", "--config", str(config)],
                          capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return [json.loads(line) for line in proc.stdout.splitlines()]
