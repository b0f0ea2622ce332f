"""GGUF files as llama.cpp makes them, family by family: a tiny random checkpoint (rows of 256, so
K-quants apply) through llama.cpp's convert_hf_to_gguf.py and llama-quantize, each file read by
hanlin and checked against transformers reading it, llama.cpp running it, and hanlin serving it.

    .venv/bin/python bench/gguf_families.py [--families qwen2,gemma3] [--types f32,q8_0,q4_k_m]
        [--threads 2] [--keep DIR]

Per family and type: hanlin's prompt log-probabilities (fp32) against transformers loading the
same GGUF; llama-server's greedy continuations of the same prompt ids against hanlin's greedy
pick at each of their steps, and the log-probabilities llama.cpp gives its tokens against hanlin's;
`hanlin serve --model FILE` answering a chat through the openai SDK with the tokens of hanlin's
in-process greedy decode. A file hanlin refuses is a row with its error line. The converter's
output type is f32 (the random weights exactly); llama-quantize makes Q8_0 and Q4_K_M from it.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import llama_cpp  # noqa: E402
from bench.harness import hanlin_serve  # noqa: E402

CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
          "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
# Rows of 256 (hidden, intermediate, expert and head sizes): llama-quantize's K-quants apply
# instead of its fallbacks. Weights of std 0.05 at width 256, a gain under 1 a matmul: at 0.1
# the random nets amplify rounding so much that llama.cpp's 8-bit activations (its quantized
# dot products) put its log-probabilities of a Q8_0 llama 0.18 from hanlin's (0.035 at 0.05).
WIDE = dict(vocab_size=320, hidden_size=256, intermediate_size=512, head_dim=64,
            num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=512, rms_norm_eps=1e-5, initializer_range=0.05)
LLAMA3_ROPE = {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
               "low_freq_factor": 1.0, "high_freq_factor": 4.0,
               "original_max_position_embeddings": 16}
# Phi-4-mini's shape of LongRoPE: half the head rotated (16 frequencies). llama.cpp picks the
# long or short factors for the whole context (-c) and hanlin per position: both take the short
# ones here, with prompts and context within the original 256.
PHI4_ROPE = {"rope_type": "longrope", "rope_theta": 10000.0, "partial_rotary_factor": 0.5,
             "short_factor": [1.0 + 0.05 * i for i in range(16)],
             "long_factor": [1.0 + 0.7 * i for i in range(16)]}
PHI_IDS = {"pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2}


@dataclass(frozen=True, kw_only=True)
class Family:
    """A transformers class pair and its overrides of WIDE; `transformers_gap`: why transformers
    reading the GGUF is no reference for this family (it loses a detail the file carries)."""

    config_cls: str
    model_cls: str
    overrides: dict[str, Any] = field(default_factory=dict)
    transformers_gap: str | None = None
    internlm2: bool = False  # saved in InternLM2's own layout (packed wqkv)


FAMILIES: dict[str, Family] = {
    "llama": Family(config_cls="LlamaConfig", model_cls="LlamaForCausalLM"),
    "llama3": Family(config_cls="LlamaConfig", model_cls="LlamaForCausalLM",
                     overrides={"rope_parameters": LLAMA3_ROPE},
                     transformers_gap="its GGUF reader drops rope_freqs (llama3 RoPE)"),
    # llama.cpp's llama architecture has no sliding window: a windowed Mistral would differ
    # from its own folder in every reader alike.
    "mistral": Family(config_cls="MistralConfig", model_cls="MistralForCausalLM",
                      overrides={"sliding_window": None}),
    "qwen2": Family(config_cls="Qwen2Config", model_cls="Qwen2ForCausalLM",
                    overrides={"tie_word_embeddings": True}),
    # transformers' GGUF readers take no head_dim for Qwen3 or query_pre_attn_scalar for Gemma:
    # these are their defaults, so it reads the files right.
    "qwen3": Family(config_cls="Qwen3Config", model_cls="Qwen3ForCausalLM",
                    overrides={"head_dim": 128}),
    "gemma2": Family(config_cls="Gemma2Config", model_cls="Gemma2ForCausalLM",
                     overrides={"head_dim": 256, "query_pre_attn_scalar": 256,
                                "sliding_window": 6}),
    "gemma3": Family(config_cls="Gemma3TextConfig", model_cls="Gemma3ForCausalLM",
                     overrides={"head_dim": 256, "query_pre_attn_scalar": 256,
                                "sliding_window": 6, "num_hidden_layers": 6}),
    "phi3": Family(config_cls="Phi3Config", model_cls="Phi3ForCausalLM", overrides=PHI_IDS),
    "phi4-mini": Family(config_cls="Phi3Config", model_cls="Phi3ForCausalLM",
                        overrides={**PHI_IDS, "rope_parameters": PHI4_ROPE,
                                   "original_max_position_embeddings": 256,
                                   "max_position_embeddings": 1024, "tie_word_embeddings": True},
                        transformers_gap="its GGUF reader drops LongRoPE's factors and the "
                                         "partial rotary dimension"),
    "internlm2": Family(config_cls="LlamaConfig", model_cls="LlamaForCausalLM", internlm2=True,
                        transformers_gap="it has no GGUF reader for internlm2"),
    # Expert size 768: transformers' default, which its GGUF reader keeps whatever the file says.
    "qwen3-moe": Family(config_cls="Qwen3MoeConfig", model_cls="Qwen3MoeForCausalLM",
                        overrides={"head_dim": 128, "num_experts": 4, "num_experts_per_tok": 2,
                                   "moe_intermediate_size": 768, "norm_topk_prob": True}),
    "mixtral": Family(config_cls="MixtralConfig", model_cls="MixtralForCausalLM",
                      overrides={"num_local_experts": 4, "num_experts_per_tok": 2,
                                 "sliding_window": None},
                      transformers_gap="its GGUF reader takes a llama file with experts for a "
                                       "dense Llama (the experts left out)"),
}
TYPES = {"f32": None, "q8_0": "Q8_0", "q4_k_m": "Q4_K_M"}  # ours -> llama-quantize's name
PROMPTS = [[1, 17, 42, 99, 3], list(range(5, 300, 11)), [(i * 37) % 320 for i in range(24)]]
GREEDY = 16  # tokens llama.cpp and hanlin generate after each prompt
MESSAGES = [{"role": "user", "content": "Hi there"}]
CHAT_TOKENS = 8


# --- files ----------------------------------------------------------------------------------------

def build_hf(name: str, folder: Path) -> Path:
    """The family's random checkpoint (norms, routers and biases randomized too) and a
    tokenizer llama.cpp accepts."""
    from tests.families import build_checkpoint

    fam = FAMILIES[name]
    build_checkpoint(fam.config_cls, fam.model_cls, {**WIDE, **fam.overrides}, folder,
                     gemma=name.startswith("gemma"))
    llama_cpp.write_tokenizer(folder, WIDE["vocab_size"], CHATML)
    if fam.internlm2:  # the Llama it was made from stays beside it: the F32 file's reference
        from tests.engine.test_gguf_families import save_as_internlm2

        shutil.copytree(folder, folder / "llama", ignore=shutil.ignore_patterns("llama"))
        save_as_internlm2(folder)
    return folder


def tensor_types(path: Path) -> str:
    from engine.loaders.gguf import open_gguf

    counts = Counter(t.tensor_type.name for t in open_gguf(path).tensors)
    return ", ".join(f"{k} {n}" for k, n in counts.most_common())


# --- hanlin in this process -----------------------------------------------------------------------

def log_probs(model: torch.nn.Module, ids: list[int]) -> torch.Tensor:
    """[len(ids), vocab]: log-probabilities of the token after each position."""
    from engine.models import CausalAttention

    with torch.inference_mode():
        hidden = model(torch.tensor(ids), torch.arange(len(ids)), CausalAttention())
        return model.compute_logits(hidden).log_softmax(-1)


def greedy(model: torch.nn.Module, prompt: list[int], n: int) -> list[int]:
    ids = list(prompt)
    for _ in range(n):
        ids.append(int(log_probs(model, ids)[-1].argmax()))
    return ids[len(prompt):]


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:160]


# --- the checks -----------------------------------------------------------------------------------

def vs_transformers(path: Path, model: torch.nn.Module, fam: Family, hf: Path) -> str:
    """Max |Δ| of the prompt tokens' log-probabilities, hanlin against transformers (fp32,
    eager attention) loading the same file; where its GGUF reader loses a detail, an F32 file
    against the HF folder it was converted from (the same weights), a quantized one not at all."""
    from transformers import AutoModelForCausalLM

    if fam.transformers_gap and path.name.endswith("-f32.gguf"):
        source, kwargs, label = (hf / "llama" if fam.internlm2 else hf), {}, " (HF folder)"
    elif fam.transformers_gap:
        return "n/a"
    else:
        source, kwargs, label = path.parent, {"gguf_file": path.name}, ""
    try:
        ref = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32,
                                                   attn_implementation="eager", **kwargs).eval()
    except Exception as exc:  # noqa: BLE001 - the row says what transformers could not do
        return f"transformers fails: {one_line(exc)}"
    worst = 0.0
    for ids in PROMPTS:
        with torch.no_grad():
            want = ref(torch.tensor([ids])).logits[0].float().log_softmax(-1)
        got = log_probs(model, ids)
        target = torch.tensor(ids[1:])[:, None]
        diff = (got[:-1].gather(1, target) - want[:-1].gather(1, target)).abs().max()
        worst = max(worst, float(diff))
    return f"{worst:.1e}{label}"


@dataclass
class LlamaCppCheck:
    delta: float = 0.0  # max |Δ| of the log-probabilities llama.cpp gives its own tokens
    agree: int = 0  # steps where hanlin's greedy pick in llama.cpp's context is llama.cpp's
    leading: int = 0  # of them, the run from each prompt's start: hanlin's own greedy decode
    total: int = 0
    lead: float = 0.0  # the most hanlin preferred its own pick where the two differ
    notes: list[str] = field(default_factory=list)

    def cells(self) -> tuple[str, str]:
        greedy_cell = f"{self.agree}/{self.total} steps, {self.leading}/{self.total} leading"
        if self.agree < self.total:
            greedy_cell += f"; hanlin's lead where they differ ≤ {self.lead:.2g}"
        return f"{self.delta:.1e}", greedy_cell


def vs_llama_cpp(path: Path, model: torch.nn.Module, threads: int) -> LlamaCppCheck:
    """llama-server's greedy continuation of each prompt (token ids in, no prompt cache) and its
    log-probabilities, against hanlin's log-probabilities and greedy picks at each step of
    llama.cpp's continuation. Up to the first step they differ, hanlin's own greedy decode is
    llama.cpp's. An F32 KV cache and no flash attention, whose CPU kernel rounds to F16: an F32
    file's row is then the two programs' arithmetic alone (a llama: 2.7e-3 with it, 1.5e-5 not)."""
    out = LlamaCppCheck()
    server = llama_cpp.llama_server(path, threads=threads, ctx=256, cache_type="f32",
                                    flash_attn=False)
    try:
        for ids in PROMPTS:
            r = httpx.post(server.base + "/completion", timeout=300, json={
                "prompt": ids, "n_predict": GREEDY, "temperature": 0, "n_probs": 1,
                "cache_prompt": False, "return_tokens": True}).raise_for_status().json()
            if r["tokens_evaluated"] != len(ids):
                out.notes.append(f"llama.cpp evaluated {r['tokens_evaluated']} prompt tokens "
                                 f"for {len(ids)}")
            theirs = r["tokens"]
            if r.get("stop_type") == "eos":
                out.notes.append(f"llama.cpp stopped at an end-of-generation token after "
                                 f"{len(theirs)}")
            lp = log_probs(model, ids + theirs)[len(ids) - 1:-1]
            # Absent when every token ends inside a UTF-8 character.
            for k, logprob in _aligned(theirs, r.get("completion_probabilities", [])):
                out.delta = max(out.delta, abs(float(lp[k, theirs[k]]) - logprob))
            same = lp.argmax(-1) == torch.tensor(theirs)
            out.agree += int(same.sum())
            out.leading += int(same.cumprod(0).sum())
            out.total += len(theirs)
            if not same.all():
                leads = lp.max(-1).values - lp.gather(1, torch.tensor(theirs)[:, None])[:, 0]
                out.lead = max(out.lead, float(leads[~same].max()))
    finally:
        server.close()
    return out


def _aligned(tokens: list[int], probs: list[dict]) -> list[tuple[int, float]]:
    """(position, log-probability) of the tokens llama-server reports one for. It leaves out a
    token that ends inside a UTF-8 character, so its list is a subsequence of the tokens; and the
    entry of the token that follows such a gap need not be that step's (a Mixtral: -3.58 where
    the same context sent as a prompt gives -3.231, hanlin's), so those are left out too."""
    out, k = [], 0
    for p in probs:
        start = k
        while tokens[k] != p["id"]:
            k += 1
        if k == start:
            out.append((k, p["logprob"]))
        k += 1
    return out


