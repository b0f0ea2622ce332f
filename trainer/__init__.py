"""Fine-tuning (SFT / DPO, DeepSpeed ZeRO, LoRA / QLoRA) on engine.models. Not built yet: issue 6."""
