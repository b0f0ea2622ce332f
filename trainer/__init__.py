"""Fine-tuning on engine.models: SFT and DPO, packing, DeepSpeed ZeRO 1-3, LoRA / QLoRA (peft).

Run it as `python -m trainer train --config CONFIG.json`; events and metrics come out as JSON lines.
"""
