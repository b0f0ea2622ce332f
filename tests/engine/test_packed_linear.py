"""PackedLinear (oneDNN-prepacked weights) against its plain-torch reference, nn.Linear."""

import pytest
import torch
from torch import nn

from engine.packed_linear import PackedLinear, pack_model, packing_available

pytestmark = pytest.mark.skipif(not packing_available(), reason="this torch build has no oneDNN")


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("dtype,tol", [(torch.float32, 1e-5), (torch.bfloat16, 2e-2)])
@pytest.mark.parametrize("shape", [(1, 64), (7, 64), (2, 5, 64)])
def test_packed_linear_matches_nn_linear(dtype, tol, shape, bias):
    torch.manual_seed(0)
    ref = nn.Linear(64, 48, bias=bias).to(dtype)
    if bias:
        nn.init.normal_(ref.bias)
    x = torch.randn(shape).to(dtype)
    with torch.inference_mode():
        want = ref(x).float()
        got = PackedLinear(ref)(x).float()
    assert got.shape == want.shape
    assert (got - want).abs().max().item() <= tol * want.abs().max().item()


def test_pack_model_swaps_the_linears_and_keeps_the_output(tiny_llama_dir):
    from engine.loaders import load_checkpoint
    from engine.models import CausalAttention

    _, model = load_checkpoint(tiny_llama_dir, torch.float32)
    ids = torch.tensor([3, 17, 42, 9, 100, 7])
    pos = torch.arange(len(ids))
    with torch.inference_mode():
        want = model.compute_logits(model(ids, pos, CausalAttention()))
        n = pack_model(model, torch.float32)
        got = model.compute_logits(model(ids, pos, CausalAttention()))
    assert n == 1 + 7 * model.config.num_layers
    assert not any(isinstance(m, nn.Linear) for m in model.modules())
    torch.testing.assert_close(got, want, atol=1e-4, rtol=1e-4)
