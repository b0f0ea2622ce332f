"""The shape of a Llama-family decoder: one frozen dataclass, whatever layout the weights had."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class RopeScaling:
    """RoPE scaling; only "dynamic" (HF / InternLM2 dynamic NTK) is implemented."""

    type: str
    factor: float

    def __post_init__(self) -> None:
        if self.type != "dynamic":
            raise ValueError(
                f"unsupported rope scaling {self.type!r}: only 'dynamic' is implemented"
            )
        if self.factor < 1.0:
            raise ValueError(f"rope scaling factor must be >= 1, got {self.factor}")


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """Hyperparameters of LlamaForCausalLM; `arch`: the checkpoint layout, "llama" | "internlm2"."""

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

    def __post_init__(self) -> None:
        if self.num_heads % self.num_kv_heads:
            raise ValueError(
                f"num_heads ({self.num_heads}) must be a multiple of "
                f"num_kv_heads ({self.num_kv_heads})"
            )
        if self.head_dim % 2:
            raise ValueError(f"head_dim must be even for RoPE, got {self.head_dim}")
