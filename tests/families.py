"""Tiny random checkpoints of every model family the shared decoder serves, built from
transformers' own config and model classes (no download), with a byte-level tokenizer and a
ChatML template so that `hanlin serve` can serve them: token id b < 256 is the byte b, so a
token's `bytes` in chat log-probabilities name its id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

BASE = dict(vocab_size=320, hidden_size=64, intermediate_size=128, num_hidden_layers=4,
            num_attention_heads=4, num_key_value_heads=2, head_dim=16,
            max_position_embeddings=64, rms_norm_eps=1e-5, initializer_range=0.2)
LLAMA3 = {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
          "high_freq_factor": 4.0, "original_max_position_embeddings": 16}
LONGROPE = {"rope_type": "longrope", "rope_theta": 10000.0,
            "short_factor": [1.0, 1.1, 1.3, 1.6, 2.0, 2.5, 3.1, 3.8],
            "long_factor": [1.0, 1.5, 2.4, 3.9, 5.6, 7.9, 9.8, 12.0]}
# name -> (transformers config class, causal LM class, overrides)
FAMILIES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "llama3": ("LlamaConfig", "LlamaForCausalLM", {"rope_parameters": LLAMA3}),
    "llama-linear": ("LlamaConfig", "LlamaForCausalLM",
                     {"rope_parameters": {"rope_type": "linear", "factor": 2.0,
                                          "rope_theta": 10000.0}}),
    "llama-yarn": ("LlamaConfig", "LlamaForCausalLM",
                   {"rope_parameters": {"rope_type": "yarn", "factor": 4.0, "rope_theta": 10000.0,
                                        "original_max_position_embeddings": 16}}),
    "llama-bias": ("LlamaConfig", "LlamaForCausalLM", {"attention_bias": True}),
    "qwen2": ("Qwen2Config", "Qwen2ForCausalLM", {"tie_word_embeddings": True}),
    "qwen3": ("Qwen3Config", "Qwen3ForCausalLM", {}),
    "mistral": ("MistralConfig", "MistralForCausalLM", {"sliding_window": 6}),
    "gemma2": ("Gemma2Config", "Gemma2ForCausalLM",
               {"sliding_window": 6, "query_pre_attn_scalar": 24, "final_logit_softcapping": 3.0,
                "attn_logit_softcapping": 5.0}),
    "gemma3": ("Gemma3TextConfig", "Gemma3ForCausalLM",
               {"sliding_window": 6, "query_pre_attn_scalar": 24,
                "layer_types": ["sliding_attention", "full_attention"] * 2,
                "rope_parameters": {
                    "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                    "full_attention": {"rope_type": "linear", "factor": 4.0,
                                       "rope_theta": 1000000.0}}}),
    "phi3": ("Phi3Config", "Phi3ForCausalLM",
             {"rope_parameters": LONGROPE, "original_max_position_embeddings": 40,
              "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2}),
    "phi4-mini": ("Phi3Config", "Phi3ForCausalLM",
                  {"rope_parameters": {**LONGROPE, "partial_rotary_factor": 0.5,
                                       "short_factor": LONGROPE["short_factor"][:4],
                                       "long_factor": LONGROPE["long_factor"][:4]},
                   "original_max_position_embeddings": 40, "tie_word_embeddings": True,
                   "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2}),
    "qwen3-moe": ("Qwen3MoeConfig", "Qwen3MoeForCausalLM",
                  {"num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
                   "norm_topk_prob": True, "mlp_only_layers": [2]}),
    "mixtral": ("MixtralConfig", "MixtralForCausalLM",
                {"num_local_experts": 4, "num_experts_per_tok": 2, "sliding_window": None}),
}


SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]
CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
          "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def build_family(name: str, folder: Path) -> Path:
    """The family's random checkpoint (norms and biases randomized too) and its tokenizer."""
    return build_checkpoint(*FAMILIES[name], folder, gemma=name.startswith("gemma"))


def build_checkpoint(config_cls: str, model_cls: str, overrides: dict[str, Any], folder: Path,
                     *, gemma: bool = False) -> Path:
    """A random transformers checkpoint of that class (norms, routers and biases randomized;
    `gemma`: norms as offsets from 1) and the byte tokenizer, saved in `folder`."""
    import transformers

    torch.manual_seed(0)
    config = getattr(transformers, config_cls)(**{**BASE, **overrides})
    model = getattr(transformers, model_cls)(config).eval()
    with torch.no_grad():
        for param_name, param in model.named_parameters():
            if param_name.endswith("norm.weight"):  # Gemma's are offsets from 1
                param.copy_((0.0 if gemma else 1.0) + 0.2 * torch.randn_like(param))
            elif param_name.endswith("mlp.gate.weight"):  # routers start at zero: all ties
                param.copy_(torch.randn_like(param))
            elif param_name.endswith(".bias"):
                param.copy_(0.5 * torch.randn_like(param))
    model.save_pretrained(folder)
    write_byte_tokenizer(folder, BASE["vocab_size"])
    return folder


def write_byte_tokenizer(folder: Path, vocab_size: int) -> None:
    """tokenizer.json (byte-level BPE without merges: ids 0-255 are the bytes), the ChatML
    specials and fillers up to `vocab_size`, and tokenizer_config.json with the template."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    vocab = {char: byte for byte, char in bytes_to_unicode().items()}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    fillers = [f"<|extra_{i}|>" for i in range(vocab_size - 256 - len(SPECIALS))]
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                            for t in SPECIALS + fillers])
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "eos_token": "<|im_end|>", "bos_token": None, "chat_template": CHATML,
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": BASE[
            "max_position_embeddings"]}))


def token_ids_of(byte_lists: list[list[int]]) -> list[int]:
    """Chat log-probabilities' `bytes` per token back to ids (bytes < 256; specials by text)."""
    specials = {s: 256 + i for i, s in enumerate(SPECIALS)}
    ids = []
    for raw in byte_lists:
        if len(raw) == 1:
            ids.append(raw[0])
        else:
            text = bytes(raw).decode()
            ids.append(specials.get(text) or 256 + len(SPECIALS) + int(text[8:-2]))
    return ids


def transformers_greedy(model: torch.nn.Module, prompt: list[int], n: int) -> list[int]:
    """n greedy tokens from a transformers model, whole forward each step: no end-of-sequence
    handling (`generate`'s min_new_tokens would forbid the eos id instead of taking it)."""
    ids = list(prompt)
    with torch.no_grad():
        for _ in range(n):
            ids.append(int(model(torch.tensor([ids])).logits[0, -1].argmax()))
    return ids[len(prompt):]
