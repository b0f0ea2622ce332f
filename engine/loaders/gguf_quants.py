"""GGUF tensor types dequantized in torch: one function per block format, vectorised over blocks.

Each computes in fp32 with the operations of gguf's numpy reference (`gguf.quants`) in the same
order, so results match it bit for bit; `dequantize` then casts to the run dtype. No IQ types.
"""

from __future__ import annotations

from collections.abc import Callable

import gguf
import torch
from torch import Tensor

Q = gguf.GGMLQuantizationType
QK_K = 256  # elements in a K-quant super-block


def _f16(b: Tensor) -> Tensor:
    """Bytes [n, 2] -> fp32 [n, 1]: a per-block fp16 scale or min."""
    return b.contiguous().view(torch.float16).float()


def _unpack(x: Tensor, group: int, bits: int) -> Tensor:
    """Bytes [n, g * group] -> codes [n, g * (8 // bits) * group] in gguf's element order: every
    group of `group` bytes gives its bytes' lowest `bits`, then the next `bits`, and so on."""
    shifts = torch.arange(0, 8, bits, dtype=torch.uint8, device=x.device).view(1, 1, -1, 1)
    codes = (x.reshape(x.shape[0], -1, 1, group) >> shifts) & ((1 << bits) - 1)
    return codes.reshape(x.shape[0], -1)


def _q4_0(blocks: Tensor) -> Tensor:  # 32: fp16 d, 16 nibble bytes; w = d * (q - 8)
    d, qs = blocks.split([2, 16], dim=1)
    return _unpack(qs, 16, 4).float().sub_(8).mul_(_f16(d))


def _q4_1(blocks: Tensor) -> Tensor:  # 32: fp16 d, fp16 min m, 16 nibble bytes; w = d * q + m
    d, m, qs = blocks.split([2, 2, 16], dim=1)
    return _unpack(qs, 16, 4).float().mul_(_f16(d)).add_(_f16(m))


def _q5(qh: Tensor, qs: Tensor) -> Tensor:
    """5-bit codes: low nibbles from qs, bit 4 of element i is bit i of the little-endian qh."""
    return _unpack(qs, 16, 4) | (_unpack(qh, 1, 1) << 4)


def _q5_0(blocks: Tensor) -> Tensor:  # 32: fp16 d, 4 bytes high bits, 16 nibbles; d * (q - 16)
    d, qh, qs = blocks.split([2, 4, 16], dim=1)
    return _q5(qh, qs).float().sub_(16).mul_(_f16(d))


def _q5_1(blocks: Tensor) -> Tensor:  # 32: fp16 d, fp16 m, 4 bytes high bits, 16 nibbles; d * q + m
    d, m, qh, qs = blocks.split([2, 2, 4, 16], dim=1)
    return _q5(qh, qs).float().mul_(_f16(d)).add_(_f16(m))


def _q8_0(blocks: Tensor) -> Tensor:  # 32: fp16 d, 32 int8; w = d * q
    d, qs = blocks.split([2, 32], dim=1)
    return qs.view(torch.int8).float().mul_(_f16(d))


def _q2_k(blocks: Tensor) -> Tensor:
    # 256 in 16 sub-blocks of 16: 16 bytes of 4-bit scale | 4-bit min, 64 bytes of 2-bit codes,
    # fp16 d, fp16 dmin; w = d * scale * q - dmin * min
    n = blocks.shape[0]
    scales, qs, d, dmin = blocks.split([16, 64, 2, 2], dim=1)
    dl = (_f16(d) * (scales & 0xF).float()).view(n, 16, 1)
    ml = (_f16(dmin) * (scales >> 4).float()).view(n, 16, 1)
    q = _unpack(qs, 32, 2).float().view(n, 16, 16)
    return q.mul_(dl).sub_(ml).view(n, QK_K)


def _q3_k(blocks: Tensor) -> Tensor:
    # 256 in 16 sub-blocks of 16: 32 bytes of high bits, 64 bytes of 2-bit low codes, 12 bytes of
    # 6-bit scales (low nibbles in bytes 0-7, high 2 bits in 8-11), fp16 d;
    # w = d * (scale - 32) * (low - 4 * (1 - high))
    n = blocks.shape[0]
    hmask, qs, scales, d = blocks.split([32, 64, 12, 2], dim=1)
    sc = _unpack(scales[:, :8], 8, 4) | (_unpack(scales[:, 8:], 4, 2) << 4)
    dl = (_f16(d) * sc.float().sub_(32)).view(n, 16, 1)
    q = _unpack(qs, 32, 2).to(torch.int8) - ((_unpack(hmask, 32, 1) ^ 1) << 2).to(torch.int8)
    return q.float().view(n, 16, 16).mul_(dl).view(n, QK_K)


