"""The shared decoder in plain torch: RMSNorm, RoPE, grouped-query attention, a gated MLP —
Llama and InternLM2, and by configuration Qwen2 (q/k/v biases), Qwen3 (per-head q/k norms),
Mistral (sliding windows), Gemma 2/3 (offset norms, sandwich norms, GeGLU, scaled embeddings,
capped scores, alternating sliding / global layers with their own RoPE), Phi-3 (its fused
projections are split at load; LongRoPE, partial rotary dims) and the mixtures of experts
Qwen3-MoE and Mixtral (`engine.models.moe` in place of the dense MLP).

Parameter names are Hugging Face's, so peft LoRA targets and HF state dicts apply as they are.
Tokens come flat ([T], packed or batched by the caller); keys and values go through an `Attention`.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from engine.models.attention import Attention
from engine.models.config import ModelConfig
from engine.models.moe import MoeMLP
from engine.models.rope import RotaryEmbedding, apply_rope

RopeTables = tuple[tuple[Tensor, Tensor], ...]  # (cos, sin) per distinct rotary embedding


class RMSNorm(nn.Module):
    """x / rms(x) * (offset + weight); Gemma stores weight - 1 (offset 1)."""

    def __init__(self, hidden_size: int, eps: float, offset: float = 0.0) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size) if offset == 0.0
                                   else torch.zeros(hidden_size))
        self.shape = (hidden_size,)
        self.eps = eps
        self.offset = offset

    def forward(self, x: Tensor) -> Tensor:
        # One fused op; it accumulates in fp32 for bf16 inputs.
        weight = self.weight if self.offset == 0.0 else self.weight.float() + self.offset
        if weight.dtype != x.dtype:  # Gemma: (1 + w) in fp32, as transformers computes it
            return F.rms_norm(x.float(), self.shape, weight, self.eps).to(x.dtype)
        return F.rms_norm(x, self.shape, weight, self.eps)


def _linear(n_in: int, n_out: int, bias: bool) -> nn.Linear:
    return nn.Linear(n_in, n_out, bias=bias)


def _fused(parts: list[nn.Linear]) -> nn.Linear:
    """One Linear computing `parts` side by side (their weights stacked, biases too)."""
    w = torch.cat([p.weight for p in parts]).detach()
    fused = nn.Linear(w.shape[1], w.shape[0], bias=parts[0].bias is not None, device="meta")
    fused.weight = nn.Parameter(w, requires_grad=False)
    if parts[0].bias is not None:
        fused.bias = nn.Parameter(torch.cat([p.bias for p in parts]).detach(),
                                  requires_grad=False)
    return fused


class LlamaAttention(nn.Module):
    def __init__(self, config: ModelConfig, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx = layer_idx
        self.head_dim = config.head_dim
        hidden, d = config.hidden_size, config.head_dim
        self.num_heads, self.num_kv_heads = config.num_heads, config.num_kv_heads
        self.q_proj = _linear(hidden, config.num_heads * d, config.qkv_bias)
        self.k_proj = _linear(hidden, config.num_kv_heads * d, config.qkv_bias)
        self.v_proj = _linear(hidden, config.num_kv_heads * d, config.qkv_bias)
        self.o_proj = _linear(config.num_heads * d, hidden, config.o_bias)
        self.q_norm = RMSNorm(d, config.rms_norm_eps, config.norm_offset) if config.qk_norm else None
        self.k_norm = RMSNorm(d, config.rms_norm_eps, config.norm_offset) if config.qk_norm else None
        self.window = config.window(layer_idx)
        self.softcap = config.attn_softcap
        # The attention computes softmax(q.k * head_dim ** -0.5): another scale goes into q.
        scale = config.attn_scale
        self.q_scale = None if scale is None else scale * d**0.5
        self.qkv_proj: nn.Linear | None = None  # set by fuse() for serving

    def fuse(self) -> None:
        """Serving only: one q|k|v matmul and one RoPE call instead of three and two (the
        separate Linears, which LoRA and the HF names need, are dropped)."""
        self.qkv_proj = _fused([self.q_proj, self.k_proj, self.v_proj])
        del self.q_proj, self.k_proj, self.v_proj

    def _project(self, x: Tensor, cos: Tensor, sin: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        t, d = x.shape[0], self.head_dim
        if self.qkv_proj is not None:
            qkv = self.qkv_proj(x).view(t, -1, d)
            split = self.num_heads + self.num_kv_heads
            if self.q_norm is None:
                qk = apply_rope(qkv[:, :split], cos, sin)
                return qk[:, : self.num_heads], qk[:, self.num_heads :], qkv[:, split:]
            q, k, v = qkv[:, : self.num_heads], qkv[:, self.num_heads : split], qkv[:, split:]
        else:
            q = self.q_proj(x).view(t, -1, d)
            k = self.k_proj(x).view(t, -1, d)
            v = self.v_proj(x).view(t, -1, d)
        if self.q_norm is not None and self.k_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        return apply_rope(q, cos, sin), apply_rope(k, cos, sin), v

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, attention: Attention) -> Tensor:
        q, k, v = self._project(x, cos, sin)
        if self.q_scale is not None:
            q = q * self.q_scale
        if self.window is None and self.softcap is None:
            out = attention(self.layer_idx, q, k, v)
        else:
            out = attention(self.layer_idx, q, k, v, window=self.window, softcap=self.softcap)
        return self.o_proj(out.reshape(x.shape[0], -1))


class LlamaMLP(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)
        self.gelu = config.activation == "gelu_tanh"
        self.gate_up_proj: nn.Linear | None = None  # set by fuse() for serving

    def fuse(self) -> None:
        """Serving only: one gate|up matmul instead of two."""
        self.gate_up_proj = _fused([self.gate_proj, self.up_proj])
        del self.gate_proj, self.up_proj

    def _act(self, gate: Tensor) -> Tensor:
        return F.gelu(gate, approximate="tanh") if self.gelu else F.silu(gate)

    def forward(self, x: Tensor) -> Tensor:
        if self.gate_up_proj is not None:
            gate, up = self.gate_up_proj(x).chunk(2, dim=-1)
            return self.down_proj(self._act(gate) * up)
        return self.down_proj(self._act(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    """Pre-norm residual blocks; with sandwich norms (Gemma 2/3) each block's output is normed
    too: `post_attention_layernorm` then follows attention, `pre_feedforward_layernorm` leads
    the MLP and `post_feedforward_layernorm` follows it."""

    def __init__(self, config: ModelConfig, layer_idx: int, rope_index: int = 0) -> None:
        super().__init__()
        eps, offset = config.rms_norm_eps, config.norm_offset
        self.rope_index = rope_index
        self.self_attn = LlamaAttention(config, layer_idx)
        self.mlp: LlamaMLP | MoeMLP = MoeMLP(config) if config.sparse(layer_idx) \
            else LlamaMLP(config)
        self.input_layernorm = RMSNorm(config.hidden_size, eps, offset)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, eps, offset)
        self.sandwich = config.sandwich_norms
        if self.sandwich:
            self.pre_feedforward_layernorm = RMSNorm(config.hidden_size, eps, offset)
            self.post_feedforward_layernorm = RMSNorm(config.hidden_size, eps, offset)

    def forward(self, x: Tensor, rope: RopeTables, attention: Attention) -> Tensor:
        cos, sin = rope[self.rope_index]
        if not self.sandwich:
            x = x + self.self_attn(self.input_layernorm(x), cos, sin, attention)
            return x + self.mlp(self.post_attention_layernorm(x))
        h = self.self_attn(self.input_layernorm(x), cos, sin, attention)
        x = x + self.post_attention_layernorm(h)
        h = self.mlp(self.pre_feedforward_layernorm(x))
        return x + self.post_feedforward_layernorm(h)


class LlamaModel(nn.Module):
    def __init__(self, config: ModelConfig, rope_indices: list[int]) -> None:
        super().__init__()
        weight = torch.empty(config.vocab_size, config.hidden_size)
        # normal_ on a meta tensor imports torch._dynamo (about 1 s), and loaders build on meta.
        if not weight.is_meta:
            nn.init.normal_(weight)
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size, _weight=weight)
        self.layers = nn.ModuleList(LlamaDecoderLayer(config, i, rope_indices[i])
                                    for i in range(config.num_layers))
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps, config.norm_offset)


class LlamaForCausalLM(nn.Module):
    """forward: token ids [T], positions [T] -> final hidden states [T, hidden] (after the norm);
    compute_logits: hidden states -> fp32 logits."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        specs = [config.rope_for(i) for i in range(config.num_layers)]
        distinct = list(dict.fromkeys(specs))
        self.model = LlamaModel(config, [distinct.index(spec) for spec in specs])
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.ropes = [RotaryEmbedding(config.head_dim, spec, config.max_position_embeddings)
                      for spec in distinct]
        self.tie_weights()

    def tie_weights(self) -> None:
        """Share the embedding with the LM head when the checkpoint ties them (one tensor)."""
        if self.config.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    def forward(self, input_ids: Tensor, positions: Tensor, attention: Attention) -> Tensor:
        return self.decode_layers(*self.embed(input_ids, positions), attention)

    def embed(self, input_ids: Tensor, positions: Tensor) -> tuple[Tensor, RopeTables]:
        """Token embeddings and the RoPE tables for their positions: (x, ((cos, sin), ...)), one
        pair per distinct rotary embedding (layers pick theirs)."""
        x = self.model.embed_tokens(input_ids)
        if self.config.embed_scale:  # Gemma: the scale rounded to the activations' dtype first
            x = x * torch.tensor(self.config.hidden_size**0.5, dtype=x.dtype)
        return x, tuple(rope(positions, x.dtype) for rope in self.ropes)

    @property
    def compile_blocker(self) -> str | None:
        """Why the compiled decode step cannot trace this model yet (None: it can): sliding
        windows or capped scores take the explicit attention form per sequence, and routing to
        experts sizes its matmuls by the data."""
        c = self.config
        if c.attn_softcap is not None or any(c.window(i) is not None for i in range(c.num_layers)):
            return "sliding windows or capped attention scores"
        if c.num_experts:
            return "a mixture of experts"
        return None

    def decode_layers(self, x: Tensor, rope: RopeTables, attention: Attention) -> Tensor:
        """Every decoder layer, then the final norm (engine.compiled compiles this part)."""
        for layer in self.model.layers:
            x = layer(x, rope, attention)
        return self.model.norm(x)

    def fuse_projections(self) -> bool:
        """Serving only: fuse q|k|v and gate|up where they are plain Linears (not int4 or LoRA:
        int4 stacks its weights before the swap, `engine.quant.quantize.fuse_int4_weights`).
        Returns whether it fused."""
        layers = list(self.model.layers)
        plain = all(type(layer.self_attn.q_proj) is nn.Linear and (
            not isinstance(layer.mlp, LlamaMLP) or type(layer.mlp.gate_proj) is nn.Linear)
            for layer in layers)
        if not plain:
            return False
        for layer in layers:
            layer.self_attn.fuse()
            if isinstance(layer.mlp, LlamaMLP):
                layer.mlp.fuse()
        return True

    def compute_logits(self, hidden: Tensor) -> Tensor:
        """hidden [N, hidden] -> logits [N, vocab] in fp32 (the matmul runs in the weight dtype)."""
        logits = self.lm_head(hidden).float()
        cap = self.config.final_softcap
        return logits if cap is None else torch.tanh(logits / cap) * cap

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