def served_check(path: Path, model: torch.nn.Module, threads: int) -> str:
    """`hanlin serve --model FILE` (fp32): a greedy chat through the openai SDK, its tokens read
    back from the log-probabilities' bytes, against hanlin's greedy decode in this process."""
    import openai

    from engine.tokenizer import Tokenizer

    tok = Tokenizer.from_gguf(path)
    prompt = tok.encode(tok.apply_chat_template(MESSAGES, add_generation_prompt=True),
                        add_special_tokens=False)
    want = greedy(model, prompt, CHAT_TOKENS)
    by_bytes = {tok.id_to_bytes(i): i for i in range(WIDE["vocab_size"])}
    server = hanlin_serve("--model", str(path), threads=threads)
    try:
        with openai.OpenAI(base_url=server.base + "/v1", api_key="unused") as client:
            (name,) = [m.id for m in client.models.list().data if not m.id.startswith("ft:")]
            answer = client.chat.completions.create(
                model=name, messages=MESSAGES, temperature=0, max_tokens=CHAT_TOKENS,
                logprobs=True, extra_body={"ignore_eos": True})
    finally:
        server.close()
    got = [by_bytes.get(bytes(t.bytes), -1) for t in answer.choices[0].logprobs.content]
    if got == want:
        return f"yes ({len(got)}/{CHAT_TOKENS} tokens)"
    return f"no: served {got}, in process {want}"


