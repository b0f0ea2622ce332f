"""The LM head for small batches: a Q8_0 table (int8, one scale per 32) through torch's int4 kernel.

Each int8 weight splits as q = 16 h + l, h in -8..7 and l in 0..15, so q d = h (16 d) + l d: two
int4 groups over the same 32 inputs, the high nibbles with scale 16 d (zero 0) and the low ones
with scale d (zero 8 d) in `engine.quant.int4`'s convention. The activations laid twice along K
([x, x]) meet both groups in one `_weight_int4pack_mm_for_cpu` call: the Q8_0 product, exact but
for the scales' rounding to bf16. Measured on the default model's 49152 x 576 table, 2 threads
(torch 2.13): 0.89 ms at 1 row and 1.47 ms at 4 against 1.77 and 2.09 ms for the bf16 table
through `F.linear`; at 8 rows 3.1 against 2.5, at 32 rows 11.9 against 4.1 (the int4 kernel grows
with the rows). So `SmallBatchHead` keeps the bf16 head beside it and chooses by row count.
The reference is `dequantize_q8_0` (engine.quant.int8_linear) and `F.linear`.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from engine.quant.cpu_int4 import check_cpu_int4_shape, cpu_int4_mm, pack_for_cpu
from engine.quant.int4 import Int4Weight, pack_int4

Q8_BLOCK = 32
# Up to this many rows the split table is faster than bf16 (see the figures above).
SMALL_BATCH_ROWS = 4


def split_q8_0(q: Tensor, block_scale: Tensor) -> Int4Weight:
    """(int8 [N, K], scales [N, K // 32]) -> an int4 weight [N, 2K], group 32: the high nibbles of
    every block, then the low ones. `[x, x] @ W.T` with it equals `x @ dequantize_q8_0(q, d).T`."""
    n, k = q.shape
    if q.dtype != torch.int8 or k % Q8_BLOCK or block_scale.shape != (n, k // Q8_BLOCK):
        raise ValueError(f"expected int8 [N, K] with K a multiple of {Q8_BLOCK} and scales "
                         f"[N, K // {Q8_BLOCK}], got {q.dtype} {list(q.shape)} and "
                         f"{list(block_scale.shape)}")
    wide = q.to(torch.int16)
    high, low = (wide >> 4) + 8, wide & 15  # arithmetic shift: high in -8..7 before the + 8
    d = block_scale.float()
    scale = torch.cat([16 * d, d], dim=1)
    zero = torch.cat([torch.zeros_like(d), 8 * d], dim=1)
    return Int4Weight(pack_int4(torch.cat([high, low], dim=1)), scale, zero, Q8_BLOCK)


class SmallBatchHead(nn.Module):
    """The LM head: rows <= `max_rows` through the split Q8_0 table, more through `head` (the
    bf16 linear it stands beside, e.g. shared with the embedding). bf16 activations only."""

    def __init__(self, head: nn.Module, q: Tensor, block_scale: Tensor,
                 max_rows: int = SMALL_BATCH_ROWS) -> None:
        super().__init__()
        n, k = q.shape
        check_cpu_int4_shape(n, 2 * k, Q8_BLOCK)
        self.head = head
        self.in_features, self.out_features = k, n
        self.max_rows = max_rows
        packed, scales_and_zeros = pack_for_cpu(split_q8_0(q, block_scale), torch.bfloat16)
        self.register_buffer("packed", packed)
        self.register_buffer("scales_and_zeros", scales_and_zeros)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, " \
               f"max_rows={self.max_rows}"

    def forward(self, x: Tensor) -> Tensor:
        flat = x.reshape(-1, self.in_features)
        if flat.shape[0] > self.max_rows:
            return self.head(x)
        wide = torch.cat([flat, flat], dim=1).to(torch.bfloat16)
        y = cpu_int4_mm(wide, self.packed, Q8_BLOCK, self.scales_and_zeros)
        return y.view(*x.shape[:-1], self.out_features)
