"""Engine configuration: frozen, keyword-only, one Struct per concern, composed into EngineConfig."""

from __future__ import annotations

import os

import msgspec

DEFAULT_MODEL = "smollm2-135m-instruct"


class CacheConfig(msgspec.Struct, frozen=True, kw_only=True):
    """The paged KV cache: fixed-size blocks, a byte budget, prefix reuse on or off."""

    block_size: int = 16
    kv_cache_bytes: int = 2 << 30
    num_blocks: int | None = None  # overrides kv_cache_bytes when set (tests)
    enable_prefix_caching: bool = True
    dtype: str = "auto"  # "auto" (the run dtype), "int8" (a scale per token and KV head), "bfloat16", "float32"


class SchedulerConfig(msgspec.Struct, frozen=True, kw_only=True):
    """Continuous batching: how many tokens one step may compute and how many requests run,
    how they are shared between tenants (API keys), and how much one request may ask for."""

    max_num_batched_tokens: int = 512
    max_num_seqs: int = 64
    long_prefill_threshold: int = 0  # 0: a single prefill may take the whole budget
    # Fair share between tenants (engine.scheduler): admission by least service, a step's token
    # budget, running slots and KV blocks split between the tenants with work. False: pure FCFS.
    fairness: bool = True
    # The most n x (prompt + max_tokens) one request may ask for (embeddings: its input tokens),
    # max_tokens counting as the room left when none is given. None: REQUEST_BUDGET_CONTEXTS x
    # the context. Below one context, every request must set a max_tokens that fits.
    request_token_budget: int | None = None

    def token_budget(self, max_model_len: int) -> int:
        """The per-request token budget for a model with this context length."""
        if self.request_token_budget is None:
            return REQUEST_BUDGET_CONTEXTS * max_model_len
        return self.request_token_budget


# n=4 choices of a full context (32768 tokens for the default model's 8192): the n=16
# near-context request asked for 4x that and held another key's 10-token answer for 79 s.
REQUEST_BUDGET_CONTEXTS = 4


# What a server starts from unless a flag or HANLIN_* variable says otherwise: a quantized GGUF in
# its own precision (the default model's Q4_1 through the int4 kernels, bf16 activations and KV
# cache), decode steps compiled in the background. EXACT is `--exact`: the fp32 reference path.
SERVING_DEFAULTS: dict[str, object] = {"weights": "auto", "compile": True}
EXACT: dict[str, object] = {"weights": "dense", "dtype": "float32", "compile": False}


