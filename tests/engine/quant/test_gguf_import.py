"""GGUF Q4_0 / Q4_1 / Q4_K imported as int4 and Q8_0 as int8 without re-quantization: bit for bit
gguf's numpy dequantization (Q4_K: where its zero is exact), through the kernel and `--weights int4`."""

import gguf
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.config import CacheConfig, EngineConfig
from engine.load import load
from engine.loaders import load_checkpoint
from engine.loaders.gguf import Q, dequantize, open_gguf, tensor_rows, unpermute_rows
from engine.models import CausalAttention
from engine.quant.cpu_int4 import cpu_int4_mm, pack_for_cpu
from engine.quant.gguf_import import (
    INT4_IMPORTS,
    gguf_int4_weights,
    gguf_q8_0_tensors,
    q4_0_to_int4,
    q4_1_to_int4,
    q4_k_to_int4,
)
from engine.quant.int4 import cat_int4, dequantize_int4, quantize_int4
from engine.quant.int4_linear import Int4Linear, swap_int4_linears
from engine.quant.int8_linear import dequantize_q8_0, quantize_q8_0
from engine.quant.quantize import add_small_batch_head, quantize_model
from engine.tokenizer import BYTE_ALPHABET


@pytest.fixture(scope="module")
def int4_weights(model_default_gguf, default_fp32):
    model, _ = default_fp32
    return gguf_int4_weights(model_default_gguf, model.config)


def test_every_q4_1_linear_is_bitwise_the_gguf_dequantization(int4_weights, default_fp32):
    model, _ = default_fp32
    linears = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear) and "layers" in n]
    assert sorted(int4_weights) == sorted(linears) and len(linears) == 210
    for name, w in int4_weights.items():
        assert w.group == 32 and w.scale.dtype == torch.float32
        # The loaded model holds the loader's fp32 dequantization, q/k rows already unpermuted.
        want = model.get_submodule(name).weight
        assert torch.equal(dequantize_int4(w).view(torch.int32), want.view(torch.int32)), name


@pytest.mark.parametrize("name", ["model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.k_proj",
                                  "model.layers.29.mlp.down_proj"])
def test_the_fp32_kernel_sees_exactly_that_weight(name, int4_weights, default_fp32):
    model, _ = default_fp32
    w = int4_weights[name]
    packed, sz = pack_for_cpu(w, torch.float32)
    # The identity through the kernel reads back its effective weight; Q4_1 values and zeros are
    # exact in fp32, so its fma and the GGUF formula agree bit for bit.
    effective = cpu_int4_mm(torch.eye(w.shape[1]), packed, 32, sz).T
    assert torch.equal(effective, model.get_submodule(name).weight)


def test_unpermuting_quantized_rows_equals_unpermuting_weights(model_default_gguf):
    reader = open_gguf(model_default_gguf)
    t = next(t for t in reader.tensors if t.name == "blk.3.attn_q.weight")
    raw = tensor_rows(t)
    before = unpermute_rows(dequantize(raw, Q.Q4_1, torch.float32), 9)
    after = dequantize_int4(q4_1_to_int4(unpermute_rows(raw, 9)))
    assert torch.equal(before, after)


def test_q8_0_embedding_is_bitwise_the_gguf_dequantization(model_default_gguf, default_fp32):
    model, _ = default_fp32
    tensors = gguf_q8_0_tensors(model_default_gguf)
    assert list(tensors) == ["model.embed_tokens.weight"]
    q, d = tensors["model.embed_tokens.weight"]
    assert q.dtype == torch.int8 and q.shape == (49152, 576) and d.shape == (49152, 18)
    assert torch.equal(dequantize_q8_0(q, d), model.model.embed_tokens.weight)


@pytest.mark.parametrize("convert, kind, width", [
    (q4_0_to_int4, "Q4_0", 18), (q4_1_to_int4, "Q4_1", 20), (q4_k_to_int4, "Q4_K", 144)])
def test_malformed_rows_are_rejected(convert, kind, width):
    with pytest.raises(ValueError, match=f"{kind} rows"):
        convert(torch.zeros(4, width + 1, dtype=torch.uint8))
    with pytest.raises(ValueError, match=f"{kind} rows"):
        convert(torch.zeros(4, width, dtype=torch.int8))


