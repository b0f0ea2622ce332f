"""The Llama / InternLM2 decoder in plain torch: RMSNorm, RoPE, grouped-query attention, SwiGLU.

Parameter names are Hugging Face Llama's, so peft LoRA targets and HF state dicts apply as they are.
Tokens come flat ([T], packed or batched by the caller); keys and values go through an `Attention`.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from engine.models.attention import Attention
from engine.models.config import ModelConfig
from engine.models.rope import RotaryEmbedding, apply_rope


class RMSNorm(nn.Module):
    def __init__(self, hidden_size: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.shape = (hidden_size,)
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        # One fused op; it accumulates in fp32 for bf16 inputs.
        return F.rms_norm(x, self.shape, self.weight, self.eps)


class LlamaAttention(nn.Module):
    def __init__(self, config: ModelConfig, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx = layer_idx
        self.head_dim = config.head_dim
        hidden, d = config.hidden_size, config.head_dim
        self.num_heads, self.num_kv_heads = config.num_heads, config.num_kv_heads
        self.q_proj = nn.Linear(hidden, config.num_heads * d, bias=False)
        self.k_proj = nn.Linear(hidden, config.num_kv_heads * d, bias=False)
        self.v_proj = nn.Linear(hidden, config.num_kv_heads * d, bias=False)
        self.o_proj = nn.Linear(config.num_heads * d, hidden, bias=False)
        self.qkv_proj: nn.Linear | None = None  # set by fuse() for serving

    def fuse(self) -> None:
        """Serving only: one q|k|v matmul and one RoPE call instead of three and two (the
        separate Linears, which LoRA and the HF names need, are dropped)."""
        w = torch.cat([self.q_proj.weight, self.k_proj.weight, self.v_proj.weight]).detach()
        self.qkv_proj = nn.Linear(w.shape[1], w.shape[0], bias=False, device="meta")
        self.qkv_proj.weight = nn.Parameter(w, requires_grad=False)
        del self.q_proj, self.k_proj, self.v_proj

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, attention: Attention) -> Tensor:
        t, d = x.shape[0], self.head_dim
        if self.qkv_proj is not None:
            qkv = self.qkv_proj(x).view(t, -1, d)
            split = self.num_heads + self.num_kv_heads
            qk = apply_rope(qkv[:, :split], cos, sin)
            q, k, v = qk[:, : self.num_heads], qk[:, self.num_heads :], qkv[:, split:]
        else:
            q = apply_rope(self.q_proj(x).view(t, -1, d), cos, sin)
            k = apply_rope(self.k_proj(x).view(t, -1, d), cos, sin)
            v = self.v_proj(x).view(t, -1, d)
        out = attention(self.layer_idx, q, k, v)
        return self.o_proj(out.reshape(t, -1))


class LlamaMLP(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)
        self.gate_up_proj: nn.Linear | None = None  # set by fuse() for serving

    def fuse(self) -> None:
        """Serving only: one gate|up matmul instead of two."""
        w = torch.cat([self.gate_proj.weight, self.up_proj.weight]).detach()
        self.gate_up_proj = nn.Linear(w.shape[1], w.shape[0], bias=False, device="meta")
        self.gate_up_proj.weight = nn.Parameter(w, requires_grad=False)
        del self.gate_proj, self.up_proj

    def forward(self, x: Tensor) -> Tensor:
        if self.gate_up_proj is not None:
            gate, up = self.gate_up_proj(x).chunk(2, dim=-1)
            return self.down_proj(F.silu(gate) * up)
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    def __init__(self, config: ModelConfig, layer_idx: int) -> None:
        super().__init__()
        self.self_attn = LlamaAttention(config, layer_idx)
        self.mlp = LlamaMLP(config)
        self.input_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, attention: Attention) -> Tensor:
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, attention)
        return x + self.mlp(self.post_attention_layernorm(x))


class LlamaModel(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        weight = torch.empty(config.vocab_size, config.hidden_size)
        # normal_ on a meta tensor imports torch._dynamo (about 1 s), and loaders build on meta.
        if not weight.is_meta:
            nn.init.normal_(weight)
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size, _weight=weight)
        self.layers = nn.ModuleList(LlamaDecoderLayer(config, i) for i in range(config.num_layers))
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)


class LlamaForCausalLM(nn.Module):
    """forward: token ids [T], positions [T] -> final hidden states [T, hidden] (after the norm);
    compute_logits: hidden states -> fp32 logits."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.model = LlamaModel(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.rope = RotaryEmbedding(
            config.head_dim, config.rope_theta, config.max_position_embeddings, config.rope_scaling
        )
        self.tie_weights()

    def tie_weights(self) -> None:
        """Share the embedding with the LM head when the checkpoint ties them (one tensor)."""
        if self.config.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    def forward(self, input_ids: Tensor, positions: Tensor, attention: Attention) -> Tensor:
        return self.decode_layers(*self.embed(input_ids, positions), attention)

    def embed(self, input_ids: Tensor, positions: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Token embeddings and the RoPE tables for their positions: (x, cos, sin)."""
        x = self.model.embed_tokens(input_ids)
        return (x, *self.rope(positions, x.dtype))

    def decode_layers(self, x: Tensor, cos: Tensor, sin: Tensor, attention: Attention) -> Tensor:
        """Every decoder layer, then the final norm (engine.compiled compiles this part)."""
        for layer in self.model.layers:
            x = layer(x, cos, sin, attention)
        return self.model.norm(x)

    def fuse_projections(self) -> bool:
        """Serving only: fuse q|k|v and gate|up where they are plain Linears (not int4 or LoRA:
        int4 stacks its weights before the swap, `engine.quant.quantize.fuse_int4_weights`).
        Returns whether it fused."""
        layers = list(self.model.layers)
        plain = all(type(m) is nn.Linear for layer in layers
                    for m in (layer.self_attn.q_proj, layer.mlp.gate_proj))
        if not plain:
            return False
        for layer in layers:
            layer.self_attn.fuse()
            layer.mlp.fuse()
        return True

    def compute_logits(self, hidden: Tensor) -> Tensor:
        """hidden [N, hidden] -> logits [N, vocab] in fp32 (the matmul runs in the weight dtype)."""
        return self.lm_head(hidden).float()

    @classmethod
    def from_state_dict(
        cls, config: ModelConfig, tensors: Mapping[str, Tensor]
    ) -> LlamaForCausalLM:
        """Build the model around already-loaded tensors (HF names): no random init, no copy.

        With tied embeddings `lm_head.weight` may be absent; every other name must be present.
        """
        with torch.device("meta"):
            model = cls(config)
        expected = set(model.state_dict())
        given = set(tensors)
        if config.tie_word_embeddings:
            given.add("lm_head.weight")
        missing, unexpected = sorted(expected - given), sorted(given - expected)
        if missing or unexpected:
            raise ValueError(
                f"checkpoint does not fit the model: "
                f"missing {missing[:8]}, unexpected {unexpected[:8]}"
            )
        dtypes = {t.dtype for t in tensors.values()}
        if len(dtypes) != 1:
            raise ValueError(f"all weights must share one dtype, got {sorted(map(str, dtypes))}")
        state = dict(tensors)
        if config.tie_word_embeddings:
            # Some tied checkpoints store a copy of the head; the embedding wins.
            state.pop("lm_head.weight", None)
        model.load_state_dict(state, strict=False, assign=True)
        model.tie_weights()
        return model
