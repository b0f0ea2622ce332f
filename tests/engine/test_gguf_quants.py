"""GGUF tensor types against gguf's numpy reference, bit for bit: random valid blocks, blocks that
gguf quantized from weights, and tensors written to a real GGUF file and read back."""

from pathlib import Path

import gguf
import numpy as np
import pytest
import torch

from engine.loaders.gguf import open_gguf, tensor_rows
from engine.loaders.gguf_quants import dequantize

Q = gguf.GGMLQuantizationType
# Byte offsets of each block's fp16 fields (d, and min or dmin), the only bytes a random block
# must not fill at random: every other bit pattern is a valid code, scale or int8 scale.
FP16_FIELDS = {
    Q.Q4_0: (0,), Q.Q4_1: (0, 2), Q.Q5_0: (0,), Q.Q5_1: (0, 2), Q.Q8_0: (0,),
    Q.Q2_K: (80, 82), Q.Q3_K: (108,), Q.Q4_K: (0, 2), Q.Q5_K: (0, 2), Q.Q6_K: (208,),
}
FLOATS = (Q.F32, Q.F16, Q.BF16)
ROWS, BLOCKS_PER_ROW = 3, 5


def n_cols(qtype: Q, blocks_per_row: int = BLOCKS_PER_ROW) -> int:
    return blocks_per_row * (32 if qtype in FLOATS else gguf.GGML_QUANT_SIZES[qtype][0])


def random_blocks(qtype: Q, seed: int = 0, blocks_per_row: int = BLOCKS_PER_ROW) -> np.ndarray:
    """[ROWS, bytes_per_row] uint8: random codes and scales, finite fp16 d/min of mixed sign and
    magnitude (subnormal fp16 included)."""
    rng = np.random.default_rng(seed)
    if qtype in FLOATS:
        weights = rng.standard_normal((ROWS, n_cols(qtype, blocks_per_row)), dtype=np.float32)
        return np.ascontiguousarray(gguf.quants.quantize(weights, qtype)).view(np.uint8)
    type_size = gguf.GGML_QUANT_SIZES[qtype][1]
    blocks = rng.integers(0, 256, (ROWS * blocks_per_row, type_size), dtype=np.uint8)
    for offset in FP16_FIELDS[qtype]:
        scale = rng.standard_normal(len(blocks)) * 10.0 ** rng.integers(-7, 3, len(blocks))
        blocks[:, offset:offset + 2] = scale.astype(np.float16).view(np.uint8).reshape(-1, 2)
    return blocks.reshape(ROWS, -1)


def reference(packed: np.ndarray, qtype: Q) -> torch.Tensor:
    return torch.from_numpy(np.array(gguf.quants.dequantize(packed, qtype), dtype=np.float32))


def assert_same_bits(got: torch.Tensor, want: torch.Tensor) -> None:
    """Bit for bit (torch.equal alone calls -0.0 and 0.0 equal)."""
    assert got.dtype == want.dtype and got.shape == want.shape
    assert torch.equal(got.view(torch.int32), want.view(torch.int32))


@pytest.mark.parametrize("qtype", [*FLOATS, *FP16_FIELDS], ids=lambda q: q.name)
def test_random_blocks_like_gguf_reference(qtype: Q) -> None:
    packed = random_blocks(qtype)
    want = reference(packed, qtype)
    assert want.shape == (ROWS, n_cols(qtype)) and torch.isfinite(want).all()
    got = dequantize(torch.from_numpy(packed), qtype, torch.float32)
    assert_same_bits(got, want)
    assert torch.equal(dequantize(torch.from_numpy(packed), qtype, torch.bfloat16),
                       want.to(torch.bfloat16))


@pytest.mark.parametrize("qtype", [Q.Q4_0, Q.Q8_0, Q.Q3_K, Q.Q6_K], ids=lambda q: q.name)
def test_tensor_of_several_chunks_like_gguf_reference(qtype: Q) -> None:
    """More than 2**18 weights, dequantized a chunk at a time: chunk edges fall inside rows."""
    packed = random_blocks(qtype, blocks_per_row=2**19 // (ROWS * n_cols(qtype, 1)) + 7)
    want = reference(packed, qtype)
    assert 2**19 < want.numel() < 3 * 2**18
    assert_same_bits(dequantize(torch.from_numpy(packed), qtype, torch.float32), want)
    assert torch.equal(dequantize(torch.from_numpy(packed), qtype, torch.bfloat16),
                       want.to(torch.bfloat16))


@pytest.mark.parametrize("qtype", [Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0], ids=lambda q: q.name)
def test_gguf_quantized_weights_like_gguf_reference(qtype: Q) -> None:
    """Weights gguf itself quantized (codes at both ends of their range, zero blocks) come back as
    gguf dequantizes them, within one quantization step of the weights."""
    weights = np.random.default_rng(1).standard_normal((4, 128), dtype=np.float32)
    weights[0, :32] = 0.0
    packed = gguf.quants.quantize(weights, qtype)
    got = dequantize(torch.from_numpy(packed), qtype, torch.float32)
    assert_same_bits(got, reference(packed, qtype))
    step = np.abs(weights).reshape(4, -1, 32).max(-1, keepdims=True) / 7  # Q4_0's coarsest step
    assert (np.abs(got.numpy() - weights).reshape(4, -1, 32) <= step).all()


@pytest.mark.parametrize("qtype", list(FP16_FIELDS), ids=lambda q: q.name)
def test_tensor_in_a_written_gguf_file_reads_back_like_gguf_reference(
    qtype: Q, tmp_path: Path
) -> None:
    packed = random_blocks(qtype, seed=2)
    writer = gguf.GGUFWriter(tmp_path / "w.gguf", "llama")
    writer.add_tensor("blk.0.ffn_up.weight", packed, raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    (tensor,) = open_gguf(tmp_path / "w.gguf").tensors
    assert tensor.tensor_type == qtype
    assert [int(s) for s in tensor.shape] == [n_cols(qtype), ROWS]  # GGUF order: row length first
    got = dequantize(tensor_rows(tensor), qtype, torch.float32)
    assert_same_bits(got, reference(packed, qtype))


def test_unsupported_type_is_named_with_the_supported_ones() -> None:
    with pytest.raises(ValueError) as info:
        dequantize(torch.zeros(1, 66, dtype=torch.uint8), Q.IQ2_XXS, torch.float32)
    assert str(info.value) == (
        "GGUF tensor type IQ2_XXS is not supported; supported: F32, F16, BF16, "
        "Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K"
    )


def test_rows_that_are_not_whole_blocks_are_refused() -> None:
    with pytest.raises(ValueError, match="Q4_K rows of 200 bytes are not whole 144-byte blocks"):
        dequantize(torch.zeros(2, 200, dtype=torch.uint8), Q.Q4_K, torch.float32)
