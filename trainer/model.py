"""The trained module: engine.models' LlamaForCausalLM (optionally under peft LoRA / QLoRA) with
a training forward (packed attention, activation checkpointing, logits only where targets are).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

from engine.loaders import load_checkpoint, resolve_model_path
from engine.models import LlamaForCausalLM
from engine.tokenizer import Tokenizer
from trainer.attention import PackedAttention
from trainer.config import LoraConfig
from trainer.data import IGNORE
from trainer.packing import Batch


def load_base(model: str) -> tuple[Path, LlamaForCausalLM, Tokenizer]:
    """(resolved path, fp32 model in train mode, tokenizer) from a name, .gguf or HF folder."""
    path = resolve_model_path(model)
    _, lm = load_checkpoint(path, torch.float32)
    tokenizer = Tokenizer.from_gguf(path) if path.suffix == ".gguf" else \
        Tokenizer.from_hf_folder(path)
    return path, lm.train(), tokenizer


def quantize_nf4_(lm: LlamaForCausalLM) -> None:
    """QLoRA's base: every decoder Linear -> bitsandbytes NF4 with double quantisation (frozen);
    embeddings and the LM head stay dense, as in QLoRA."""
    import bitsandbytes as bnb

    for layer in lm.model.layers:
        for parent in (layer.self_attn, layer.mlp):
            for name, child in list(parent.named_children()):
                if type(child) is not nn.Linear:
                    continue
                q = bnb.nn.Linear4bit(child.in_features, child.out_features, bias=False,
                                      compute_dtype=torch.float32, compress_statistics=True,
                                      quant_type="nf4")
                q.weight = bnb.nn.Params4bit(child.weight.data, requires_grad=False,
                                             compress_statistics=True, quant_type="nf4")
                setattr(parent, name, q.to(child.weight.device))  # .to quantizes


def apply_lora(lm: LlamaForCausalLM, lora: LoraConfig, seed: int) -> nn.Module:
    """peft LoRA over lm (modified in place; the base is frozen). Seeded here, so every rank
    starts from the same A matrices whatever it drew before (ZeRO-3 would mix them otherwise)."""
    from peft import LoraConfig as PeftLoraConfig
    from peft import get_peft_model

    if lora.qlora:
        quantize_nf4_(lm)
    torch.manual_seed(seed)
    config = PeftLoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                            target_modules=list(lora.targets), bias="none")
    return get_peft_model(lm, config)


@dataclass
class Stats:
    """Sums over a micro-batch; `loss` is the differentiable sum the step normalises."""

    loss: Tensor
    correct: Tensor
    targets: Tensor
    chosen_rewards: Tensor | None = None
    rejected_rewards: Tensor | None = None


class TrainModule(nn.Module):
    """What the optimizer and DeepSpeed see: one registered child (the LM or its peft wrapper)."""

    def __init__(self, net: nn.Module, *, activation_checkpointing: bool = False,
                 method: str = "sft", beta: float = 0.1) -> None:
        super().__init__()
        self.net = net
        self.activation_checkpointing = activation_checkpointing
        self.method = method
        self.beta = beta
        # Full-parameter DPO needs a frozen copy; LoRA DPO disables the adapter instead. A plain
        # attribute (not a child), so neither DeepSpeed nor the optimizer ever sees it.
        self.__dict__["reference"] = None
        if method == "dpo" and not self.is_lora:
            reference = copy.deepcopy(net).eval().requires_grad_(False)
            self.__dict__["reference"] = reference

    @property
    def is_lora(self) -> bool:
        return hasattr(self.net, "disable_adapter")

    @property
    def lm(self) -> LlamaForCausalLM:
        return self.net.base_model.model if self.is_lora else self.net

    def hidden(self, lm: LlamaForCausalLM, batch: Batch) -> Tensor:
        """The decoder over packed tokens: lm.forward's loop, with optional checkpointing."""
        attention = PackedAttention(batch.cu_seqlens, batch.max_seqlen)
        x, rope = lm.embed(batch.input_ids, batch.positions)
        for layer in lm.model.layers:
            if self.activation_checkpointing and self.training and torch.is_grad_enabled():
                x = checkpoint(layer, x, rope, attention, use_reentrant=False)
            else:
                x = layer(x, rope, attention)
        return lm.model.norm(x)

    def token_logprobs(self, lm: LlamaForCausalLM, batch: Batch) -> tuple[Tensor, Tensor, Tensor]:
        """(log p(target), argmax == target, position index) at the positions with a target.

        The LM head runs on those rows only: with a 49k vocabulary it is most of the compute."""
        where = (batch.targets != IGNORE).nonzero().squeeze(1)
        logits = lm.compute_logits(self.hidden(lm, batch)[where])
        targets = batch.targets[where]
        logp = -F.cross_entropy(logits, targets, reduction="none")
        return logp, logits.argmax(-1) == targets, where

    def forward(self, batch: Batch) -> Stats:
        logp, correct, where = self.token_logprobs(self.lm, batch)
        count = torch.tensor(float(where.numel()))
        if self.method == "sft":
            return Stats(loss=-logp.sum(), correct=correct.sum().float(), targets=count)
        return self._dpo(batch, logp, correct, where, count)

    def _sequence_logps(self, logp: Tensor, where: Tensor, batch: Batch) -> Tensor:
        n = batch.cu_seqlens.numel() - 1
        sums = torch.zeros(n, dtype=logp.dtype, device=logp.device)
        return sums.index_add(0, batch.sample_ids[where], logp)

    def _dpo(self, batch: Batch, logp: Tensor, correct: Tensor, where: Tensor,
             count: Tensor) -> Stats:
        policy = self._sequence_logps(logp, where, batch)
        with torch.no_grad():
            if self.is_lora:
                with self.net.disable_adapter():
                    ref_logp, _, _ = self.token_logprobs(self.lm, batch)
            else:
                ref_logp, _, _ = self.token_logprobs(self.reference, batch)
            reference = self._sequence_logps(ref_logp, where, batch)
        chosen = self.beta * (policy[batch.chosen] - reference[batch.chosen])
        rejected = self.beta * (policy[batch.rejected] - reference[batch.rejected])
        # The sigmoid DPO loss, summed over pairs (the step divides by the global pair count).
        loss = -F.logsigmoid(chosen - rejected).sum()
        return Stats(loss=loss, correct=correct.sum().float(), targets=count,
                     chosen_rewards=chosen.detach().sum(), rejected_rewards=rejected.detach().sum())
