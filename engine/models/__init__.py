"""The decoder model: config, Llama / InternLM2 module, RoPE and the attention seam."""

from engine.models.attention import Attention, CausalAttention
from engine.models.config import ModelConfig, RopeScaling
from engine.models.llama import LlamaForCausalLM

__all__ = ["Attention", "CausalAttention", "LlamaForCausalLM", "ModelConfig", "RopeScaling"]
