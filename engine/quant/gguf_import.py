"""GGUF quantized tensors mapped onto our formats without re-quantization: Q4_0, Q4_1 and Q4_K
-> int4 (group 32), Q8_0 -> int8. Every other type is left to the dequantizing loader.

Our int4 convention is w = (q - 8) * scale + zero. Q4_0 (w = d * (q - 8)) and Q4_1 (w = d * q + m)
fit it bit for bit in fp32. Q4_K (w = d * sc * q - dmin * m per sub-block of 32) fits it with
scale = d * sc and zero = 8 * d * sc - dmin * m: the products are exact in fp32 (11 x 6 bits), so
where that zero is exact too (see `q4_k_to_int4`) the result is gguf's bit for bit.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from engine.loaders.gguf import Q, config_from_gguf, gguf_tensors, open_gguf
from engine.models.config import ModelConfig
from engine.quant.int4 import Int4Weight, pack_int4

log = logging.getLogger("hanlin.engine")

Q4_0_BLOCK_BYTES = 18
Q4_1_BLOCK_BYTES = 20
Q4_K_BLOCK_BYTES = 144  # 256 weights: fp16 d, fp16 dmin, 12 bytes of 6-bit scales / mins, 128 nibbles
Q8_0_BLOCK_BYTES = 34


def _blocks(raw: Tensor, block_bytes: int, kind: str) -> Tensor:
    """Rows of raw bytes uint8 [N, blocks * block_bytes] -> [N, blocks, block_bytes]."""
    if raw.dtype != torch.uint8 or raw.dim() != 2 or raw.shape[1] % block_bytes:
        raise ValueError(f"expected {kind} rows of uint8 [N, {block_bytes} * blocks], "
                         f"got {raw.dtype} {list(raw.shape)}")
    return raw.reshape(raw.shape[0], -1, block_bytes)


def _f16(b: Tensor) -> Tensor:
    """Bytes [..., 2] -> fp32 [...]: a block's fp16 scale or min."""
    return b.contiguous().view(torch.float16).squeeze(-1).float()


def _nibbles_32(qs: Tensor) -> Tensor:
    """Q4_0 / Q4_1 nibble bytes [N, B, 16] -> codes [N, B * 32]: gguf keeps elements 0..15 of a
    block in the low nibbles and 16..31 in the high ones."""
    return torch.cat((qs & 0x0F, qs >> 4), dim=-1).reshape(qs.shape[0], -1)


def q4_0_to_int4(raw: Tensor) -> Int4Weight:
    """Raw Q4_0 rows uint8 [N, K // 32 * 18] -> Int4Weight (group 32, fp32 scales and zeros)."""
    blocks = _blocks(raw, Q4_0_BLOCK_BYTES, "Q4_0")
    d = _f16(blocks[..., 0:2])
    # zero = -0.0, not +0.0: x + -0.0 is x for every x, signed zeros included, so the code 8 of a
    # block whose d is negative (llama.cpp's d = max / -8 often is) stays gguf's -0.0.
    return Int4Weight(pack_int4(_nibbles_32(blocks[..., 2:])), d, torch.full_like(d, -0.0), 32)


def q4_1_to_int4(raw: Tensor) -> Int4Weight:
    """Raw Q4_1 rows uint8 [N, K // 32 * 20] -> Int4Weight (group 32, fp32 scales and zeros)."""
    blocks = _blocks(raw, Q4_1_BLOCK_BYTES, "Q4_1")
    d, m = _f16(blocks[..., 0:2]), _f16(blocks[..., 2:4])
    return Int4Weight(pack_int4(_nibbles_32(blocks[..., 4:])), d, m + 8 * d, 32)


def _scales_mins_k4(b: Tensor) -> tuple[Tensor, Tensor]:
    """The 12 scale bytes [..., 12] -> 8 six-bit scales and 8 six-bit mins (uint8 [..., 8] each).
    Bytes 0-3 / 4-7: scales / mins 0-3 in the low 6 bits, the top 2 bits of scales / mins 4-7
    above them; bytes 8-11: the low 4 bits of scales 4-7 (low nibble) and mins 4-7 (high)."""
    sc, mn, lo = b[..., 0:4], b[..., 4:8], b[..., 8:12]
    scales = torch.cat((sc & 0x3F, (lo & 0x0F) | ((sc >> 2) & 0x30)), dim=-1)
    mins = torch.cat((mn & 0x3F, (lo >> 4) | ((mn >> 2) & 0x30)), dim=-1)
    return scales, mins