def _scale_min_k4(scales: Tensor) -> tuple[Tensor, Tensor]:
    """Q4_K/Q5_K's 12 bytes -> 8 six-bit scales, 8 six-bit mins (fp32). Bytes 0-3: scales 0-3 in
    the low 6 bits, the top 2 bits of scales 4-7 above; bytes 4-7: the same for the mins; bytes
    8-11: the low 4 bits of scales 4-7 (low nibble) and of mins 4-7 (high nibble)."""
    sc, mn, lo = scales[:, 0:4], scales[:, 4:8], scales[:, 8:12]
    scale = torch.cat([sc & 0x3F, (lo & 0x0F) | ((sc >> 2) & 0x30)], dim=1)
    minimum = torch.cat([mn & 0x3F, (lo >> 4) | ((mn >> 2) & 0x30)], dim=1)
    return scale.float(), minimum.float()


def _affine_k(q: Tensor, d: Tensor, dmin: Tensor, scales: Tensor) -> Tensor:
    """Codes [n, 8, 32] -> d * scale * q - dmin * min, in gguf's order of operations."""
    n = q.shape[0]
    scale, minimum = _scale_min_k4(scales)
    dl, ml = (_f16(d) * scale).view(n, 8, 1), (_f16(dmin) * minimum).view(n, 8, 1)
    return q.mul_(dl).sub_(ml).view(n, QK_K)


def _q4_k(blocks: Tensor) -> Tensor:
    # 256 in 8 sub-blocks of 32: fp16 d, fp16 dmin, 12 bytes of 6-bit scales and mins,
    # 128 nibble bytes; w = d * scale * q - dmin * min
    n = blocks.shape[0]
    d, dmin, scales, qs = blocks.split([2, 2, 12, 128], dim=1)
    q = _unpack(qs, 32, 4).float().view(n, 8, 32)
    return _affine_k(q, d, dmin, scales)


def _q5_k(blocks: Tensor) -> Tensor:
    # 256 in 8 sub-blocks of 32: fp16 d, fp16 dmin, 12 bytes of 6-bit scales and mins, 32 bytes
    # of high bits (bit j of byte i: element 32 * j + i), 128 nibble bytes;
    # w = d * scale * q - dmin * min
    n = blocks.shape[0]
    d, dmin, scales, qh, qs = blocks.split([2, 2, 12, 32, 128], dim=1)
    q = (_unpack(qs, 32, 4) | (_unpack(qh, 32, 1) << 4)).float().view(n, 8, 32)
    return _affine_k(q, d, dmin, scales)


def _q6_k(blocks: Tensor) -> Tensor:
    # 256 in 16 sub-blocks of 16: 128 bytes of low nibbles, 64 bytes of 2-bit high parts, 16 int8
    # scales, fp16 d; w = d * scale * (q - 32)
    n = blocks.shape[0]
    ql, qh, scales, d = blocks.split([128, 64, 16, 2], dim=1)
    dl = (_f16(d) * scales.view(torch.int8).float()).view(n, 16, 1)
    q = (_unpack(ql, 64, 4) | (_unpack(qh, 32, 2) << 4)).to(torch.int8) - 32
    return q.float().view(n, 16, 16).mul_(dl).view(n, QK_K)


_FLOATS = {Q.F32: torch.float32, Q.F16: torch.float16, Q.BF16: torch.bfloat16}
_BLOCKS: dict[Q, Callable[[Tensor], Tensor]] = {
    Q.Q4_0: _q4_0, Q.Q4_1: _q4_1, Q.Q5_0: _q5_0, Q.Q5_1: _q5_1, Q.Q8_0: _q8_0,
    Q.Q2_K: _q2_k, Q.Q3_K: _q3_k, Q.Q4_K: _q4_k, Q.Q5_K: _q5_k, Q.Q6_K: _q6_k,
}
SUPPORTED_TYPES = (*_FLOATS, *_BLOCKS)
# Elements dequantized per step: the fp32 intermediates stay in cache and no fp32 copy of the whole
# tensor is made. 4096x4096 Q4_K / Q6_K to bf16 on one CPU thread: 46 / 46 ms, against 66 / 77 ms
# for the whole tensor at once (gguf's numpy reference: 83 ms to fp32).
_CHUNK = 1 << 18


def dequantize(raw: Tensor, qtype: gguf.GGMLQuantizationType, dtype: torch.dtype) -> Tensor:
    """Rows of raw bytes [rows, bytes_per_row] (uint8) -> weights [rows, cols] in dtype."""
    if qtype in _FLOATS:
        # copy=True: a torch-allocated (64-byte aligned) result even when no conversion is needed.
        return raw.view(_FLOATS[qtype]).to(dtype, copy=True)
    if qtype not in _BLOCKS:
        raise ValueError(
            f"GGUF tensor type {qtype.name} is not supported; "
            f"supported: {', '.join(t.name for t in SUPPORTED_TYPES)}"
        )
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    if raw.shape[-1] % type_size:
        raise ValueError(f"{qtype.name} rows of {raw.shape[-1]} bytes are not whole "
                         f"{type_size}-byte blocks")
    blocks = raw.reshape(-1, type_size)
    out = torch.empty(blocks.shape[0], block_size, dtype=dtype, device=raw.device)
    step = _CHUNK // block_size
    for start in range(0, blocks.shape[0], step):
        out[start:start + step] = _BLOCKS[qtype](blocks[start:start + step])  # cast on copy
    return out.view(raw.shape[0], -1)
