"""Served LoRA on a tiny random Llama: logits against the merged-weight reference (plain, fused +
packed, int4 bases), mixed batches, the adapter in the prefix-cache key, the byte budget with LRU
eviction, and parity with the peft model an adapter was exported from."""

from __future__ import annotations

import json
import weakref
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from engine.config import CacheConfig, EngineConfig, LoraConfig, SchedulerConfig
from engine.kv_cache_manager import KVCacheManager
from engine.llm_engine import LLMEngine
from engine.loaders import load_checkpoint
from engine.lora import AdapterError, LoraLinear, base_model_sha256
from engine.lora_registry import LoraRegistry
from engine.models import CausalAttention
from engine.packed_linear import pack_model
from engine.paged_attention import KVCache
from engine.protocol import AdapterRef, GenerateRequest, SamplingParams
from engine.quant import dequantize_int4, quantize_int4, quantize_model
from engine.runner import ModelRunner
from engine.scheduler import Scheduler
from engine.sequence import Sequence
from engine.tokenizer import Tokenizer
from tests.trainer.conftest import write_byte_tokenizer

ALL = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
PROMPT = [3, 17, 42, 9, 100, 7, 250, 31, 8, 64, 5, 200, 11, 90, 45, 2, 77, 19, 23, 56]


def write_peft(folder: Path, model_dir: Path, targets: tuple[str, ...], r: int, alpha: float,
               seed: int) -> Path:
    """A random adapter in peft's layout (B non-zero, as after training)."""
    config = json.loads((model_dir / "config.json").read_text())
    g = torch.Generator().manual_seed(seed)
    hidden, inter, d = config["hidden_size"], config["intermediate_size"], \
        config["hidden_size"] // config["num_attention_heads"]
    kv = config["num_key_value_heads"] * d
    shapes = {"q_proj": (hidden, hidden), "k_proj": (hidden, kv), "v_proj": (hidden, kv),
              "o_proj": (hidden, hidden), "gate_proj": (hidden, inter),
              "up_proj": (hidden, inter), "down_proj": (inter, hidden)}
    tensors = {}
    for i in range(config["num_hidden_layers"]):
        for t in targets:
            part = "mlp" if t in ("gate_proj", "up_proj", "down_proj") else "self_attn"
            key = f"base_model.model.model.layers.{i}.{part}.{t}"
            n_in, n_out = shapes[t]
            tensors[f"{key}.lora_A.weight"] = torch.randn(r, n_in, generator=g) * 0.2
            tensors[f"{key}.lora_B.weight"] = torch.randn(n_out, r, generator=g) * 0.2
    folder.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(folder / "adapter_model.safetensors"))
    (folder / "adapter_config.json").write_text(json.dumps(
        {"peft_type": "LORA", "r": r, "lora_alpha": alpha, "target_modules": list(targets),
         "bias": "none"}))
    return folder


