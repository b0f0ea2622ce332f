"""The trainer's JSON lines (start, step, checkpoint, resumed, export, done, error) turned into a
job's events (step metrics as OpenAI's `metrics` events), checkpoint rows and progress fields."""

from __future__ import annotations

import json
import time
from typing import Any

from server.state.finetune import FineTuneStore
from server.state.tables import FineTuneJobRow

STEP_FIELDS = ("lr", "grad_norm", "tokens", "tokens_per_s", "step_time_s", "mfu")


class TrainerFollower:
    def __init__(self, store: FineTuneStore, job_id: str, job: FineTuneJobRow) -> None:
        self.store, self.job_id = store, job_id
        self.total_steps = job.total_steps
        self.trained_tokens = job.trained_tokens or 0
        self.last_metrics: dict[str, Any] = {}
        self.exported: dict[str, str] = {}
        self.error: str | None = None
        self.done = False

    async def line(self, raw: bytes) -> None:
        try:
            event = json.loads(raw)
        except ValueError:
            return  # not an event: the trainer's events are whole JSON lines
        if not isinstance(event, dict):
            return
        handler = getattr(self, f"_on_{event.get('event')}", None)
        if handler is not None:
            await handler(event)

    async def _on_start(self, e: dict[str, Any]) -> None:
        self.total_steps = e["total_steps"]
        await self.store.update(self.job_id, total_steps=self.total_steps)
        await self.store.add_event(
            self.job_id, f"Training started: {e['total_steps']} steps over {e['samples']} "
            f"examples ({e['rows']} packed rows), {e['trainable_params']:,} trainable parameters.",
            data={k: v for k, v in e.items() if k not in ("event", "time")})

    async def _on_resumed(self, e: dict[str, Any]) -> None:
        # Tokens of the steps after the checkpoint are trained again: count from the checkpoint.
        rows, _ = await self.store.checkpoints(self.job_id, after=None, limit=100)
        at = next((r for r in rows if r.step == e["step"]), None)
        self.trained_tokens = int(at.metrics.get("trained_tokens", 0)) if at else 0
        await self.store.add_event(self.job_id, f"Resumed from the checkpoint at step {e['step']}.",
                                   data={"step": e["step"]})

    async def _on_step(self, e: dict[str, Any]) -> None:
        self.trained_tokens += int(e.get("tokens", 0))
        step, total = e["step"], self.total_steps or e["step"]
        data = {"step": step, "total_steps": total, "train_loss": e["loss"],
                "train_mean_token_accuracy": e.get("token_accuracy"),
                **{k: e.get(k) for k in STEP_FIELDS}}
        self.last_metrics = data | {"trained_tokens": self.trained_tokens}
        finish = int(time.time() + (total - step) * float(e.get("step_time_s", 0.0)))
        await self.store.update(self.job_id, last_step=step, trained_tokens=self.trained_tokens,
                                estimated_finish=finish)
        await self.store.add_event(self.job_id, f"Step {step}/{total}: training loss={e['loss']:.4f}",
                                   type="metrics", data=data)

    async def _on_checkpoint(self, e: dict[str, Any]) -> None:
        metrics = self.last_metrics if self.last_metrics.get("step") == e["step"] else \
            {"step": e["step"]}
        # What serves the checkpoint: its LoRA adapter, or a full fine-tune's merged weights.
        await self.store.add_checkpoint(self.job_id, step=e["step"], metrics=metrics,
                                        path=e["path"],
                                        adapter_path=e.get("adapter") or e.get("merged"))
        await self.store.add_event(self.job_id, f"Checkpoint saved at step {e['step']}.",
                                   data={"step": e["step"]})

    async def _on_export(self, e: dict[str, Any]) -> None:
        self.exported[e["kind"]] = e["path"]

    async def _on_error(self, e: dict[str, Any]) -> None:
        self.error = str(e.get("message", "the trainer failed"))

    async def _on_done(self, _e: dict[str, Any]) -> None:
        self.done = True