# --- Q4_0 / Q4_K blocks against gguf's numpy reference ------------------------------------------

# bf16 activations, scales and zeros through the int4 kernel: ~2^-8 of the output's size
# (test_cpu_int4.py's bound).
BF16_TOL = 1e-2


def q4_k_blocks(rng: np.random.Generator, rows: int, k: int) -> np.ndarray:
    """Random valid Q4_K rows uint8 [rows, k // 256 * 144]: every scale, min and code drawn, d
    about 2e-4 and dmin about 7.5 d as a quantizer makes them (weights ~0.05, centred). gguf's
    numpy module dequantizes K-quants but cannot make them."""
    raw = rng.integers(0, 256, (rows, k // 256, 144), dtype=np.uint8)
    d = rng.uniform(1.5e-4, 2.5e-4, (rows, k // 256, 1))
    raw[..., 0:2] = d.astype(np.float16).view(np.uint8)
    raw[..., 2:4] = (d * rng.uniform(6, 9, d.shape)).astype(np.float16).view(np.uint8)
    return raw.reshape(rows, -1)


def q6_k_blocks(rng: np.random.Generator, rows: int, k: int) -> np.ndarray:
    """Random valid Q6_K rows uint8 [rows, k // 256 * 210], d about 4e-5 (weights ~0.05)."""
    raw = rng.integers(0, 256, (rows, k // 256, 210), dtype=np.uint8)
    d = rng.uniform(3e-5, 5e-5, (rows, k // 256, 1))
    raw[..., 208:210] = d.astype(np.float16).view(np.uint8)
    return raw.reshape(rows, -1)


def blocks(qtype: Q, rows: int, k: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if qtype == Q.Q4_K:
        return q4_k_blocks(rng, rows, k)
    if qtype == Q.Q6_K:
        return q6_k_blocks(rng, rows, k)
    return gguf.quants.quantize(rng.standard_normal((rows, k)).astype(np.float32) * 0.05, qtype)


def gguf_dequantized(raw: np.ndarray, qtype: Q) -> torch.Tensor:
    """gguf's numpy reference: rows of bytes -> fp32 [rows, K]."""
    return torch.from_numpy(gguf.quants.dequantize(raw, qtype)).reshape(raw.shape[0], -1)


def ulp(x: torch.Tensor) -> torch.Tensor:
    """The fp32 ulp of each |x|, in fp64."""
    a = x.float().abs()
    return (torch.nextafter(a, torch.tensor(float("inf"))) - a).double()


@pytest.mark.parametrize("qtype", [Q.Q4_0, Q.Q4_1, Q.Q4_K], ids=lambda q: q.name)
def test_blocks_import_bit_for_bit(qtype):
    raw = blocks(qtype, 48, 512)
    want = gguf_dequantized(raw, qtype)
    w = INT4_IMPORTS[qtype](torch.from_numpy(raw))
    assert w.group == 32 and w.shape == (48, 512) and w.scale.dtype == torch.float32
    assert torch.equal(dequantize_int4(w).view(torch.int32), want.view(torch.int32))
    if qtype == Q.Q4_0:  # negative d (llama.cpp's d = max / -8): gguf's code 8 is -0.0, kept
        assert (want.view(torch.int32) == torch.iinfo(torch.int32).min).any()


def test_q4_k_nibble_order():
    """Within each 64 weights of a Q4_K block, the first 32 are the low nibbles of 32 bytes and
    the next 32 the high ones (Q4_0 / Q4_1 split a block of 32 over 16 bytes instead)."""
    block = np.zeros(144, np.uint8)
    block[0:2] = np.array([1], np.float16).view(np.uint8)  # d = 1, dmin = 0
    # Scale bytes 0-3: scales 0-3 = 1; 4-7: mins 0-3 = 0; 8-11: scales 4-7 = 1 (low nibbles).
    block[4:8], block[12:16] = 1, 1
    i = np.arange(128)
    block[16:] = (i % 16) | ((15 - i % 16) << 4)
    codes = dequantize_int4(q4_k_to_int4(torch.from_numpy(block[None]))).view(4, 2, 32)
    assert torch.equal(codes[:, 0], torch.arange(128).view(4, 32).remainder(16).float())
    assert torch.equal(codes[:, 1], 15 - torch.arange(128).view(4, 32).remainder(16).float())
    assert torch.equal(codes.flatten(), gguf_dequantized(block[None], Q.Q4_K).flatten())


def test_q4_k_zero_rounding_is_bounded():
    """zero = 8 d sc - dmin m needs more than fp32's 24 bits only where d and dmin lie far apart
    (random fp16 here; quantizers put dmin near 8 d): its rounding moves a weight by at most half
    an ulp of the zero, the sum's own rounding (ours and gguf's) by an ulp of the weight. Where
    8 d and dmin are within 2^6 of each other the zero is exact and the weights are gguf's."""
    rng = np.random.default_rng(1)
    raw = rng.integers(0, 256, (4096, 144), dtype=np.uint8)
    raw[:, 0:4] = rng.integers(1, 0x7C00, (4096, 2), dtype=np.uint16).view(np.uint8)  # > 0, finite
    want = gguf_dequantized(raw, Q.Q4_K)
    w = q4_k_to_int4(torch.from_numpy(raw))
    got = dequantize_int4(w)
    diff = (got.double() - want.double()).abs()
    bound = ulp(w.zero.repeat_interleave(32, dim=1)) / 2 + ulp(torch.maximum(got.abs(), want.abs()))
    assert (diff > 0).any() and (diff <= bound).all()
    d, dmin = (torch.from_numpy(raw[:, i:i + 2].copy().view(np.float16)).float().squeeze(1)
               for i in (0, 2))
    near = (torch.frexp(8 * d).exponent - torch.frexp(dmin).exponent).abs() <= 6
    assert near.sum() > 1000
    assert torch.equal(got[near].view(torch.int32), want[near].view(torch.int32))


@pytest.mark.parametrize("qtype", [Q.Q4_0, Q.Q4_1, Q.Q4_K], ids=lambda q: q.name)
def test_int4_linear_computes_with_the_imported_weight(qtype):
    raw = blocks(qtype, 64, 512, seed=2)
    want = gguf_dequantized(raw, qtype)
    w = INT4_IMPORTS[qtype](torch.from_numpy(raw))
    # fp32: the kernel's fma(q - 8, scale, zero) rounds once, as gguf does, so the identity reads
    # back gguf's weights (as values: a sum of products cannot return -0.0).
    exact = Int4Linear(w, act_dtype=torch.float32)
    assert torch.equal(exact(torch.eye(512)).T, want)
    x = torch.randn(8, 512, generator=torch.Generator().manual_seed(0))
    ref = F.linear(x, want)
    got = Int4Linear(w, act_dtype=torch.bfloat16)(x.bfloat16()).float()
    assert ((got - ref).abs().max() / ref.abs().max()).item() < BF16_TOL


# --- a Q4_K_M-like file through `--weights int4` -------------------------------------------------

HIDDEN, FFN, HEADS, KV_HEADS = 256, 512, 4, 2  # whole 256-blocks: the K-quants apply
PAIRS = ["th", "he", "in", "er", "an", "re", "on", "at", "en", "nd", "ti", "es", "or", "te", "of", "ed"]
VOCAB = 256 + len(PAIRS)  # the bytes and a few merges (the tokenizer needs some)
SHAPES = {"attn_q": (HIDDEN, HIDDEN), "attn_k": (HIDDEN // 2, HIDDEN),
          "attn_v": (HIDDEN // 2, HIDDEN), "attn_output": (HIDDEN, HIDDEN),
          "ffn_gate": (FFN, HIDDEN), "ffn_up": (FFN, HIDDEN), "ffn_down": (HIDDEN, FFN)}
_Q4_K = dict.fromkeys(SHAPES, Q.Q4_K)
# Per layer, then the embedding and the head (None: tied). "q4_k_m" as llama-quantize writes it:
# Q6_K for attn_v and ffn_down on the layers it gives more bits, and for the head; "legacy": the
# older types, with a Q8_0 tied embedding (imported as the small-batch head's table).
LAYOUTS = {
    "q4_k_m": ([{**_Q4_K, "attn_v": Q.Q6_K, "ffn_down": Q.Q6_K}, _Q4_K], Q.Q4_K, Q.Q6_K),
    "legacy": ([{**dict.fromkeys(SHAPES, Q.Q4_0), "attn_v": Q.Q8_0},
                {**dict.fromkeys(SHAPES, Q.Q4_1), "ffn_down": Q.Q5_0}], Q.Q8_0, None),
}


def write_gguf(path, layers, embedding, head):
    """A llama GGUF with random valid blocks of the given types, F32 norms, a byte-level vocab."""
    w = gguf.GGUFWriter(path, "llama")
    for key, value in {"block_count": len(layers), "context_length": 64,
                       "embedding_length": HIDDEN, "feed_forward_length": FFN,
                       "attention.head_count": HEADS, "attention.head_count_kv": KV_HEADS}.items():
        w.add_uint32(f"llama.{key}", value)
    w.add_float32("llama.attention.layer_norm_rms_epsilon", 1e-5)
    w.add_tokenizer_model("gpt2")
    w.add_token_list([BYTE_ALPHABET[b] for b in range(256)] + PAIRS)
    w.add_token_merges([" ".join(pair) for pair in PAIRS])
    seed = iter(range(100))

    def add(name, qtype, shape):
        w.add_tensor(name, blocks(qtype, *shape, seed=next(seed)), raw_dtype=qtype)

    add("token_embd.weight", embedding, (VOCAB, HIDDEN))
    for i, types in enumerate(layers):
        for part, qtype in types.items():
            add(f"blk.{i}.{part}.weight", qtype, SHAPES[part])
        for norm in ("attn_norm", "ffn_norm"):
            w.add_tensor(f"blk.{i}.{norm}.weight", np.ones(HIDDEN, np.float32))
    w.add_tensor("output_norm.weight", np.ones(HIDDEN, np.float32))
    if head is not None:
        add("output.weight", head, (VOCAB, HIDDEN))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


@pytest.fixture(scope="module", params=list(LAYOUTS))
def mixed_gguf(request, tmp_path_factory):
    """(path, {HF linear name: its GGUF type})."""
    layers = LAYOUTS[request.param][0]
    path = write_gguf(tmp_path_factory.mktemp("gguf") / f"{request.param}.gguf", *LAYOUTS[request.param])
    names = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
             "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj",
             "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    types = {f"model.layers.{i}.{names[part]}": qtype
             for i, layer in enumerate(layers) for part, qtype in layer.items()}
    return path, types


def test_q4_blocks_are_imported_and_the_rest_rounded(mixed_gguf):
    """In fp32 the kernel reads back every Q4_0 / Q4_1 / Q4_K linear as the loader's (gguf's)
    dequantization bit for bit; the other types are that dequantization rounded to int4."""
    path, types = mixed_gguf
    _, dense = load_checkpoint(path, torch.float32)
    _, model = load_checkpoint(path, torch.float32)
    report = quantize_model(model, source_gguf=path, act_dtype=torch.float32)
    imported = [n for n, qtype in types.items() if qtype in INT4_IMPORTS]
    assert sorted(report.swapped) == sorted(types) and report.imported == len(imported)
    for name, qtype in types.items():
        module, want = model.get_submodule(name), dense.get_submodule(name).weight
        assert isinstance(module, Int4Linear)
        effective = module(torch.eye(module.in_features)).T
        if qtype in INT4_IMPORTS:
            assert torch.equal(effective, want), name
        else:  # the kernel's fma against the reference's multiply and add: within an ulp
            torch.testing.assert_close(effective, dequantize_int4(quantize_int4(want, 32)),
                                       rtol=1e-6, atol=1e-8)
            assert not torch.equal(effective, want)


FUSED = {"self_attn.qkv_proj": ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"),
         "mlp.gate_up_proj": ("mlp.gate_proj", "mlp.up_proj")}


@pytest.fixture(scope="module")
def served(mixed_gguf):
    """(the `--weights int4` load, the dense bf16 load, the int4 weights it should hold by name:
    the file's Q4 blocks, else the bf16 weight rounded)."""
    path, types = mixed_gguf
    loaded = load(EngineConfig(model=str(path), weights="int4", cache=CacheConfig(num_blocks=8)))
    config, bf16 = load_checkpoint(path, torch.bfloat16)
    from_file = gguf_int4_weights(path, config)
    # (and a Q4 embedding, which the loader keeps dequantized)
    assert {n for n in from_file if n.startswith("model.layers.")} == \
        {n for n, q in types.items() if q in INT4_IMPORTS}
    want = {n: from_file.get(n) or quantize_int4(bf16.get_submodule(n).weight, 32) for n in types}
    return loaded, bf16, want


def greedy(model, prompt, steps):
    ids = list(prompt)
    with torch.inference_mode():
        for _ in range(steps):
            hidden = model(torch.tensor(ids), torch.arange(len(ids)), CausalAttention())
            ids.append(int(model.compute_logits(hidden[-1:]).argmax()))
    return ids[len(prompt):]


def last_logits(model, ids):
    """Each prefix's next-token logits [len(ids), vocab], one row at a time as greedy sees them."""
    with torch.inference_mode():
        return torch.cat([model.compute_logits(model(torch.tensor(ids[:i]), torch.arange(i),
                                                     CausalAttention())[-1:])
                          for i in range(1, len(ids) + 1)])


def test_engine_int4_linears_hold_the_files_blocks(served, mixed_gguf):
    """Every int4 linear of the `--weights int4` load holds the file's blocks (fused q|k|v and
    gate|up: the same blocks stacked) or, for the other types, the bf16 load rounded."""
    loaded, _, want = served
    seen = []
    for name, module in loaded.model.named_modules():
        if isinstance(module, Int4Linear):
            head = name.split(".")  # model.layers.<i>.<block>.<proj>
            layer, key = ".".join(head[:3]), ".".join(head[3:])
            parts = [f"{layer}.{p}" for p in FUSED.get(key, (key,))]
            packed, scales_and_zeros = pack_for_cpu(cat_int4([want[p] for p in parts]), torch.bfloat16)
            assert torch.equal(module.packed, packed), name
            assert torch.equal(module.scales_and_zeros, scales_and_zeros), name
            seen += parts
    assert sorted(seen) == sorted(mixed_gguf[1])


def test_engine_int4_tokens_are_the_dequantized_model_quantized_alike(served, mixed_gguf):
    """Greedy tokens equal those of the plain dense load with the same int4 weights swapped in
    (unfused) and the same head; logits stay within bf16's reach of the fp32 plain-torch model
    over the loader's exact dequantization (Q4 layers) and the rounded weights (the rest)."""
    path, types = mixed_gguf
    loaded, bf16, want = served
    _, alike = load_checkpoint(path, torch.bfloat16)
    swap_int4_linears(alike, want)
    add_small_batch_head(alike, path)
    prompt = [ord(c) for c in "GGUF int4"]
    tokens = greedy(loaded.model, prompt, 16)
    assert tokens == greedy(alike, prompt, 16)

    config, exact = load_checkpoint(path, torch.float32)
    with torch.no_grad():
        for name, qtype in types.items():
            if qtype not in INT4_IMPORTS:
                exact.get_submodule(name).weight.copy_(dequantize_int4(want[name]))
        # The head as `add_small_batch_head` makes it: the file's Q8_0 table, else rounded to Q8_0.
        tables = gguf_q8_0_tensors(path)
        table = tables.get("lm_head.weight") or (
            tables.get("model.embed_tokens.weight") if config.tie_word_embeddings else None)
        exact.lm_head.weight = torch.nn.Parameter(
            dequantize_q8_0(*(table or quantize_q8_0(bf16.lm_head.weight))))
    got, ref = last_logits(loaded.model, prompt + tokens), last_logits(exact, prompt + tokens)
    # Measured: 0.09 (q4_k_m) and 0.03 (legacy) against logits of std 0.85 (bf16 activations,
    # scales and zeros); two layers with Q4_K's nibble halves swapped move them by 3.6.
    assert (got - ref).abs().max() < 0.2 < ref.std()