@pytest.fixture(scope="module")
def adapters(tiny_llama_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("adapters")
    return {"a1": write_peft(root / "a1", tiny_llama_dir, ALL, 4, 8.0, 1),
            "a2": write_peft(root / "a2", tiny_llama_dir, ("q_proj", "v_proj", "down_proj"),
                             2, 6.0, 2)}


def reference_logits(model_dir: Path, ids: list[int], adapter: Path | None,
                     int4: bool = False) -> torch.Tensor:
    """Plain torch: base weights (int4-rounded if asked) + scale * B @ A merged, dense causal."""
    _, model = load_checkpoint(model_dir, torch.float32)
    state = model.state_dict()
    with torch.no_grad():
        if int4:
            for name, w in state.items():
                if name.startswith("model.layers.") and name.endswith("_proj.weight"):
                    w.copy_(dequantize_int4(quantize_int4(w, 32)))
        if adapter is not None:
            config = json.loads((adapter / "adapter_config.json").read_text())
            tensors = load_file(str(adapter / "adapter_model.safetensors"))
            for key, a in tensors.items():
                if ".lora_A." in key:
                    b = tensors[key.replace("lora_A", "lora_B")]
                    name = key.removeprefix("base_model.model.").replace(".lora_A", "")
                    state[name] += config["lora_alpha"] / config["r"] * (b @ a)
        x = torch.tensor(ids)
        return model.compute_logits(model(x, torch.arange(len(ids)), CausalAttention()))


def served_model(model_dir: Path, kind: str):  # noqa: ANN201
    _, model = load_checkpoint(model_dir, torch.float32)
    if kind == "fused":
        assert model.fuse_projections()
        pack_model(model, torch.float32)
    elif kind.startswith("int4"):  # fp32 activations: the exact path of the int4 kernel
        quantize_model(model, group=32, act_dtype=torch.float32, fuse=kind == "int4-fused")
    return model


def run_batch(model, registry: LoraRegistry, prompts: list[tuple[list[int], str | None]]
              ) -> list[torch.Tensor]:
    """Every row's logits for prompts computed in one scheduled batch."""
    kv = KVCacheManager(64, 16, enable_prefix_caching=False)
    scheduler = Scheduler(SchedulerConfig(max_num_batched_tokens=1024), kv)
    runner = ModelRunner(model, KVCache(num_layers=model.config.num_layers, num_blocks=64,
                                        block_size=16, num_kv_heads=model.config.num_kv_heads,
                                        head_dim=model.config.head_dim, dtype=torch.float32),
                         registry)
    seqs = [Sequence(str(i), ids, SamplingParams(prompt_logprobs=0), adapter)
            for i, (ids, adapter) in enumerate(prompts)]
    for seq in seqs:
        scheduler.add(seq)
    batch = scheduler.schedule()
    assert len(batch.items) == len(seqs)
    out = runner.execute(batch)
    return [torch.cat([out.prompt_logits[s.request_id][1], out.logits[i : i + 1]])
            for i, s in enumerate(seqs)]


def registry_for(model, adapters: dict[str, Path], budget: int = 1 << 30) -> LoraRegistry:
    registry = LoraRegistry(model, budget)
    for name, path in adapters.items():
        registry.retain(name, path)
    return registry


@pytest.mark.parametrize("kind", ["plain", "fused", "int4", "int4-fused"])
def test_adapter_logits_equal_the_merged_reference(tiny_llama_dir, adapters, kind) -> None:
    model = served_model(tiny_llama_dir, kind)
    registry = registry_for(model, adapters)
    assert isinstance(model.model.layers[0].mlp.down_proj, LoraLinear)
    if kind.endswith("fused"):
        assert isinstance(model.model.layers[0].self_attn.qkv_proj, LoraLinear)
    got = run_batch(model, registry, [(PROMPT, "a1")])[0]
    int4 = kind.startswith("int4")
    want = reference_logits(tiny_llama_dir, PROMPT, adapters["a1"], int4=int4)
    torch.testing.assert_close(got, want, atol=2e-4, rtol=2e-4)
    base = reference_logits(tiny_llama_dir, PROMPT, None, int4=int4)
    assert (got - base).abs().max() > 0.1  # the adapter changes the answer


@pytest.mark.parametrize("kind", ["plain", "fused"])
def test_a_mixed_batch_equals_each_row_alone(tiny_llama_dir, adapters, kind) -> None:
    model = served_model(tiny_llama_dir, kind)
    registry = registry_for(model, adapters)
    prompts = [(PROMPT, "a1"), (PROMPT[:11], None), (PROMPT[3:], "a2"), (PROMPT[5:17], "a1")]
    mixed = run_batch(model, registry, prompts)  # a1's rows are not adjacent: the index path
    for (ids, adapter), got in zip(prompts, mixed, strict=True):
        alone = run_batch(model, registry, [(ids, adapter)])[0]
        torch.testing.assert_close(got, alone, atol=1e-5, rtol=1e-5)
        want = reference_logits(tiny_llama_dir, ids, adapters.get(adapter or ""))
        torch.testing.assert_close(got, want, atol=2e-4, rtol=2e-4)


@pytest.fixture(scope="module")
def tokenizer(tiny_llama_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Tokenizer:
    folder = tmp_path_factory.mktemp("byte-tokenizer")
    write_byte_tokenizer(folder)
    return Tokenizer.from_hf_folder(folder)


# An engine's adapter folders by id, as the server's model registry would hand them in requests.
FOLDERS: weakref.WeakKeyDictionary[LLMEngine, dict[str, Path]] = weakref.WeakKeyDictionary()


def make_engine(model_dir: Path, tokenizer: Tokenizer, adapters: dict[str, Path],
                prefix: bool = True) -> LLMEngine:
    _, model = load_checkpoint(model_dir, torch.float32)
    config = EngineConfig(cache=CacheConfig(num_blocks=64, enable_prefix_caching=prefix))
    engine = LLMEngine(model, tokenizer, config, 64, 64 * 16)
    FOLDERS[engine] = dict(adapters)  # the server's registry's part: an id's folder
    return engine


def generate(engine: LLMEngine, requests: list[tuple[str, list[int], str | None]]
             ) -> dict[str, list[int]]:
    # The byte tokenizer spells ids < 259 only: the random model's other ids are kept out.
    params = SamplingParams(temperature=0.0, max_tokens=6, ignore_eos=True,
                            logit_bias=tuple((i, -100.0) for i in range(259, 320)))
    for rid, ids, adapter in requests:
        ref = None if adapter is None else AdapterRef(
            id=adapter, path=str(FOLDERS[engine].get(adapter, Path("/nonexistent") / adapter)))
        engine.add_request(GenerateRequest(request_id=rid, prompt_ids=tuple(ids),
                                           sampling=params, adapter=ref))
    out: dict[str, list[int]] = {rid: [] for rid, _, _ in requests}
    while engine.has_work():
        for o in engine.step():
            out[o.request_id] += o.token_ids
    return out


def test_greedy_decode_of_a_mixed_batch_equals_each_alone(tiny_llama_dir, tokenizer,
                                                          adapters) -> None:
    requests = [("x", PROMPT, "a1"), ("y", PROMPT, None), ("z", PROMPT, "a2"),
                ("w", PROMPT[4:], "a1")]
    engine = make_engine(tiny_llama_dir, tokenizer, adapters, prefix=False)
    mixed = generate(engine, requests)
    for request in requests:
        alone = generate(make_engine(tiny_llama_dir, tokenizer, adapters, prefix=False),
                         [request])
        assert mixed[request[0]] == alone[request[0]], request
    assert mixed["x"] != mixed["y"] != mixed["z"]
    assert not engine.adapters.refs  # every finished request let go of its adapter


def test_the_prefix_cache_is_keyed_by_adapter(tiny_llama_dir, tokenizer, adapters) -> None:
    engine = make_engine(tiny_llama_dir, tokenizer, adapters)
    prompt = PROMPT * 2  # 40 tokens: two full blocks can be reused

    def hits() -> int:
        return engine.stats().prefix_cache_hit_tokens

    base = generate(engine, [("b1", prompt, None)])["b1"]
    tuned = generate(engine, [("t1", prompt, "a1")])["t1"]
    assert hits() == 0  # the base's blocks are not the adapter's
    assert generate(engine, [("t2", prompt, "a1")])["t2"] == tuned
    assert hits() == 32
    assert generate(engine, [("o1", prompt, "a2")]) and hits() == 32
    assert generate(engine, [("b2", prompt, None)])["b2"] == base
    assert hits() == 64
    fresh = generate(make_engine(tiny_llama_dir, tokenizer, adapters, prefix=False),
                     [("t", prompt, "a1")])
    assert fresh["t"] == tuned


def test_eviction_under_the_budget_is_least_recently_used(tiny_llama_dir, adapters,
                                                          tmp_path) -> None:
    model = served_model(tiny_llama_dir, "fused")
    a3 = write_peft(tmp_path / "a3", tiny_llama_dir, ALL, 4, 8.0, 3)
    size = registry_for(model, {"a1": adapters["a1"]}).loaded["a1"].nbytes
    registry = LoraRegistry(model, budget_bytes=2 * size + size // 2)  # two a1-sized adapters
    folders = {"a1": adapters["a1"], "a3": a3, "a1b": adapters["a1"]}
    for name in ("a1", "a3"):
        registry.retain(name, folders[name])
        registry.release(name)
    registry.retain("a1", folders["a1"])  # a1 is now the most recently used, a3 the least
    registry.release("a1")
    registry.retain("a1b", folders["a1b"])
    assert list(registry.loaded) == ["a1", "a1b"]
    assert registry.nbytes <= registry.budget_bytes
    registry.retain("a1", folders["a1"])  # both held by requests: nothing can make room for a3
    with pytest.raises(AdapterError, match="budget"):
        registry.retain("a3", folders["a3"])
    registry.release("a1b")
    registry.retain("a3", folders["a3"])
    assert list(registry.loaded) == ["a1", "a3"]


def test_an_id_given_new_weights_reloads_once_no_request_holds_the_old(tiny_llama_dir,
                                                                       adapters) -> None:
    registry = LoraRegistry(served_model(tiny_llama_dir, "plain"), 1 << 30)
    old = registry.retain("x", adapters["a1"])
    assert registry.retain("x", adapters["a1"]) is old  # loaded once, held twice
    with pytest.raises(AdapterError, match="being replaced"):  # new weights, old ones in use
        registry.retain("x", adapters["a2"])
    registry.release("x")
    registry.release("x")
    assert registry.loaded["x"] is old and not registry.refs  # kept for the next request
    new = registry.retain("x", adapters["a2"])
    assert new.weights.keys() != old.weights.keys()  # a2 trains other modules
    assert registry.folders["x"] == adapters["a2"]
    registry.release("x")
    with pytest.raises(AdapterError, match="folder is gone"):
        registry.retain("y", adapters["a1"] / "missing")
    assert "y" not in registry.loaded and not registry.refs


def test_unknown_bad_or_oversized_adapters_are_refused(tiny_llama_dir, tokenizer, adapters,
                                                       tmp_path) -> None:
    engine = make_engine(tiny_llama_dir, tokenizer, adapters)
    with pytest.raises(AdapterError, match="folder is gone"):
        generate(engine, [("u", PROMPT, "nope")])
    assert not engine.requests and not engine.scheduler.has_work()
    wrong = write_peft(tmp_path / "wrong", tiny_llama_dir, ("q_proj",), 4, 8.0, 4)
    file = wrong / "adapter_model.safetensors"
    tensors = {k: v[:, :10].contiguous() if "lora_A" in k else v
               for k, v in load_file(str(file)).items()}
    save_file(tensors, str(wrong / "adapter_model.safetensors"))
    FOLDERS[engine]["wrong"] = wrong
    with pytest.raises(AdapterError, match="needs A"):
        generate(engine, [("w", PROMPT, "wrong")])
    small = LoraRegistry(served_model(tiny_llama_dir, "plain"), budget_bytes=1000)
    with pytest.raises(AdapterError, match="budget is 1000"):
        small.retain("a1", adapters["a1"])


def test_an_adapter_for_another_base_is_refused(tiny_llama_dir, adapters, tmp_path) -> None:
    import shutil

    folder = tmp_path / "other"
    shutil.copytree(adapters["a1"], folder)
    (folder / "manifest.json").write_text(json.dumps({"base_model_sha256": "0" * 64}))
    registry = LoraRegistry(served_model(tiny_llama_dir, "plain"), 1 << 30,
                            base_path=tiny_llama_dir)
    with pytest.raises(AdapterError, match="another base model"):
        registry.retain("other", folder)
    (folder / "manifest.json").write_text(json.dumps(
        {"base_model_sha256": base_model_sha256(tiny_llama_dir)}))
    registry.retain("other", folder)


def test_peft_parity_through_the_trainers_export(tiny_llama_dir, tmp_path) -> None:
    """An adapter trained with peft and written by trainer.export serves the same logits."""
    from trainer.config import LoraConfig as TrainLora
    from trainer.export import base_model_hash, write_adapter
    from trainer.model import apply_lora

    assert base_model_sha256(tiny_llama_dir) == base_model_hash(tiny_llama_dir)
    _, lm = load_checkpoint(tiny_llama_dir, torch.float32)
    net = apply_lora(lm, TrainLora(r=4, alpha=12, targets=("q_proj", "k_proj", "up_proj",
                                                           "o_proj")), seed=5)
    with torch.no_grad():
        for name, p in net.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn_like(p) * 0.2)
    net.eval()
    with torch.no_grad():
        ids = torch.tensor(PROMPT)
        want = lm.compute_logits(lm(ids, torch.arange(len(PROMPT)), CausalAttention()))
    state = {n: p.detach() for n, p in net.named_parameters() if p.requires_grad}
    folder = write_adapter(tmp_path / "adapter", state, net, tiny_llama_dir, {"step": 1})
    model = served_model(tiny_llama_dir, "fused")
    registry = LoraRegistry(model, 1 << 30, base_path=tiny_llama_dir)
    registry.retain("peft", folder)
    got = run_batch(model, registry, [(PROMPT, "peft")])[0]
    torch.testing.assert_close(got, want, atol=2e-4, rtol=2e-4)


def test_engine_config_reads_the_budget_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("HANLIN_LORA_BUDGET_MB", "3")
    assert EngineConfig.from_env().lora == LoraConfig(budget_bytes=3 << 20)
