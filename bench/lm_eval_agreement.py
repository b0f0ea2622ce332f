"""Agreement with lm-evaluation-harness (issue 8): one multiple-choice task on local JSONL, scored
by lm-eval's `local-completions` model pointed at `hanlin serve` and by hanlin's own runner —
same items, same prompts, same continuations. Prints acc / acc_norm side by side and the items
on which the two pick different answers.

lm-eval is installed for this benchmark only (it is not a project dependency), pinned so it
moves nothing else in the venv:
    .venv/bin/pip freeze | grep -v '^-e' > /tmp/c.txt && .venv/bin/pip install -c /tmp/c.txt lm-eval==0.4.13
    .venv/bin/python bench/lm_eval_agreement.py [--items 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import serve  # noqa: E402

MODEL = "smollm2-135m-instruct"
LETTERS = (" A", " B", " C", " D")


def items(n: int, folder: Path) -> Path:
    """The first n LogiQA rows of OpenAI's evals wheel as plain text + four letter choices."""
    from evals.data import wheel_rows

    out = folder / "logiqa_local.jsonl"
    with out.open("w") as f:
        for i, row in enumerate(wheel_rows("logiqa/logiqa.jsonl")):
            if i == n:
                break
            text = "\n".join(m["content"] for m in row["input"]) + "\nAnswer:"
            gold = "ABCD".index(row["ideal"].strip()[0])
            f.write(json.dumps({"id": f"logiqa-{i}", "input": text, "choices": list(LETTERS),
                                "gold": gold}) + "\n")
    return out


def tokenizer_folder(folder: Path) -> Path:
    """lm-eval tokenizes with a Hugging Face tokenizer: SmolLM2's, saved from the GGUF."""
    from transformers import AutoTokenizer

    from engine.loaders.default_model import default_model_path

    gguf = default_model_path()
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    out = folder / "tokenizer"
    tok.save_pretrained(str(out))
    return out


def lm_eval_scores(data: Path, base: str, tokenizer: Path, folder: Path) -> tuple[dict, list]:
    import lm_eval
    from lm_eval.tasks import TaskManager

    (folder / "tasks").mkdir(exist_ok=True)
    (folder / "tasks" / "logiqa_local.yaml").write_text(f"""task: logiqa_local
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: multiple_choice
doc_to_text: "{{{{input}}}}"
doc_to_choice: "{{{{choices}}}}"
doc_to_target: "{{{{gold}}}}"
target_delimiter: ""
metric_list:
  - metric: acc
  - metric: acc_norm
""")
    results = lm_eval.simple_evaluate(
        model="local-completions",
        model_args={"base_url": f"{base}/v1/completions", "model": MODEL,
                    "tokenizer_backend": "huggingface", "tokenizer": str(tokenizer),
                    "num_concurrent": 1, "max_retries": 1},
        tasks=["logiqa_local"], task_manager=TaskManager(include_path=str(folder / "tasks")),
        log_samples=True)
    metrics = results["results"]["logiqa_local"]
    samples = sorted(results["samples"]["logiqa_local"], key=lambda s: s["doc_id"])
    logprobs = [[float(s["resps"][c][0][0]) for c in range(4)] for s in samples]
    return {"acc": metrics["acc,none"], "acc_norm": metrics["acc_norm,none"]}, logprobs


def hanlin_scores(data: Path, base: str) -> tuple[dict, list]:
    from evals.client import EndpointConfig
    from evals.runner import run_task
    from evals.tasks import jsonl_task

    task = jsonl_task(str(data), mode="loglikelihood")
    run = asyncio.run(run_task(task, EndpointConfig(base_url=f"{base}/v1", model=MODEL,
                                                    concurrency=1)))
    metrics = {m.name: m.value for m in run.results.metrics}
    return metrics, [[c.logprob for c in item.choices] for item in run.items]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lm-eval-agreement-"))
    data = items(args.items, folder)
    tokenizer = tokenizer_folder(folder)
    proc, base, _ = serve({})
    try:
        ours, our_lps = hanlin_scores(data, base)
        theirs, their_lps = lm_eval_scores(data, base, tokenizer, folder)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    def pick(lps: list[float]) -> int:
        return max(range(len(lps)), key=lps.__getitem__)

    pairs = list(zip(our_lps, their_lps, strict=True))
    differ = [i for i, (a, b) in enumerate(pairs) if pick(a) != pick(b)]
    gap = max(abs(x - y) for a, b in pairs for x, y in zip(a, b, strict=True))
    print("| items | metric | hanlin runner | lm-eval local-completions |")
    print("|---:|---|---:|---:|")
    for name in ("acc", "acc_norm"):
        print(f"| {args.items} | {name} | {ours[name]:.4f} | {theirs[name]:.4f} |")
    print(f"items where the picks differ: {differ or 'none'}")
    print(f"largest difference between the two harnesses' log-probabilities: {gap:.2e}")
    for i in differ:
        print(f"  item {i}: hanlin {[round(x, 4) for x in pairs[i][0]]} "
              f"lm-eval {[round(x, 4) for x in pairs[i][1]]}")


if __name__ == "__main__":
    main()
