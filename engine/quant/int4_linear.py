"""`Int4Linear`: a weight-only int4 linear for serving, swapped in for `nn.Linear` after loading.

CPU runs torch's int4pack kernel (activations cast to `act_dtype`: bf16 is the fast path, fp32
the exact one); CUDA runs the Triton kernel (on CPU too under TRITON_INTERPRET=1, for tests).
The plain-torch reference is `int4_linear_reference`.
Inference only: the packed buffers live outside autograd.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import torch
from torch import Tensor, nn

from engine.quant.cpu_int4 import cpu_int4_mm, pack_for_cpu
from engine.quant.int4 import Int4Weight, quantize_int4


class Int4Linear(nn.Module):
    """y = x @ W.T (+ bias) for an int4 W; `input_scale` (AWQ's 1/s, when not folded upstream)
    multiplies x first; a bias (Qwen2's q/k/v) is held in act_dtype and added to the product. Builds
    the layout of the device it is created on; move it by rebuilding, not `.to()`."""

    def __init__(self, weight: Int4Weight, *, act_dtype: torch.dtype = torch.bfloat16,
                 input_scale: Tensor | None = None, device: torch.device | str = "cpu",
                 backend: Literal["aten", "triton"] | None = None,
                 bias: Tensor | None = None) -> None:
        super().__init__()
        self.out_features, self.in_features = weight.shape
        self.group = weight.group
        self.act_dtype = act_dtype
        on_cpu = torch.device(device).type == "cpu"
        self.backend = backend or ("aten" if on_cpu else "triton")
        if self.backend not in ("aten", "triton") or (self.backend == "aten" and not on_cpu):
            raise ValueError(f"backend {self.backend!r} cannot run on {device}: aten is CPU only")
        if self.backend == "aten":
            packed, scales_and_zeros = pack_for_cpu(weight, act_dtype)
            self.register_buffer("packed", packed)
            self.register_buffer("scales_and_zeros", scales_and_zeros)
        else:
            from engine.quant.triton_int4 import pack_for_triton

            tw = pack_for_triton(weight, act_dtype, device)
            self.register_buffer("qweight", tw.qweight)
            self.register_buffer("scale", tw.scale)
            self.register_buffer("zero", tw.zero)
        self.input_scale: Tensor | None
        scale = None if input_scale is None else input_scale.to(device, act_dtype)
        self.register_buffer("input_scale", scale)
        self.bias: Tensor | None
        self.register_buffer("bias", None if bias is None else bias.detach().to(device, act_dtype))

    @classmethod
    def from_linear(cls, linear: nn.Linear, group: int, **kwargs: object) -> Int4Linear:
        """Round-to-nearest quantization of the linear's weight (its bias kept as it is)."""
        return cls(quantize_int4(linear.weight, group), bias=linear.bias, **kwargs)  # type: ignore[arg-type]

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"group={self.group}, act_dtype={self.act_dtype}, backend={self.backend}")

    def forward(self, x: Tensor) -> Tensor:
        flat = x.reshape(-1, self.in_features).to(self.act_dtype)
        if self.input_scale is not None:
            flat = flat * self.input_scale
        if self.backend == "aten":
            y = cpu_int4_mm(flat, self.packed, self.group, self.scales_and_zeros)
        else:
            from engine.quant.triton_int4 import TritonInt4Weight, int4_matmul

            y = int4_matmul(flat, TritonInt4Weight(self.qweight, self.scale, self.zero, self.group))
        if self.bias is not None:
            y = y + self.bias
        return y.to(x.dtype).view(*x.shape[:-1], self.out_features)


def swap_int4_linears(model: nn.Module, weights: Mapping[str, Int4Weight], *,
                      act_dtype: torch.dtype = torch.bfloat16,
                      input_scales: Mapping[str, Tensor] | None = None,
                      device: torch.device | str = "cpu") -> list[str]:
    """Replace each named `nn.Linear` (module name, e.g. "model.layers.0.mlp.up_proj") with an
    Int4Linear over its int4 weight; returns the names swapped. Shapes must match."""
    input_scales = input_scales or {}
    for name, w in weights.items():
        parent, _, attr = name.rpartition(".")
        owner = model.get_submodule(parent) if parent else model
        old = getattr(owner, attr)
        if not isinstance(old, nn.Linear) or tuple(old.weight.shape) != w.shape:
            raise ValueError(f"{name}: expected nn.Linear of shape {w.shape}, found {old!r}")
        setattr(owner, attr, Int4Linear(w, act_dtype=act_dtype, input_scale=input_scales.get(name),
                                        device=device, bias=old.bias))
    return list(weights)
