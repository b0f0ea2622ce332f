"""LoRA SFT throughput on CPU: hanlin's trainer versus Hugging Face `Trainer` + peft, same model
(the default SmolLM2-135M, dequantized to fp32), same samples and hyperparameters, one run.

    .venv/bin/python bench/train.py [--steps 20] [--threads 2]

Prints a markdown table of real (non-padding) training tokens per second after warm-up steps.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from engine.loaders import DEFAULT_MODEL_NAME  # noqa: E402

WORDS = ("river city mayor council bridge market harbor lantern garden winter summer story "
         "answer question people language north south quiet bright old new small large").split()


def make_chats(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)

    def text(lo: int, hi: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi))).capitalize() + "."

    return [{"messages": [{"role": "user", "content": text(10, 40)},
                          {"role": "assistant", "content": text(40, 160)}]} for _ in range(n)]


def hyper(args: argparse.Namespace) -> dict:
    return {"lr": 2e-4, "warmup_steps": 2, "weight_decay": 0.0, "grad_clip": 1.0,
            "r": 8, "alpha": 16, "targets": ["q_proj", "k_proj", "v_proj", "o_proj"],
            "seq_len": args.seq_len, "steps": args.steps}


def run_hanlin(data: Path, out: Path, args: argparse.Namespace, pack: bool) -> dict:
    from trainer.config import load_config
    from trainer.loop import run
    from trainer.metrics import Emitter

    h = hyper(args)
    cfg = load_config({
        "model": args.model, "train_file": str(data), "output_dir": str(out), "seed": 0,
        "data": {"seq_len": h["seq_len"], "pack": pack},
        "optim": {"lr": h["lr"], "warmup_steps": h["warmup_steps"],
                  "weight_decay": h["weight_decay"], "grad_clip": h["grad_clip"]},
        "schedule": {"max_steps": h["steps"], "micro_batch_size": 1, "grad_accum": 1},
        "lora": {"r": h["r"], "alpha": h["alpha"], "targets": h["targets"], "dropout": 0.0},
        "runtime": {"threads": args.threads},
        "checkpoint": {"save_final": False}, "export": {"adapter": False}})
    run(cfg, distributed=False, emitter=Emitter(out, stream=open(os.devnull, "w")))  # noqa: SIM115
    steps = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    steps = [s for s in steps if s["event"] == "step"][args.warmup:]
    tokens = sum(s["tokens"] for s in steps)
    seconds = sum(s["step_time_s"] for s in steps)
    return {"tokens": tokens, "seconds": seconds, "final_loss": steps[-1]["loss"]}


def run_hf(samples, lm, out: Path, args: argparse.Namespace) -> dict:
    """transformers' Llama with the very same weights; one unpadded sample per step."""
    import transformers
    from peft import LoraConfig, get_peft_model

    from trainer.data import IGNORE
    from trainer.export import hf_config

    h = hyper(args)
    config = transformers.LlamaConfig(**hf_config(lm.config))
    model = transformers.LlamaForCausalLM(config)
    missing, unexpected = model.load_state_dict(lm.state_dict(), strict=False)
    assert not unexpected and set(missing) <= {"lm_head.weight"}, (missing, unexpected)
    model.tie_weights()
    torch.manual_seed(0)
    model = get_peft_model(model, LoraConfig(r=h["r"], lora_alpha=h["alpha"], lora_dropout=0.0,
                                             target_modules=h["targets"]))
    # HF shifts labels itself: give it labels aligned with input_ids.
    rows = [{"input_ids": list(s.input_ids),
             "labels": [IGNORE] + [t for t in s.targets[:-1]]} for (s,) in samples]
    lengths: list[int] = []

    def collate(batch):
        lengths.append(sum(len(b["input_ids"]) for b in batch))
        return {k: torch.tensor([b[k] for b in batch]) for k in ("input_ids", "labels")}

    times: list[float] = []

    class Timer(transformers.TrainerCallback):
        def on_step_begin(self, *a, **k):
            self.t = time.perf_counter()

        def on_step_end(self, *a, **k):
            times.append(time.perf_counter() - self.t)

    targs = transformers.TrainingArguments(
        output_dir=str(out), per_device_train_batch_size=1, gradient_accumulation_steps=1,
        max_steps=h["steps"], learning_rate=h["lr"], lr_scheduler_type="cosine",
        warmup_steps=h["warmup_steps"], weight_decay=h["weight_decay"],
        max_grad_norm=h["grad_clip"], logging_steps=10**6, save_strategy="no", report_to=[],
        use_cpu=True, dataloader_num_workers=0, seed=0, disable_tqdm=True)
    trainer = transformers.Trainer(model=model, args=targs, train_dataset=rows,
                                   data_collator=collate, callbacks=[Timer()])
    trainer.train()
    tokens = sum(lengths[args.warmup:len(times)])
    return {"tokens": tokens, "seconds": sum(times[args.warmup:]), "final_loss": None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=DEFAULT_MODEL_NAME)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3, help="steps left out of the timing")
    parser.add_argument("--seq-len", type=int, default=512)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from trainer.data import encode_sft
    from trainer.model import load_base

    work = Path(tempfile.mkdtemp(prefix="hanlin-bench-train-"))
    data = work / "chat.jsonl"
    data.write_text("".join(json.dumps(c) + "\n" for c in make_chats(args.samples, 0)))
    _, lm, tok = load_base(args.model)
    samples = encode_sft(tok, data, args.seq_len).units
    load = os.getloadavg()[0]

    results = {
        "hanlin, unpacked (1 sample / step)": run_hanlin(data, work / "h-unpacked", args, False),
        f"hanlin, packed ({args.seq_len}-token rows)": run_hanlin(data, work / "h-packed", args,
                                                                  True),
        "HF Trainer + peft (1 sample / step)": run_hf(samples, lm, work / "hf", args),
    }
    print(f"\nLoRA SFT, {args.model}, fp32, CPU, {args.threads} threads, r 8 on q/k/v/o, "
          f"{args.steps} steps ({args.warmup} untimed); 1-min load average at start {load:.2f}\n")
    print("| trainer | timed tokens | seconds | tokens/s |")
    print("|---|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['tokens']} | {r['seconds']:.1f} | {r['tokens'] / r['seconds']:.0f} |")


if __name__ == "__main__":
    main()