def q4_k_to_int4(raw: Tensor) -> Int4Weight:
    """Raw Q4_K rows uint8 [N, K // 256 * 144] -> Int4Weight (group 32, fp32 scales and zeros).

    scale = d * sc and dmin * m are exact fp32 products (11 x 6 bits), as in gguf; zero =
    8 * scale - dmin * m is rounded once. It is exact, and (q - 8) * scale + zero then gguf's
    d * sc * q - dmin * m bit for bit, whenever the binary exponents of 8 d and dmin differ by at
    most 6 (the two terms then span at most 24 bits): quantizers put dmin near 8 d, and every
    Q4_K tensor llama-quantize wrote for SmolLM2 imports bit for bit. Elsewhere (d and dmin far
    apart) the zero cannot be held exactly in fp32, and a weight is off by at most half an ulp of
    the zero plus an ulp of the weight (`tests/engine/quant/test_gguf_import.py` asserts both).
    """
    blocks = _blocks(raw, Q4_K_BLOCK_BYTES, "Q4_K")
    n = raw.shape[0]
    d, dmin = _f16(blocks[..., 0:2]), _f16(blocks[..., 2:4])
    sc, mn = _scales_mins_k4(blocks[..., 4:16])
    scale = (d[..., None] * sc.float()).reshape(n, -1)
    mins = (dmin[..., None] * mn.float()).reshape(n, -1)
    # Unlike Q4_0 / Q4_1, each 32 nibble bytes hold a chunk of 64 weights: its first 32 in the
    # low nibbles, its next 32 in the high ones.
    qs = blocks[..., 16:].reshape(n, -1, 4, 1, 32)
    q = torch.cat((qs & 0x0F, qs >> 4), dim=-2).reshape(n, -1)
    return Int4Weight(pack_int4(q), scale, 8 * scale - mins, 32)


# The GGUF types whose blocks are our int4 groups of 32 as they are.
INT4_IMPORTS: dict[Q, Callable[[Tensor], Int4Weight]] = {
    Q.Q4_0: q4_0_to_int4, Q.Q4_1: q4_1_to_int4, Q.Q4_K: q4_k_to_int4}


def q8_0_to_int8(raw: Tensor) -> tuple[Tensor, Tensor]:
    """Raw Q8_0 rows uint8 [N, K // 32 * 34] -> (int8 [N, K], fp32 block scales [N, K // 32])."""
    blocks = _blocks(raw, Q8_0_BLOCK_BYTES, "Q8_0")
    return blocks[..., 2:].contiguous().view(torch.int8).reshape(raw.shape[0], -1), _f16(blocks[..., 0:2])


def gguf_int4_weights(path: str | Path, config: ModelConfig) -> dict[str, Int4Weight]:
    """Every Q4_0 / Q4_1 / Q4_K linear weight of a GGUF as an Int4Weight, keyed by its HF linear
    module name ("model.layers.0.self_attn.q_proj"): the loader's renaming, row reordering and
    splitting of fused rows applied to the blocks as stored. Weights of other types are left to
    the dequantizing loader (and `quantize_model` rounds them); the log says which."""
    reader = open_gguf(path)
    weights = {t.name.removesuffix(".weight"): INT4_IMPORTS[t.qtype](t.rows)
               for t in gguf_tensors(reader, config, tuple(INT4_IMPORTS))
               if t.name.endswith(".weight") and len(t.shape) == 2}
    # The layers' matrices (expert stacks are 3-D; a router, ffn_gate_inp, stays unquantized).
    layer_weights = [t for t in reader.tensors if t.name.startswith("blk.") and len(t.shape) == 2
                     and t.name.endswith(".weight") and ".ffn_gate_inp." not in t.name]
    kept = Counter(t.tensor_type.name for t in layer_weights if t.tensor_type in INT4_IMPORTS)
    rounded = Counter(t.tensor_type.name for t in layer_weights if t.tensor_type not in INT4_IMPORTS)
    log.info("%s: int4 import of %d layer weights as stored (%s); %d other layer weights are "
             "dequantized and rounded to int4 (%s)", Path(path).name, kept.total(),
             dict(kept) or "none", rounded.total(), dict(rounded) or "none")
    return weights


def gguf_q8_0_tensors(path: str | Path) -> dict[str, tuple[Tensor, Tensor]]:
    """Every Q8_0 weight (the default model: the tied embedding) as (int8, block scales), keyed by
    HF parameter name ("model.embed_tokens.weight")."""
    reader = open_gguf(path)
    return {t.name: q8_0_to_int8(t.rows)
            for t in gguf_tensors(reader, config_from_gguf(reader), (Q.Q8_0,)) if len(t.shape) == 2}