@dataclass
class Row:
    family: str
    qtype: str
    types: str = ""
    hanlin: str = "loads"
    transformers: str = "-"
    llama_delta: str = "-"
    llama_greedy: str = "-"
    served: str = "-"
    notes: list[str] = field(default_factory=list)


def check_file(name: str, qtype: str, path: Path, threads: int) -> Row:
    from engine.loaders import load_checkpoint

    row = Row(name, qtype, types=tensor_types(path))
    try:
        _, model = load_checkpoint(path)
    except Exception as exc:  # noqa: BLE001 - a refused file is a row, not a crash
        row.hanlin = f"refused: {one_line(exc)}"
        return row
    row.transformers = vs_transformers(path, model, FAMILIES[name], path.parents[1] / "hf")
    try:
        check = vs_llama_cpp(path, model, threads)
        row.llama_delta, row.llama_greedy = check.cells()
        row.notes += check.notes
    except Exception as exc:  # noqa: BLE001
        row.llama_greedy = f"error: {one_line(exc)}"
    try:
        row.served = served_check(path, model, threads)
    except Exception as exc:  # noqa: BLE001
        row.served = f"error: {one_line(exc)}"
    return row


def make_files(name: str, types: list[str], work: Path, threads: int) -> dict[str, Path]:
    """The family's HF folder converted by llama.cpp (f32) and quantized to each type, each file
    in a folder of its own (transformers reads `gguf_file` from a folder)."""
    hf = build_hf(name, work / name / "hf")
    f32 = llama_cpp.convert(hf, _dir(work / name / "f32") / f"{name}-f32.gguf", "f32")
    files = {}
    for qtype in types:
        if TYPES[qtype] is None:
            files[qtype] = f32
        else:
            out = _dir(work / name / qtype) / f"{name}-{qtype}.gguf"
            files[qtype] = llama_cpp.quantize(f32, out, TYPES[qtype], threads)
    return files


