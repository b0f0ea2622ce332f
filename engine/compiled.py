"""Decode steps through `torch.compile` (inductor's C++ backend): opt-in, `EngineConfig.compile`
or `HANLIN_COMPILE=1`.

On 2 CPU cores a 30-layer decode step of a small model is as much Python and small-op dispatch
as matmul: eager runs ~25 ops a layer one by one. Compiled, each layer's norms, RoPE, KV write,
attention and SwiGLU become a few fused C++ loops around the matmuls. Only steps where every
row is a decode row and no row uses a LoRA adapter take the compiled path (the steady state of
a busy server); prefill chunks, prompt log-probabilities and adapters stay eager, so the
compiled graph sees one shape family: batch B and padded context L, both symbolic. With an int8
KV cache the gather of the int8 blocks, their conversion and the scale folding fuse too.

The eager model is the reference: `tests/engine/test_compiled.py` compares the two. Compiling
costs 1.5-6 minutes on 2 cores, int8 KV the longest, less when inductor's on-disk cache
(`TORCHINDUCTOR_CACHE_DIR`) already holds the kernels. The engine does not wait for it: `start`
compiles in a background thread over a scratch cache of its own, steps run eager meanwhile, and
the runner takes the compiled step from the first step after it is `ready`.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
import types
from collections.abc import Iterator

import torch
import torch.fx.experimental._config
from torch import Tensor

from engine.lora import lora_context
from engine.models.attention import Attention
from engine.models.llama import LlamaForCausalLM
from engine.paged_attention import KVCache, PagedAttention, SeqSlice
from engine.quant import Int8KVCache, Int8PagedAttention

log = logging.getLogger("hanlin.engine")

COMPILE_SWITCH_INTERVAL_S = 0.0002  # the GIL's switch interval while compiling (default 0.005)
_compiling = 0  # compile threads running (several pooled engines may compile at once)
_compiling_lock = threading.Lock()
_saved_interval = 0.0


@contextlib.contextmanager
def _short_switch_interval() -> Iterator[None]:
    """Tracing is pure Python: holding the GIL for the default 5 ms at a time, it makes an engine
    thread wait that long for each of the hundreds of ops an eager step dispatches. While any
    compile runs, the process-wide interval is short; the last one to finish restores it."""
    global _compiling, _saved_interval
    with _compiling_lock:
        if _compiling == 0:
            _saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(COMPILE_SWITCH_INTERVAL_S)
        _compiling += 1
    try:
        yield
    finally:
        with _compiling_lock:
            _compiling -= 1
            if _compiling == 0:
                sys.setswitchinterval(_saved_interval)


class CompiledDecode:
    """The decoder layers and final norm of `model`, compiled once for decode batches."""

    def __init__(self, model: LlamaForCausalLM) -> None:
        self.model = model
        # The first LoRA adapter's load swaps the projections for LoraLinear wrappers; do it now,
        # so that the traced modules are the ones every later step finds (with no adapter rows
        # a wrapper is its base layer; rows with adapters run eager).
        lora_context(model)
        self.calls = 0  # decode steps it ran (tests check the compiled path was taken)
        self.state = "building"  # then "ready", or "failed" (the steps stay eager)
        self._ready = threading.Event()
        # No "equal sizes are one symbol" guesses: the batch and the table width may match once.
        torch.fx.experimental._config.use_duck_shape = False
        # Dynamo keeps compiled code (and its guards) on the function's code object: a copy of
        # it per instance keeps two models' graphs apart, so the guards on the modules'
        # attributes — thousands, re-checked every step, ~1.5 ms at batch 1 — can be dropped:
        # nothing changes a served model's modules after this (adapters run eager).
        code = LlamaForCausalLM.decode_layers.__code__.replace()
        fn = types.FunctionType(code, LlamaForCausalLM.decode_layers.__globals__, code.co_name)
        self._fn = torch.compile(
            types.MethodType(fn, model), dynamic=True, fullgraph=True,
            options={"guard_filter_fn": torch.compiler.skip_guard_on_all_nn_modules_unsafe,
                     # Inductor re-checks every buffer's size and stride on each call (~600 at
                     # batch 1): 0.3-0.4 ms of a 6 ms step, measured. The guards that remain
                     # cover the inputs that vary; the modules' tensors do not change.
                     **dict.fromkeys(("size_asserts", "alignment_asserts", "scalar_asserts"),
                                     False)})

    def __call__(self, input_ids: Tensor, positions: Tensor, attention: Attention) -> Tensor:
        """The same as `model(input_ids, positions, attention)` for an all-decode batch."""
        self.calls += 1
        # Embedding and RoPE eager: the RoPE table lookup reads a position as an int.
        return self._fn(*self.model.embed(input_ids, positions), attention)

    @property
    def ready(self) -> bool:
        """Compiled for both batch shapes: the runner may take this step."""
        return self._ready.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until `ready` (or `timeout` seconds); whether it is."""
        return self._ready.wait(timeout)

    def start(self, scratch: KVCache) -> threading.Thread:
        """Compile in a daemon thread, over `scratch` (a small cache of the served cache's kind
        that no sequence uses: the sizes are symbolic, so the graphs fit the served cache)."""
        thread = threading.Thread(target=self._build, args=(scratch,), daemon=True,
                                  name="hanlin-compile")
        thread.start()
        return thread

    def _build(self, scratch: KVCache) -> None:
        with _short_switch_interval():
            try:
                self.warm_up(scratch)
            except Exception:  # noqa: BLE001 - a failed compile leaves the engine eager, not down
                self.state = "failed"
                log.exception("compiling the decode step failed: decode steps stay eager")

    @torch.inference_mode()
    def warm_up(self, cache: KVCache) -> float:
        """Compile both graphs, batch 1 and batch >= 2 (torch specializes sizes of 1; the block
        table is never narrower than 2), by decode steps over the first blocks of `cache`, which
        no sequence may use meanwhile (`start`'s scratch cache). Then `ready`. Returns seconds."""
        started = time.perf_counter()
        paged = Int8PagedAttention if isinstance(cache, Int8KVCache) else PagedAttention
        bs = cache.block_size
        for batch, ctx in ((3, 2 * bs + 5), (1, bs + 1)):
            blocks = -(-ctx // bs)
            if batch * blocks > cache.num_blocks:
                continue
            seqs = [SeqSlice(i, 1, ctx, list(range(i * blocks, (i + 1) * blocks)))
                    for i in range(batch)]
            slots = torch.tensor([s.block_ids[-1] * bs + (ctx - 1) % bs for s in seqs])
            ids = torch.zeros(batch, dtype=torch.long)
            self(ids, torch.full((batch,), ctx - 1), paged(cache, seqs, slots))
        seconds = time.perf_counter() - started
        self.state = "ready"
        self._ready.set()
        log.info("compiled the decode step in %.1f s", seconds)
        return seconds
