"""Events and per-step metrics as JSON lines: on stdout (the job runner reads them) and in
OUTPUT_DIR/metrics.jsonl. Only rank 0 writes."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

# Dense bf16 peak TFLOPS per device, for MFU (vendor datasheets, SXM parts).
PEAK_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0}


class Emitter:
    def __init__(self, output_dir: str | Path | None, rank: int = 0,
                 stream: TextIO | None = None) -> None:
        self.enabled = rank == 0
        self.stream = stream or sys.stdout
        self.file = Path(output_dir) / "metrics.jsonl" if output_dir else None

    def emit(self, event: str, **fields: Any) -> None:
        if not self.enabled:
            return
        line = json.dumps({"event": event, "time": round(time.time(), 3), **fields})
        print(line, file=self.stream, flush=True)
        if self.file is not None:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            with self.file.open("a") as f:
                f.write(line + "\n")


def peak_tflops(configured: float | None) -> float | None:
    import torch

    if configured is not None:
        return configured
    if not torch.cuda.is_available():
        return None
    name = torch.cuda.get_device_name()
    return next((v for k, v in PEAK_TFLOPS.items() if k in name), None)


def flops_per_token(num_params: int, num_layers: int, hidden: int, seq_len: int) -> float:
    """Training FLOPs per token: 6N for the matmuls plus causal attention's 6 * L * h * s
    (PaLM's accounting, halved for the causal mask)."""
    return 6.0 * num_params + 6.0 * num_layers * hidden * seq_len