def _dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def print_table(rows: list[Row], threads: int) -> None:
    import transformers

    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\nGGUF families through llama.cpp's converter and llama-quantize ({now}, "
          f"{platform.machine()}, {threads} threads); llama.cpp {llama_cpp.version()}, "
          f"transformers {transformers.__version__}. Δ: max |difference| of log-probabilities "
          f"(prompt tokens for transformers, llama.cpp's {GREEDY} greedy tokens a prompt for "
          f"llama-server, F32 KV cache, no flash attention); greedy picks: hanlin's argmax at each step of "
          f"llama.cpp's greedy continuations of {len(PROMPTS)} prompts, and the leading run of "
          f"them (hanlin's own greedy decode).\n")
    head = ["family", "type", "tensor types", "hanlin", "Δ vs transformers", "Δ vs llama.cpp",
            "greedy picks = llama.cpp's", "served via SDK = in-process greedy"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        cells = [r.family, r.qtype, r.types, r.hanlin, r.transformers, r.llama_delta,
                 r.llama_greedy, r.served]
        print("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    notes = [f"{name}: transformers is no reference for its GGUF files: {fam.transformers_gap}; "
             "the F32 file is compared with the HF folder it was converted from"
             for name, fam in FAMILIES.items()
             if fam.transformers_gap and name in {r.family for r in rows}]
    notes += [f"{r.family} {r.qtype}: {n}" for r in rows for n in r.notes]
    if notes:
        print("\n" + "\n".join(f"- {n}" for n in notes))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", default=",".join(FAMILIES),
                    help=f"comma-separated, of: {', '.join(FAMILIES)}")
    ap.add_argument("--types", default="f32,q8_0,q4_k_m", help=f"comma-separated, of: {', '.join(TYPES)}")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="build the files in this folder and keep them")
    args = ap.parse_args()
    names, types = args.families.split(","), args.types.split(",")
    unknown = [n for n in names if n not in FAMILIES] + [t for t in types if t not in TYPES]
    if unknown:
        ap.error(f"unknown: {', '.join(unknown)}")
    if why := llama_cpp.missing():
        sys.exit(f"gguf_families: {why}")
    torch.set_num_threads(args.threads)
    work = args.keep or Path(tempfile.mkdtemp(prefix="hanlin-gguf-families-"))
    rows = []
    try:
        for name in names:
            try:
                files = make_files(name, types, work, args.threads)
            except Exception as exc:  # noqa: BLE001 - a family llama.cpp cannot make is a row
                rows += [Row(name, t, hanlin=f"no file: {one_line(exc)}") for t in types]
                continue
            for qtype in types:
                rows.append(check_file(name, qtype, files[qtype], args.threads))
                print(f"{name} {qtype}: done", file=sys.stderr, flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows, args.threads)


if __name__ == "__main__":
    main()
