"""The shape of a decoder of the Llama family and its relatives (Qwen2/3, Mistral, Gemma 2/3,
Phi-3, InternLM2): one frozen dataclass, whatever layout the weights had. Where a family differs
only in a detail (a bias, a norm, a window, a cap), the detail is a field here, not a module."""

from __future__ import annotations

from dataclasses import dataclass

ROPE_TYPES = ("dynamic", "linear", "llama3", "yarn", "longrope")
LAYER_TYPES = ("full_attention", "sliding_attention")
ACTIVATIONS = ("silu", "gelu_tanh")


@dataclass(frozen=True, kw_only=True)
class RopeScaling:
    """RoPE scaling, as Hugging Face's `rope_parameters` name it. `original_max_position_embeddings`
    is the pretraining context (llama3, yarn, longrope); `attention_factor` multiplies cos and sin
    (yarn, longrope; None: derived from `factor` as transformers does)."""

    type: str
    factor: float = 1.0
    original_max_position_embeddings: int | None = None
    low_freq_factor: float = 1.0  # llama3
    high_freq_factor: float = 4.0  # llama3
    beta_fast: float = 32.0  # yarn
    beta_slow: float = 1.0  # yarn
    mscale: float | None = None  # yarn
    mscale_all_dim: float | None = None  # yarn
    truncate: bool = True  # yarn
    attention_factor: float | None = None
    short_factor: tuple[float, ...] = ()  # longrope: per frequency, positions before the original
    long_factor: tuple[float, ...] = ()  # longrope: positions from the original context on

    def __post_init__(self) -> None:
        if self.type not in ROPE_TYPES:
            raise ValueError(f"unsupported rope scaling {self.type!r}; supported: "
                             + ", ".join(ROPE_TYPES))
        if self.type != "longrope" and self.factor < 1.0:
            raise ValueError(f"rope scaling factor must be >= 1, got {self.factor}")
        if self.type in ("llama3", "yarn", "longrope") and not self.original_max_position_embeddings:
            raise ValueError(f"rope scaling {self.type!r} needs original_max_position_embeddings")
        if self.type == "longrope" and not (self.short_factor and self.long_factor):
            raise ValueError("rope scaling 'longrope' needs short_factor and long_factor")


@dataclass(frozen=True, kw_only=True)
class RopeConfig:
    """One rotary embedding: its base, its scaling and how many leading dims of a head it turns."""

    theta: float
    scaling: RopeScaling | None = None
    rotary_dim: int | None = None  # None: the whole head (partial_rotary_factor < 1: fewer)


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """Hyperparameters of the decoder; `arch`: the checkpoint family ("llama", "internlm2",
    "qwen2", "qwen3", "mistral", "gemma2", "gemma3", "phi3"), kept for loaders and messages."""

    arch: str
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    rms_norm_eps: float
    rope_theta: float
    rope_scaling: RopeScaling | None
    max_position_embeddings: int
    tie_word_embeddings: bool
    qkv_bias: bool = False  # Qwen2: biases on q, k and v
    o_bias: bool = False  # Llama's attention_bias: on the output projection too
    qk_norm: bool = False  # Qwen3, Gemma 3: RMSNorm over each head of q and k before RoPE
    norm_offset: float = 0.0  # Gemma: RMSNorm scales by (offset + weight)
    sandwich_norms: bool = False  # Gemma 2/3: norms after attention and MLP too
    activation: str = "silu"  # the gated MLP's: SwiGLU, or GeGLU ("gelu_tanh")
    embed_scale: bool = False  # Gemma: embeddings times sqrt(hidden_size)
    attn_scale: float | None = None  # None: head_dim ** -0.5 (Gemma: query_pre_attn_scalar)
    attn_softcap: float | None = None  # Gemma 2: cap * tanh(score / cap)
    final_softcap: float | None = None  # Gemma 2: the same on the logits
    sliding_window: int | None = None  # a sliding layer's query sees this many positions
    layer_types: tuple[str, ...] = ()  # per layer, LAYER_TYPES; empty: all full attention
    rotary_dim: int | None = None  # partial rotary (Phi-4-mini): leading dims of each head
    local_rope_theta: float | None = None  # Gemma 3: sliding layers' own RoPE base, unscaled
    num_experts: int = 0  # mixture of experts (Qwen3-MoE, Mixtral); 0: a dense MLP everywhere
    experts_per_token: int = 0
    moe_intermediate_size: int = 0
    normalize_top_k: bool = False  # the k routing weights renormalized to sum to 1
    dense_layers: tuple[int, ...] = ()  # layers that keep a dense MLP (Qwen3-MoE mlp_only_layers)

    def __post_init__(self) -> None:
        if self.num_heads % self.num_kv_heads:
            raise ValueError(
                f"num_heads ({self.num_heads}) must be a multiple of "
                f"num_kv_heads ({self.num_kv_heads})"
            )
        rotary = self.rotary_dim or self.head_dim
        if rotary % 2 or rotary > self.head_dim:
            raise ValueError(f"the rotary dims must be even and at most head_dim, got {rotary}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unsupported activation {self.activation!r}; supported: "
                             + ", ".join(ACTIVATIONS))
        if self.layer_types and len(self.layer_types) != self.num_layers:
            raise ValueError(f"layer_types names {len(self.layer_types)} layers, the model has "
                             f"{self.num_layers}")
        unknown = sorted(set(self.layer_types) - set(LAYER_TYPES))
        if unknown:
            raise ValueError(f"unsupported layer types {unknown}; supported: {LAYER_TYPES}")
        if "sliding_attention" in self.layer_types and not self.sliding_window:
            raise ValueError("sliding layers need a sliding_window")
        if self.num_experts and not 0 < self.experts_per_token <= self.num_experts:
            raise ValueError(f"experts_per_token must be in 1..{self.num_experts}, "
                             f"got {self.experts_per_token}")

    def sparse(self, layer_idx: int) -> bool:
        """Whether the layer's MLP is a mixture of experts."""
        return self.num_experts > 0 and layer_idx not in self.dense_layers

    def window(self, layer_idx: int) -> int | None:
        """The layer's sliding window, or None where it attends to the whole context."""
        if self.layer_types and self.layer_types[layer_idx] == "sliding_attention":
            return self.sliding_window
        return None

    def rope_for(self, layer_idx: int) -> RopeConfig:
        """The rotary embedding the layer uses (Gemma 3: sliding layers have their own)."""
        if self.local_rope_theta is not None and self.window(layer_idx) is not None:
            return RopeConfig(theta=self.local_rope_theta, rotary_dim=self.rotary_dim)
        return RopeConfig(theta=self.rope_theta, scaling=self.rope_scaling,
                          rotary_dim=self.rotary_dim)
