"""Decode steps through `torch.compile` (inductor's C++ backend), ahead of time and cached on
disk: on by default in `hanlin serve` (`EngineConfig.compile`; `--no-compile`, HANLIN_COMPILE=0).

On 2 CPU cores a 30-layer decode step of a small model is as much Python and small-op dispatch
as matmul: eager runs ~25 ops a layer one by one. Compiled, each layer's norms, RoPE, KV write,
attention and SwiGLU become a few fused C++ loops around the matmuls. Only steps where every
row is a decode row and no row uses a LoRA adapter take the compiled path (the steady state of
a busy server); prefill chunks, prompt log-probabilities and adapters stay eager, so the
compiled graphs see one shape family: batch B and padded context L, both symbolic. With an int8
KV cache the gather of the int8 blocks, their conversion and the scale folding fuse too.

Two graphs, batch 1 and batch >= 2 (torch specializes sizes of 1), each compiled whole by
`torch.compile(...).aot_compile` and saved with `save_compiled_function` under the compile cache
(`EngineConfig.compile_cache`; `hanlin serve`: ~/.cache/hanlin/compiled), keyed by everything the code
depends on (`artifact_key`): a later start loads them in seconds instead of tracing again
(minutes on 2 cores); inductor's kernels are kept beside them (TORCHINDUCTOR_CACHE_DIR, unless
set). The engine does not wait for either: `start` builds in a background thread over a scratch
cache of its own, steps run eager meanwhile, and the runner takes the compiled step from the
first step after it is `ready`. A call the graphs do not fit (their shape guards fail) runs
eager. The eager model is the reference: `tests/engine/test_compiled.py` compares the two.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import platform
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
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


ENGINE_SOURCE = Path(__file__).resolve().parent  # what the traced code is made of
GRAPHS = ("one", "many")  # batch 1, batch >= 2


def _source_digest() -> str:
    """The engine's Python source: any change to what the graphs trace makes new artifacts."""
    h = hashlib.sha256()
    for path in sorted(ENGINE_SOURCE.rglob("*.py")):
        h.update(str(path.relative_to(ENGINE_SOURCE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _cpu_flags() -> str:
    """The CPU's feature flags (inductor compiles for the machine's vector ISA)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return line
    except OSError:
        pass
    return platform.processor()


def artifact_key(model: LlamaForCausalLM, cache: KVCache) -> str:
    """What the compiled graphs depend on, hashed: the model's shape and module tree (its
    weights are inputs, read at each call, so fine-tunes of one shape share graphs), the KV
    cache's kind, dtype and block size, the engine's source, torch, Python, the CPU and the
    thread count (inductor sizes its parallel loops by it)."""
    parts = [repr(model.config), repr(model), type(cache).__name__, str(cache.k[0].dtype),
             str(cache.block_size), _source_digest(), torch.__version__, sys.version,
             platform.machine(), _cpu_flags(), str(torch.get_num_threads())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def _shape_guards_only(entries: list) -> list[bool]:
    """Keep only the guards on the inputs' sizes (the graphs' shape assumptions); drop the rest:
    guards on the modules' attributes (thousands, ~1.5 ms a step at batch 1, and not savable)
    can go, as nothing changes a served model's modules (adapters run eager)."""
    return [g.guard_type == "SHAPE_ENV" for g in entries]


# Inductor re-checks every buffer's size and stride on each call (~600 at batch 1): 0.3-0.4 ms
# of a 6 ms step, measured. The shape guards cover the inputs that vary.
INDUCTOR_OPTIONS = {"guard_filter_fn": _shape_guards_only,
                    **dict.fromkeys(("size_asserts", "alignment_asserts", "scalar_asserts"), False)}


class CompiledDecode:
    """The decoder layers and final norm of `model`, compiled once for decode batches; with a
    `cache_dir`, saved there and loaded from there by later starts."""

    def __init__(self, model: LlamaForCausalLM, cache_dir: Path | None = None) -> None:
        self.model = model
        self.cache_dir = cache_dir
        # The first LoRA adapter's load swaps the projections for LoraLinear wrappers; do it now,
        # so that the traced modules are the ones every later step finds (with no adapter rows
        # a wrapper is its base layer; rows with adapters run eager).
        lora_context(model)
        self.calls = 0  # decode steps it ran (tests check the compiled path was taken)
        self.eager_calls = 0  # steps the graphs' shape guards sent to eager
        self.state = "building"  # then "ready", or "failed" (the steps stay eager)
        self.source = ""  # "disk" (loaded) or "compiled" (traced here), once ready
        self._ready = threading.Event()
        self._fns: dict[str, Callable[..., Tensor]] = {}

    def __call__(self, input_ids: Tensor, positions: Tensor, attention: Attention) -> Tensor:
        """The same as `model(input_ids, positions, attention)` for an all-decode batch."""
        # Embedding and RoPE eager: the RoPE table lookup reads a position as an int.
        x, rope = self.model.embed(input_ids, positions)
        try:
            out = self._fns[GRAPHS[x.shape[0] > 1]](self.model, x, rope, attention)
        except RuntimeError as exc:
            if not str(exc).startswith("GuardManager check failed"):
                raise
            self.eager_calls += 1
            return self.model.decode_layers(x, rope, attention)
        self.calls += 1
        return out

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
        """Both graphs, loaded from the compile cache or compiled there (and saved) by tracing
        decode steps over the first blocks of `cache`, which no sequence may use meanwhile
        (`start`'s scratch cache); then `ready`. Returns seconds."""
        started = time.perf_counter()
        folder = self.cache_dir / artifact_key(self.model, cache) if self.cache_dir else None
        if folder is not None and "TORCHINDUCTOR_CACHE_DIR" not in os.environ:
            os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(self.cache_dir / "inductor")
        loaded = all(self._load(folder / f"{g}.bin", g) for g in GRAPHS) if folder else False
        if not loaded:
            self._compile(cache, folder)
        self.source = "disk" if loaded else "compiled"
        seconds = time.perf_counter() - started
        self.state = "ready"
        self._ready.set()
        log.info("decode step %s in %.1f s", "loaded" if loaded else "compiled", seconds)
        return seconds

    def _load(self, path: Path, graph: str) -> bool:
        if not path.is_file():
            return False
        try:
            with path.open("rb") as f:
                self._fns[graph] = torch.compiler.load_compiled_function(
                    f, f_globals=LlamaForCausalLM.decode_layers.__globals__)
        except Exception:  # noqa: BLE001 - a stale or damaged artifact is compiled again
            log.warning("could not load the compiled decode step %s: compiling it again", path,
                        exc_info=True)
            return False
        return True

    def _compile(self, cache: KVCache, folder: Path | None) -> None:
        # Imported here, in the compile thread: Dynamo takes ~1 s to import, which the server
        # no longer spends before it listens.
        import torch._dynamo.config
        import torch.fx.experimental._config

        # No "equal sizes are one symbol" guesses: the batch and the table width may match once.
        # Python floats (norm epsilons, scales) stay constants, as the model's config fixes them.
        with torch.fx.experimental._config.patch(use_duck_shape=False), \
                torch._dynamo.config.patch(specialize_float=True):
            for graph, (batch, ctx) in zip(GRAPHS, ((1, cache.block_size + 1),
                                                    (3, 2 * cache.block_size + 5)), strict=True):
                compiled = torch.compile(LlamaForCausalLM.decode_layers, dynamic=True,
                                         fullgraph=True, options=INDUCTOR_OPTIONS)
                self._fns[graph] = fn = compiled.aot_compile((_example(self.model, cache, batch, ctx), {}))
                if folder is not None:
                    folder.mkdir(parents=True, exist_ok=True)
                    fn.save_compiled_function(str(folder / f"{graph}.bin"))


def _example(model: LlamaForCausalLM, cache: KVCache, batch: int, ctx: int) -> tuple:
    """decode_layers' arguments for `batch` sequences at context `ctx` over the first blocks of
    `cache` (the block table is never narrower than 2: ctx > block size)."""
    paged = Int8PagedAttention if isinstance(cache, Int8KVCache) else PagedAttention
    bs = cache.block_size
    blocks = -(-ctx // bs)
    if batch * blocks > cache.num_blocks:
        raise ValueError(f"the scratch cache holds {cache.num_blocks} blocks, not {batch * blocks}")
    seqs = [SeqSlice(i, 1, ctx, list(range(i * blocks, (i + 1) * blocks))) for i in range(batch)]
    slots = torch.tensor([s.block_ids[-1] * bs + (ctx - 1) % bs for s in seqs])
    x, rope = model.embed(torch.zeros(batch, dtype=torch.long), torch.full((batch,), ctx - 1))
    return model, x, rope, paged(cache, seqs, slots)
