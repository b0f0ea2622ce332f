"""apply_rope's traced form (halves and a cat, for inductor) against its eager form (a roll)."""

import torch

from engine.models.config import RopeConfig
from engine.models.rope import RotaryEmbedding, apply_rope


def test_traced_rope_equals_the_eager_rope():
    rope = RotaryEmbedding(64, RopeConfig(theta=10000.0), 2048)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(5, 9, 64, generator=g)
    cos, sin = rope(torch.tensor([0, 1, 7, 300, 2047]), torch.float32)
    want = apply_rope(x, cos, sin)
    # The rotation itself, written out: (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin).
    freqs = torch.tensor([0, 1, 7, 300, 2047.0])[:, None] * rope._inv_freq[None]
    c, s = freqs.cos()[:, None], freqs.sin()[:, None]
    x1, x2 = x[..., :32], x[..., 32:]
    torch.testing.assert_close(want, torch.cat((x1 * c - x2 * s, x2 * c + x1 * s), -1))
    traced = torch.compile(apply_rope, fullgraph=True, dynamic=True)
    torch.testing.assert_close(traced(x, cos, sin), want, atol=1e-6, rtol=0)
    xb, cb, sb = x.bfloat16(), *rope(torch.tensor([0, 1, 7, 300, 2047]), torch.bfloat16)
    torch.testing.assert_close(traced(xb, cb, sb).float(), apply_rope(xb, cb, sb).float(),
                               atol=2e-2, rtol=2e-2)