def default_compile_cache() -> str:
    """Where servers keep compiled decode graphs: HANLIN_COMPILE_CACHE, else
    $XDG_CACHE_HOME/hanlin/compiled (~/.cache/hanlin/compiled)."""
    if os.environ.get("HANLIN_COMPILE_CACHE"):
        return os.environ["HANLIN_COMPILE_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "hanlin", "compiled")


class LoraConfig(msgspec.Struct, frozen=True, kw_only=True):
    """Served LoRA adapters: loaded on first use, least recently used evicted past the budget."""

    budget_bytes: int = 256 << 20  # rank 8 on every projection of the default model: ~15 MB (fp32)


class EngineConfig(msgspec.Struct, frozen=True, kw_only=True):
    """Everything needed to build an engine: the model, its dtype, threads, cache and scheduler.

    Built directly, it is the exact reference path (fp32, eager), what the library and in-process
    tests get. `from_env` (`hanlin serve`, `hanlin chat`) starts from SERVING_DEFAULTS instead."""

    model: str = DEFAULT_MODEL
    dtype: str = "float32"  # the exact reference path; "bfloat16" is about 1.4x faster at batch 1
    # "dense": dequantized to dtype; "int4": int4 linears (a GGUF's Q4 blocks as they are, the
    # rest rounded), bf16 activations; "auto": int4 for a GGUF mostly in Q4 blocks, its other
    # linears dense, else dense (engine.load.resolve_weights)
    weights: str = "dense"
    num_threads: int = 0  # 0: all cores
    pack_weights: bool = True  # oneDNN-prepacked linears (engine.packed_linear); off = nn.Linear
    fuse_projections: bool = True  # one q|k|v and one gate|up matmul per layer (dense or int4)
    compile: bool = False  # decode steps through torch.compile (engine.compiled), in the background
    # A folder the compiled decode graphs are saved in and loaded from (engine.compiled); None:
    # compiled at every start
    compile_cache: str | None = None
    max_model_len: int | None = None  # None: the checkpoint's context length
    cache: CacheConfig = CacheConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    lora: LoraConfig = LoraConfig()

    @classmethod
    def from_env(cls, **overrides: object) -> EngineConfig:
        """SERVING_DEFAULTS, then HANLIN_* variables; explicit keyword overrides (CLI flags) win.
        `exact=True` (`--exact`, HANLIN_EXACT=1) is EXACT over all of them but the KV cache
        dtype, which an explicit flag still sets."""
        env = os.environ
        values: dict[str, object] = dict(SERVING_DEFAULTS, compile_cache=default_compile_cache())
        if "HANLIN_MODEL" in env:
            values["model"] = env["HANLIN_MODEL"]
        if "HANLIN_DTYPE" in env:
            values["dtype"] = env["HANLIN_DTYPE"]
        if "HANLIN_WEIGHTS" in env:
            values["weights"] = env["HANLIN_WEIGHTS"]
        if "HANLIN_THREADS" in env:
            values["num_threads"] = int(env["HANLIN_THREADS"])
        if "HANLIN_COMPILE" in env:
            values["compile"] = env["HANLIN_COMPILE"].lower() in ("1", "true", "yes", "on")
        if "HANLIN_MAX_MODEL_LEN" in env:
            values["max_model_len"] = int(env["HANLIN_MAX_MODEL_LEN"])
        cache: dict[str, object] = {}
        if "HANLIN_KV_CACHE_DTYPE" in env:
            cache["dtype"] = env["HANLIN_KV_CACHE_DTYPE"]
        if "HANLIN_KV_CACHE_GB" in env:
            cache["kv_cache_bytes"] = int(float(env["HANLIN_KV_CACHE_GB"]) * (1 << 30))
        sched: dict[str, object] = {}
        if "HANLIN_MAX_NUM_SEQS" in env:
            sched["max_num_seqs"] = int(env["HANLIN_MAX_NUM_SEQS"])
        if "HANLIN_MAX_BATCHED_TOKENS" in env:
            sched["max_num_batched_tokens"] = int(env["HANLIN_MAX_BATCHED_TOKENS"])
        if "HANLIN_SCHEDULER_FAIRNESS" in env:
            fair = env["HANLIN_SCHEDULER_FAIRNESS"].lower()
            sched["fairness"] = fair in ("1", "true", "yes", "on")
        if "HANLIN_REQUEST_TOKEN_BUDGET" in env:
            sched["request_token_budget"] = int(env["HANLIN_REQUEST_TOKEN_BUDGET"])
        if "HANLIN_LORA_BUDGET_MB" in env:
            mb = float(env["HANLIN_LORA_BUDGET_MB"])
            values["lora"] = LoraConfig(budget_bytes=int(mb * (1 << 20)))
        if overrides.get("kv_cache_dtype") is not None:
            cache["dtype"] = overrides["kv_cache_dtype"]
        overrides.pop("kv_cache_dtype", None)
        values["cache"] = CacheConfig(**cache)
        values["scheduler"] = SchedulerConfig(**sched)
        exact = overrides.pop("exact", None)
        if exact is None:
            exact = env.get("HANLIN_EXACT", "").lower() in ("1", "true", "yes", "on")
        values.update({k: v for k, v in overrides.items() if v is not None})
        if exact:
            values.update(EXACT)
        return cls(**values)
