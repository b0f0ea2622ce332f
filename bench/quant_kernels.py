"""Kernel timings for issue 3 on this CPU (2 threads): int4pack vs bf16/fp32 linears, Q8_0 head
options, int8 paged decode; accuracy of the int4 sources on real text. Prints tables.

    .venv/bin/python bench/quant_kernels.py
"""
# The timed lambdas run inside the loop iteration that made them: late binding is harmless.
# ruff: noqa: B023

import copy
import importlib.metadata as md
import statistics
import time

import torch
import torch.nn.functional as F

from engine.loaders import load_checkpoint
from engine.loaders.default_model import default_model_path
from engine.models import CausalAttention
from engine.packed_linear import PackedLinear
from engine.paged_attention import KVCache, PagedAttention, SeqSlice
from engine.quant.cpu_int4 import cpu_int4_mm, pack_for_cpu
from engine.quant.int4 import quantize_int4
from engine.quant.int8_linear import Int8Linear, quantize_int8_per_channel
from engine.quant.int8_paged_attention import Int8PagedAttention
from engine.quant.kv_int8 import Int8KVCache
from engine.quant.quantize import quantize_head_int8, quantize_model
from engine.tokenizer import Tokenizer

torch.set_num_threads(2)


def bench(f, reps=7, inner=20):
    for _ in range(3):
        f()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(inner):
            f()
        times.append((time.perf_counter() - t) / inner * 1e3)
    return statistics.median(times)


@torch.inference_mode()
def linears():
    print("## int4pack (bf16 activations) vs dense linears, ms per call, median")
    print("| N x K | g | M | int4 bf16 | int4 fp32 (exact) | bf16 F.linear | bf16 oneDNN | fp32 oneDNN |")
    for n, k in [(576, 576), (192, 576), (1536, 576), (576, 1536)]:
        w = torch.randn(n, k) * 0.05
        lin = torch.nn.Linear(k, n, bias=False)
        lin.weight.data = w
        lin_bf = copy.deepcopy(lin).bfloat16()
        pk32, pkbf = PackedLinear(lin), PackedLinear(lin_bf)
        for g in (32, 64, 128):
            if k % g:
                continue
            q = quantize_int4(w, g)
            pb, szb = pack_for_cpu(q, torch.bfloat16)
            pf, szf = pack_for_cpu(q, torch.float32)
            for m in (1, 32):
                x = torch.randn(m, k)
                xb = x.bfloat16()
                row = [bench(lambda: cpu_int4_mm(xb, pb, g, szb)),
                       bench(lambda: cpu_int4_mm(x, pf, g, szf), reps=3, inner=3) if g == 32 else float("nan"),
                       bench(lambda: F.linear(xb, lin_bf.weight)), bench(lambda: pkbf(xb)), bench(lambda: pk32(x))]
                print(f"| {n}x{k} | {g} | {m} | " + " | ".join(f"{t:.3f}" for t in row) + " |")


@torch.inference_mode()
def head():
    print("\n## Q8_0 tied head 49152x576, ms per call, median")
    w = torch.randn(49152, 576) * 0.05
    q, s = quantize_int8_per_channel(w)
    lin = torch.nn.Linear(576, 49152, bias=False)
    lin.weight.data = w
    lin_bf = copy.deepcopy(lin).bfloat16()
    i8 = Int8Linear(q, s, torch.bfloat16)
    pk32, pkbf = PackedLinear(lin), PackedLinear(lin_bf)
    print("| M | int8pack bf16 | bf16 F.linear | bf16 oneDNN | fp32 oneDNN |")
    for m in (1, 8, 32):
        x = torch.randn(m, 576)
        xb = x.bfloat16()
        row = [bench(lambda: i8(xb), inner=5), bench(lambda: F.linear(xb, lin_bf.weight), inner=5),
               bench(lambda: pkbf(xb), inner=5), bench(lambda: pk32(x), inner=5)]
        print(f"| {m} | " + " | ".join(f"{t:.2f}" for t in row) + " |")


