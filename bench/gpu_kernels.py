"""GPU timings for issue 3, run by bench/gpu.sh: the Triton int4 GEMM / GEMV against bf16
`torch.mm`, and the Triton int8 paged decode against bf16 SDPA, on the same shapes.

    python3 bench/gpu_kernels.py [--results bench/RESULTS.md]
    TRITON_INTERPRET=1 python3 bench/gpu_kernels.py --smoke     # the script itself, on CPU

Every time is a median over CUDA-graph replays of one call per copy of the inputs, divided by the
copies: enough copies that they overflow L2 three times, so weights and caches stream from HBM as
they do in serving, and launch gaps are the graph's, not Python's. Each kernel's output is checked
against its reference (relative L2 error) before it is timed. --smoke: tiny shapes on the CPU
under Triton's interpreter, wall-clock timed (the numbers mean nothing; the tables' code runs).
"""
# The timed lambdas run inside the loop iteration that made them: late binding is harmless.
# ruff: noqa: B023

from __future__ import annotations

import argparse
import math
import platform
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
import triton
import triton.testing

from engine.quant.int4 import dequantize_int4, quantize_int4
from engine.quant.int8_paged_attention import int8_paged_decode_reference
from engine.quant.kv_int8 import dequantize_kv, quantize_kv
from engine.quant.triton_int4 import GEMV_MAX_M, gemv_split_k, int4_matmul, pack_for_triton
from engine.quant.triton_paged_attention import decode_splits, int8_paged_decode, tile_blocks

BEGIN, END = "<!-- bench/gpu.sh: begin -->", "<!-- bench/gpu.sh: end -->"
MAX_COPIES = 256

# (name, N, K, group): the default model's fused projections (group 32, its Q4_1 import) and a
# 7B model's (InternLM2-7B: 32 query / 8 KV heads of 128, FFN 14336; group 128, as AWQ / GPTQ).
LINEARS = [("135M q|k|v", 960, 576, 32), ("135M gate|up", 3072, 576, 32),
           ("135M down", 576, 1536, 32), ("7B q|k|v", 6144, 4096, 128),
           ("7B gate|up", 28672, 4096, 128), ("7B down", 4096, 14336, 128)]
ROWS = [1, 4, 16, 64, 256]
# (name, query heads, KV heads, head dim): decode attention, block size 16.
ATTENTION = [("135M", 9, 3, 64), ("7B", 32, 8, 128)]
BATCHES, CONTEXTS = [1, 8, 32], [1024, 4096]


def rel_err(got: torch.Tensor, want: torch.Tensor) -> float:
    got, want = got.double(), want.double()
    if not torch.isfinite(got).all():
        return math.inf
    return ((got - want).norm() / want.norm()).item()


