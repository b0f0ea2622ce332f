"""Quantized serving: int4 weight-only linears (GGUF Q4_1 import, RTN, AWQ), an int8 tied head,
and the paged int8 KV cache, each beside its plain-torch reference.

Module map: int4 (reference format) · cpu_int4 (aten int4pack) · triton_int4 (GPU GEMM / GEMV) ·
int4_linear (the module swap) · gguf_import · awq · int8_linear (per-row int8 head) · q8_head
(the Q8_0 table as the small-batch LM head) · quantize (entry points) · kv_int8 (cache) · int8_paged_attention (reference attention) · triton_paged_attention.
The Triton modules are imported only where used: triton is optional on CPU.
"""

from engine.quant.int4 import Int4Weight, dequantize_int4, quantize_int4
from engine.quant.int4_linear import Int4Linear, swap_int4_linears
from engine.quant.int8_linear import Int8Embedding, Int8Linear
from engine.quant.int8_paged_attention import Int8PagedAttention
from engine.quant.kv_int8 import Int8KVCache
from engine.quant.q8_head import SmallBatchHead
from engine.quant.quantize import (
    QuantReport,
    add_small_batch_head,
    model_weight_bytes,
    quantize_head_int8,
    quantize_model,
)

__all__ = [
    "Int4Linear",
    "Int4Weight",
    "Int8Embedding",
    "Int8KVCache",
    "Int8Linear",
    "Int8PagedAttention",
    "QuantReport",
    "SmallBatchHead",
    "add_small_batch_head",
    "dequantize_int4",
    "model_weight_bytes",
    "quantize_head_int8",
    "quantize_int4",
    "quantize_model",
    "swap_int4_linears",
]