@torch.inference_mode()
def paged_decode():
    print("\n## paged decode, one layer (9 heads / 3 KV heads x 64), B sequences of ctx tokens, ms")
    print("| B | ctx | fp32 cache PagedAttention | int8 cache Int8PagedAttention (torch) |")
    for b, ctx in [(1, 512), (32, 512)]:
        nb = -(-ctx // 16)
        dims = dict(num_layers=1, num_blocks=b * nb + 1, block_size=16, num_kv_heads=3, head_dim=64)
        c32, c8 = KVCache(**dims, dtype=torch.float32), Int8KVCache(**dims)
        k = torch.randn(dims["num_blocks"] * 16, 3, 64)
        c32.k[0].view(3, -1, 64).copy_(k.transpose(0, 1))  # heads-first layout
        c32.v[0].view(3, -1, 64).copy_(k.transpose(0, 1))
        c8.write(0, torch.arange(k.shape[0]), k, k)
        seqs = [SeqSlice(i, 1, ctx, list(range(i * nb, (i + 1) * nb))) for i in range(b)]
        slots = torch.tensor([s.block_ids[-1] * 16 + (ctx - 1) % 16 for s in seqs])
        q, kv = torch.randn(b, 9, 64), torch.randn(b, 3, 64)
        t32 = bench(lambda: PagedAttention(c32, seqs, slots)(0, q, kv, kv), inner=5)
        t8 = bench(lambda: Int8PagedAttention(c8, seqs, slots)(0, q, kv, kv), inner=5)
        print(f"| {b} | {ctx} | {t32:.2f} | {t8:.2f} |")


@torch.inference_mode()
def accuracy():
    print("\n## accuracy on real text (package long descriptions), fp32 model unless noted")
    path = default_model_path()
    tok = Tokenizer.from_gguf(path)
    text = md.metadata("httpx").get_payload() + md.metadata("ftfy").get_payload()
    ids = torch.tensor(tok.encode(text))[:1024]
    calib = [torch.tensor(tok.encode(md.metadata("datasketch").get_payload()))[:512]]
    pos = torch.arange(len(ids))

    def run(model):
        logits = model.compute_logits(model(ids, pos, CausalAttention()))
        return logits, torch.exp(F.cross_entropy(logits[:-1], ids[1:])).item()

    _, base = load_checkpoint(path, torch.float32)
    ref, ppl_ref = run(base)
    print(f"| variant | ppl | rel | argmax agreement | ({len(ids)} tokens) |")
    print(f"| fp32 dequantized GGUF (reference) | {ppl_ref:.4f} | 0 | 1 |")
    variants = {
        "int4 from Q4_1, bf16 act (fast path)": dict(source_gguf=path),
        "int4 RTN g32 of the dequantized Q4_1": dict(group=32),
        "int4 RTN g64": dict(group=64),
        "int4 AWQ g64 (512 calib tokens, other text)": dict(group=64, calibration=calib),
        "int4 RTN g128 (down_proj only, others skipped)": dict(group=128, skip_unsupported=True),
        "int4 AWQ g128 (down_proj only)": dict(group=128, skip_unsupported=True, calibration=calib),
    }
    for name, kw in variants.items():
        _, model = load_checkpoint(path, torch.float32)
        quantize_model(model, act_dtype=torch.bfloat16, **kw)
        logits, ppl = run(model)
        agree = (logits.argmax(-1) == ref.argmax(-1)).float().mean().item()
        print(f"| {name} | {ppl:.4f} | {ppl / ppl_ref - 1:+.4%} | {agree:.3f} |")
    _, model = load_checkpoint(path, torch.float32)
    quantize_head_int8(model, torch.bfloat16)
    logits, ppl = run(model)
    agree = (logits.argmax(-1) == ref.argmax(-1)).float().mean().item()
    print(f"| Q8_0 head+embedding requantized per row, int8pack bf16 | {ppl:.4f} | {ppl / ppl_ref - 1:+.4%} | {agree:.3f} |")


if __name__ == "__main__":
    linears()
    head()
    paged_decode()
    accuracy()