class Timer:
    """Microseconds per call of fn over its input copies: CUDA-graph replays on a GPU; on the
    CPU (smoke) wall-clock over a few calls."""

    def __init__(self, device: torch.device, l2_bytes: int) -> None:
        self.device, self.l2_bytes = device, l2_bytes

    def copies(self, bytes_per_call: int) -> int:
        if self.device.type != "cuda":
            return 1
        return max(1, min(MAX_COPIES, math.ceil(3 * self.l2_bytes / max(bytes_per_call, 1))))

    def us(self, calls: list[Callable[[], object]]) -> float:
        def run() -> None:
            for call in calls:
                call()

        if self.device.type != "cuda":
            run()
            times = []
            for _ in range(3):
                start = time.perf_counter()
                run()
                times.append(time.perf_counter() - start)
            return statistics.median(times) * 1e6 / len(calls)
        run()  # compile and warm up outside the capture
        torch.cuda.synchronize()
        ms = triton.testing.do_bench_cudagraph(run, rep=50, return_mode="median")
        return ms * 1e3 / len(calls)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if i else "---"
                                                               for i in range(len(header))) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def copy_bandwidth(device: torch.device) -> float:
    """GB/s of a device-to-device copy, bytes read plus written (the memory ceiling)."""
    n = (1 << 30) if device.type == "cuda" else (1 << 20)
    src = torch.randn(n // 4, device=device)
    dst = torch.empty_like(src)
    if device.type != "cuda":
        start = time.perf_counter()
        dst.copy_(src)
        return 2 * n / (time.perf_counter() - start) / 1e9
    ms = triton.testing.do_bench(lambda: dst.copy_(src), return_mode="median")
    return 2 * n / (ms * 1e-3) / 1e9


def int4_weight(timer: Timer, n: int, k: int, group: int, act: torch.dtype):
    """A random [n, k] weight rounded to int4: (the weight, its bytes packed with fp16 scales and
    zeros, enough packed copies on the device to overflow L2)."""
    q = quantize_int4(torch.randn(n, k, generator=torch.Generator().manual_seed(0)) * 0.02, group)
    int4_bytes = n * k // 2 + 2 * (n * k // group) * 2
    return q, int4_bytes, [pack_for_triton(q, act, timer.device)
                           for _ in range(timer.copies(int4_bytes))]


def sweep(timer: Timer, x: torch.Tensor, packed, configs: list[dict]) -> dict[tuple, float]:
    """int4_matmul's time for each set of block sizes, keyed by their values."""
    return {tuple(c.values()): timer.us([lambda p=p: int4_matmul(x, p, **c) for p in packed])
            for c in configs}


def bench_linears(timer: Timer, linears, rows, act: torch.dtype) -> tuple[str, list[str]]:
    dev = timer.device
    out, notes = [], []
    for name, n, k, group in linears:
        q, int4_bytes, packed = int4_weight(timer, n, k, group, act)
        w_eff = dequantize_int4(q).to(dev, act)  # the bf16 baseline multiplies the same weight
        dense = [w_eff.clone() for _ in range(timer.copies(w_eff.numel() * w_eff.element_size()))]
        for m in rows:
            x = torch.randn(m, k, device=dev).to(act)
            err = rel_err(int4_matmul(x, packed[0]), x.double() @ w_eff.double().T)
            t_int4 = timer.us([lambda p=p: int4_matmul(x, p) for p in packed])
            t_bf16 = timer.us([lambda d=d: torch.mm(x, d.T) for d in dense])
            kind = f"GEMV, {gemv_split_k(n, k, 128, 128, dev)} K splits" if m <= GEMV_MAX_M \
                else "GEMM"
            out.append([name, f"{n} x {k}", str(group), str(m), kind, f"{t_int4:.1f}",
                        f"{t_bf16:.1f}", f"{t_bf16 / t_int4:.2f}x",
                        f"{int4_bytes / t_int4 / 1e3:.0f}", f"{err:.1e}"])
            if err > 2e-2:
                notes.append(f"{name} M={m}: relative error {err:.1e} over 2e-2")
    header = ["weight", "N x K", "group", "M", "kernel", "int4 Triton us", f"{act_name(act)} mm us",
              f"{act_name(act)} / int4", "int4 weight GB/s", "rel. error"]
    return table(header, out), notes


def bench_gemv_configs(timer: Timer, linears, act: torch.dtype) -> str:
    """M = 1 over (block_n, block_k) with the default K split, against the default 128 x 128."""
    out = []
    for name, n, k, group in linears:
        _, int4_bytes, packed = int4_weight(timer, n, k, group, act)
        x = torch.randn(1, k, device=timer.device).to(act)
        results = sweep(timer, x, packed, [
            {"block_n": bn, "block_k": bk}
            for bn, bk in [(128, 128), (64, 128), (128, 64), (64, 256), (128, 256), (256, 64)]])
        best = min(results, key=results.get)
        out.append([name, f"{results[(128, 128)]:.1f}", f"{best[0]} x {best[1]}",
                    f"{results[best]:.1f}", f"{int4_bytes / results[best] / 1e3:.0f}"])
    return table(["weight", "default 128 x 128 us", "best block_n x block_k", "best us",
                  "best GB/s"], out)


def bench_gemm_configs(timer: Timer, linears, m: int, act: torch.dtype) -> str:
    out = []
    for name, n, k, group in linears:
        _, _, packed = int4_weight(timer, n, k, group, act)
        x = torch.randn(m, k, device=timer.device).to(act)
        results = sweep(timer, x, packed, [
            {"block_m": bm, "block_n": bn, "block_k": bk}
            for bm, bn, bk in [(64, 64, 64), (64, 128, 64), (128, 128, 64), (128, 64, 64),
                               (64, 128, 128), (128, 128, 128), (128, 256, 64)]])
        best = min(results, key=results.get)
        out.append([name, str(m), f"{results[(64, 64, 64)]:.1f}", " x ".join(map(str, best)),
                    f"{results[best]:.1f}"])
    return table(["weight", "M", "default 64 x 64 x 64 us", "best block_m x n x k", "best us"],
                 out)


def _int8_cache(n_kv: int, num_blocks: int, d: int, dev: torch.device, g: torch.Generator):
    parts = []
    for _ in range(2):
        q, s = quantize_kv(torch.randn(num_blocks * 16, n_kv, d, generator=g) * 2, torch.float32)
        parts += [q.view(num_blocks, 16, n_kv, d).permute(2, 0, 1, 3).contiguous().to(dev),
                  s.view(num_blocks, 16, n_kv).permute(2, 0, 1).contiguous().to(dev)]
    return parts  # k, k_scale, v, v_scale


def sdpa_bf16(q, k, v, gqa: bool):
    if gqa:
        return F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    return F.scaled_dot_product_attention(q, k, v)


def bench_attention(timer: Timer, shapes, batches, contexts, act) -> tuple[str, list[str]]:
    dev = timer.device
    out, notes = [], []
    for name, hq, hkv, d in shapes:
        for b in batches:
            for ctx in contexts:
                g = torch.Generator().manual_seed(b * ctx)
                blocks = b * ctx // 16
                int8_bytes = 2 * blocks * 16 * hkv * (d + 4)
                caches = [_int8_cache(hkv, blocks, d, dev, g)
                          for _ in range(timer.copies(int8_bytes))]
                # Each sequence's blocks scattered over the pool, as the block manager leaves them.
                table_ = torch.randperm(blocks, generator=g).view(b, -1).to(dev, torch.int32)
                lens = torch.full((b,), ctx, dtype=torch.int32, device=dev)
                q = torch.randn(b, hq, d, generator=g).to(dev, act)
                k, ks, v, vs = caches[0]
                want = int8_paged_decode_reference(q.float(), k, v, ks, vs, table_, lens)
                err = rel_err(int8_paged_decode(q, k, v, ks, vs, table_, lens), want)
                splits = decode_splits(b, hkv, -(-table_.shape[1] // tile_blocks(16)), dev)
                t_auto = timer.us([lambda c=c: int8_paged_decode(q, c[0], c[2], c[1], c[3], table_,
                                                                 lens) for c in caches])
                t_one = timer.us([lambda c=c: int8_paged_decode(
                    q, c[0], c[2], c[1], c[3], table_, lens, num_splits=1) for c in caches])
                # bf16 SDPA over the same (dequantized) keys and values, contiguous per sequence.
                bf16_bytes = 2 * b * ctx * hkv * d * 2
                dense = []
                for c in caches[: timer.copies(bf16_bytes)]:
                    kd, vd = (contiguous_kv(c[i], c[i + 1], table_, act) for i in (0, 2))
                    dense.append((kd, vd))
                qs = q.view(b, hq, 1, d)
                sd = {}
                for gqa in (True, False):
                    try:
                        kv = dense if gqa else [(kd.repeat_interleave(hq // hkv, 1),
                                                 vd.repeat_interleave(hq // hkv, 1))
                                                for kd, vd in dense]
                        sdpa_err = rel_err(sdpa_bf16(qs, *kv[0], gqa).view(b, hq, d), want)
                        if sdpa_err > 2e-2:
                            notes.append(f"SDPA gqa={gqa} {name} B={b} ctx={ctx}: "
                                         f"error {sdpa_err:.1e}")
                        sd[gqa] = timer.us([lambda kv_=kv_: sdpa_bf16(qs, *kv_, gqa)
                                            for kv_ in kv])
                    except RuntimeError as exc:  # an SDPA backend without GQA, say
                        notes.append(f"SDPA gqa={gqa} {name} B={b} ctx={ctx}: {exc}"[:200])
                best_gqa = min(sd, key=sd.get)
                t_sdpa = sd[best_gqa]
                out.append([name, f"{hq}/{hkv}x{d}", str(b), str(ctx), str(splits),
                            f"{t_auto:.1f}", f"{t_one:.1f}",
                            f"{t_sdpa:.1f} ({'GQA' if best_gqa else 'expanded'})",
                            f"{t_sdpa / t_auto:.2f}x", f"{int8_bytes / t_auto / 1e3:.0f}",
                            f"{bf16_bytes / t_sdpa / 1e3:.0f}", f"{err:.1e}"])
                if err > 2e-2:
                    notes.append(f"int8 decode {name} B={b} ctx={ctx}: relative error {err:.1e}")
    header = ["model", "heads q/kv x dim", "batch", "context", "KV splits", "int8 Triton us",
              "int8 Triton 1 split us", "bf16 SDPA us", "SDPA / int8", "int8 KV GB/s",
              "bf16 SDPA KV GB/s", "rel. error"]
    return table(header, out), notes


def contiguous_kv(cache, scale, table_, dtype) -> torch.Tensor:
    """A paged int8 cache gathered and dequantized to a contiguous [B, n_kv, L, D] tensor."""
    t = table_.long()
    return dequantize_kv(cache[:, t], scale[:, t], dtype).flatten(2, 3).transpose(0, 1).contiguous()


def act_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def splice(results: Path, section: str) -> None:
    """Replace the section between the markers in results (appending it the first time)."""
    text = results.read_text() if results.exists() else ""
    block = f"{BEGIN}\n{section.rstrip()}\n{END}"
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text,
                      flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    results.write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", type=Path, help="splice the tables into this markdown file")
    ap.add_argument("--smoke", action="store_true", help="tiny shapes on CPU (TRITON_INTERPRET=1)")
    args = ap.parse_args()
    torch.manual_seed(0)
    if args.smoke:
        dev, l2, act = torch.device("cpu"), 0, torch.float32
        linears, rows = [("tiny", 64, 256, 32), ("tiny g128", 48, 256, 128)], [1, 5]
        shapes, batches, contexts = [("tiny", 4, 2, 16)], [1, 3], [64]
        gemm_m = 5
    else:
        if not torch.cuda.is_available():
            raise SystemExit("no CUDA device: run with --smoke under TRITON_INTERPRET=1 instead")
        dev, act = torch.device("cuda"), torch.bfloat16
        l2 = torch.cuda.get_device_properties(dev).L2_cache_size
        linears, rows, shapes, batches, contexts = LINEARS, ROWS, ATTENTION, BATCHES, CONTEXTS
        gemm_m = 256
    timer = Timer(dev, l2)
    if dev.type == "cuda":
        props = torch.cuda.get_device_properties(dev)
        where = (f"{props.name}, {props.multi_processor_count} SMs, L2 {l2 >> 20} MiB, "
                 f"{props.total_memory / 2**30:.0f} GiB")
    else:
        where = f"CPU ({platform.machine()}) under the Triton interpreter: smoke run, times meaningless"
    bw = copy_bandwidth(dev)
    head = (f"### GPU kernels ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"`bash bench/gpu.sh`)\n\n{where}; torch {torch.__version__}, triton "
            f"{triton.__version__}; device-to-device copy {bw:.0f} GB/s (read + write), the "
            f"memory ceiling. Times in microseconds per call, medians of CUDA-graph replays over "
            f"input copies that overflow L2 three times; activations {act_name(act)}.")
    print(head, flush=True)
    lin, notes = bench_linears(timer, linears, rows, act)
    print(lin, flush=True)
    gemv = bench_gemv_configs(timer, [x for x in linears if x[2] >= 1024] or linears, act)
    print(gemv, flush=True)
    gemm = bench_gemm_configs(timer, [x for x in linears if x[2] >= 1024] or linears, gemm_m, act)
    print(gemm, flush=True)
    att, att_notes = bench_attention(timer, shapes, batches, contexts, act)
    print(att, flush=True)
    notes += att_notes
    section = "\n\n".join([
        head,
        "**int4 weight-only linear (Triton dequant-GEMV / GEMM) vs the dense matmul on the same "
        "dequantized weight.** `int4 weight GB/s`: packed nibbles + fp16 scales and zeros over the "
        "int4 time.", lin,
        "**GEMV block sizes at M = 1** (the default K split each):", gemv,
        "**GEMM block sizes** (block_k capped at the group size):", gemm,
        "**int8 paged decode attention (Triton, block size 16, scattered blocks) vs bf16 SDPA** "
        "over the same keys and values, contiguous per sequence (torch's choice of SDPA backend; "
        "the faster of GQA and expanded KV heads). `KV splits`: `decode_splits`' choice "
        "(flash-decoding, tiles of 64 tokens); `KV GB/s`: cache bytes read over the time.", att,
        "Checks outside tolerance: " + ("; ".join(notes) if notes else "none."),
    ])
    if args.results:
        splice(args.results, section)
        print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
