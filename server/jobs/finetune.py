"""Fine-tuning jobs: one asyncio worker validates training files (the datapipe chat pipeline in a
child process) and a bounded set runs the trainer (`python -m trainer train`, its own process
group), turning its JSON lines into events and checkpoint rows. A restart requeues cut-off jobs,
which resume from their last checkpoint; an orderly shutdown requeues them at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.jobs.children import datapipe_command, die_with_parent, read_report
from server.jobs.finetune_events import TrainerFollower
from server.jobs.finetune_plan import trainer_config
from server.protocol_finetune import HanlinOptions
from server.state.blobs import BlobStore
from server.state.config import StateConfig
from server.state.files import FileNotFound, FileStore
from server.state.finetune import FineTuneStore, root_model
from server.state.tables import FileRow, FineTuneCheckpointRow, FineTuneEventRow, FineTuneJobRow

log = logging.getLogger("hanlin.jobs")

MAX_ATTEMPTS = 3
STDERR_TAIL = 2000
KILL_GRACE_S = 5.0
REPO = Path(__file__).resolve().parents[2]
RESULTS = "fine-tune-results"  # OpenAI's purpose for a job's result files


def _default_threads() -> int:
    # The serving engine runs beside the trainer: oversubscribed cores slow both (OpenMP threads
    # spin at their barriers). Measured on 2 busy cores: LoRA steps of 30 s with 2 threads,
    # 0.5 s with 1.
    return max(1, (os.cpu_count() or 2) // 2)


class FineTuneConfig(msgspec.Struct, frozen=True, kw_only=True):
    max_concurrent: int = 1  # HANLIN_MAX_CONCURRENT_FINETUNES
    threads: int = 1  # HANLIN_FINETUNE_THREADS: torch threads per trainer rank, unless a job says

    @classmethod
    def from_env(cls) -> FineTuneConfig:
        env = os.environ
        return cls(max_concurrent=int(env.get("HANLIN_MAX_CONCURRENT_FINETUNES", "1")),
                   threads=int(env.get("HANLIN_FINETUNE_THREADS", _default_threads())))


class FineTuneRunner:
    def __init__(self, state: StateConfig, files: FileStore, store: FineTuneStore,
                 blobs: BlobStore, config: FineTuneConfig | None = None) -> None:
        self.state, self.files, self.store, self.blobs = state, files, store, blobs
        self.config = config or FineTuneConfig.from_env()
        self._validate: asyncio.Queue[str] = asyncio.Queue()
        self._train: asyncio.Queue[str] = asyncio.Queue()
        self._workers: list[asyncio.Task] = []
        self._children: dict[str, asyncio.subprocess.Process] = {}
        self._training: set[str] = set()  # jobs this runner moved to running and still runs

    def job_dir(self, job_id: str) -> Path:
        return self.state.home_path / "finetune" / job_id

    def model_dir(self, job_id: str) -> Path:
        return self.state.home_path / "models" / job_id

    async def start(self) -> None:
        await self._recover()
        for job_id in await self.store.with_status("validating_files"):
            self._validate.put_nowait(job_id)
        for job_id in await self.store.with_status("queued"):
            self._train.put_nowait(job_id)
        self._workers = [asyncio.create_task(self._work(self._validate, self._validate_job),
                                             name="finetune-validate")]
        self._workers += [asyncio.create_task(self._work(self._train, self._train_job),
                                              name=f"finetune-{i}")
                          for i in range(max(1, self.config.max_concurrent))]

    def submit(self, job_id: str) -> None:
        self._validate.put_nowait(job_id)

    def cancel(self, job_id: str) -> None:
        """Stop the job's child and everything it started (the store already says cancelled)."""
        child = self._children.get(job_id)
        if child is not None and child.returncode is None:
            asyncio.get_running_loop().create_task(_kill_group(child))

    async def stop(self, requeue: bool = False) -> None:
        """Kill the children; their jobs stay running and resume at the next start (the path a
        crash takes). With `requeue` (an orderly shutdown) the jobs that were training are
        queued again now, saying so in an event; a stop is not one of a job's attempts."""
        cut = list(self._training)
        for child in list(self._children.values()):
            _signal_group(child, signal.SIGKILL)
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        for job_id in cut if requeue else ():
            step = await self._last_checkpoint(job_id)
            where = f"its checkpoint at step {step}" if step else "the start (no checkpoint yet)"
            if await self.store.move(job_id, ("running",), "The server is shutting down; the job "
                                     f"is queued again and resumes from {where} at the next "
                                     "start.", "warn", status="queued", estimated_finish=None,
                                     attempts=FineTuneJobRow.attempts - 1):
                log.warning("fine-tuning job %s stopped with the server: queued again", job_id)

    async def _recover(self) -> None:
        for job_id in await self.store.with_status("running"):
            job = await self.store.get(job_id)
            if job.attempts >= MAX_ATTEMPTS:
                await self.store.fail(job_id, "interrupted", f"The server stopped during training "
                                      f"{job.attempts} times; giving up.")
                continue
            step = await self._last_checkpoint(job_id)
            where = f"its checkpoint at step {step}" if step else "the start (no checkpoint yet)"
            await self.store.move(job_id, ("running",), "The server restarted during training; "
                                  f"the job is queued again and resumes from {where}.",
                                  "warn", status="queued", estimated_finish=None)
            log.warning("fine-tuning job %s interrupted by a restart: requeued", job_id)

    async def _last_checkpoint(self, job_id: str) -> int | None:
        async with self.store.db.session() as session:
            return await session.scalar(select(func.max(FineTuneCheckpointRow.step))
                                        .where(FineTuneCheckpointRow.job_id == job_id))

    async def _work(self, queue: asyncio.Queue[str], body) -> None:  # noqa: ANN001
        while True:
            job_id = await queue.get()
            try:
                await body(job_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one job's failure must not end the worker
                log.exception("fine-tuning job %s failed", job_id)
                await self.store.fail(job_id, "internal_error",
                                      f"The job failed on the server: {type(exc).__name__}.")

    # ---- validating_files -> queued ---------------------------------------------------------

    async def _validate_job(self, job_id: str) -> None:
        job = await self.store.get(job_id)
        if job.status != "validating_files":
            return
        try:
            source = await self.files.get(job.training_file)
        except FileNotFound:
            await self.store.fail(job_id, "file_not_found",
                                  f"The training file {job.training_file} no longer exists.",
                                  "training_file")
            return
        if job.method["type"] == "dpo":
            # The chat pipeline cleans conversations, not preference pairs: the trainer checks
            # every pair before its first step instead.
            if await self.store.move(job_id, ("validating_files",), "DPO pairs are checked by "
                                     "the trainer before it starts.", status="queued",
                                     cleaned_file=source.id):
                self._train.put_nowait(job_id)
            return
        work = self.blobs.staging_dir()
        try:
            await self._clean(job_id, source, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    async def _clean(self, job_id: str, source: FileRow, work: Path) -> None:
        out = work / "out"
        cmd = datapipe_command(self.files.content_path(source), "chat", out)
        code, error = await self._run_child(job_id, cmd, work / "stderr.txt", None)
        if (await self.store.get(job_id)).status != "validating_files":
            return  # cancelled meanwhile
        if code != 0:
            await self.store.fail(job_id, "invalid_training_file",
                                  error or f"Validating the file failed (exit status {code}).",
                                  "training_file")
            return
        report = read_report(out)
        summary = report_summary(report)
        if report["kept"] == 0:
            await self.store.fail(job_id, "invalid_training_file",
                                  f"The training file has no usable example: {summary}",
                                  "training_file")
            return
        await self._queue_cleaned(job_id, source, out, report, summary)

    async def _queue_cleaned(self, job_id: str, source: FileRow, out: Path, report: dict,
                             summary: str) -> None:
        (out / "report.pretty.json").write_text(json.dumps(report, indent=2))
        stem = source.filename.rsplit(".", 1)[0]
        staged = [(await self.blobs.stage_file(out / "cleaned.jsonl"),
                   f"{stem}.cleaned.jsonl", "fine-tune"),
                  (await self.blobs.stage_file(out / "report.pretty.json"),
                   f"{job_id}.validation_report.json", RESULTS)]
        moved = False

        async def queue(session: AsyncSession, rows: list[FileRow]) -> None:
            nonlocal moved
            result = await session.execute(
                update(FineTuneJobRow).where(FineTuneJobRow.id == job_id,
                                             FineTuneJobRow.status == "validating_files")
                .values(status="queued", cleaned_file=rows[0].id, validation_report=report,
                        result_files=[rows[1].id]))
            moved = bool(result.rowcount)
            if moved:
                session.add(FineTuneEventRow(
                    job_id=job_id, created_at=int(time.time()), level="info", type="message",
                    message=f"Files validated: {summary}", data={"report": report}))

        # The cleaned file, the report and the job's move to queued appear together or not at all.
        await self.files.create_many(staged, then=queue, owner=source.owner)
        if moved:
            self._train.put_nowait(job_id)

    # ---- queued -> running -> succeeded | failed -------------------------------------------

    async def _train_job(self, job_id: str) -> None:
        job = await self.store.get(job_id)
        if job.status != "queued" or not await self.store.move(
                job_id, ("queued",), "Fine-tuning job started." if job.started_at is None else
                "Fine-tuning job started again.", status="running",
                attempts=job.attempts + 1, started_at=int(time.time())):
            return
        self._training.add(job_id)
        try:
            await self._run_training(job_id, job)
        finally:
            self._training.discard(job_id)

    async def _run_training(self, job_id: str, job: FineTuneJobRow) -> None:
        try:
            cleaned = await self.files.get(job.cleaned_file or job.training_file)
        except FileNotFound:
            await self.store.fail(job_id, "file_not_found", "The cleaned training file "
                                  f"{job.cleaned_file} no longer exists.", "training_file")
            return
        folder = self.job_dir(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        extensions = dict(job.extensions)
        base = extensions.pop("base_path", job.model)
        options = msgspec.convert(extensions, HanlinOptions)
        if options.threads is None:
            options = msgspec.structs.replace(options, threads=self.config.threads)
        raw = trainer_config(model=base, method=job.method, options=options, seed=job.seed,
                             train_file=str(self.files.content_path(cleaned)),
                             output_dir=str(folder / "out"))
        (folder / "config.json").write_text(json.dumps(raw, indent=2))
        follower = TrainerFollower(self.store, job_id, await self.store.get(job_id))
        cmd = [sys.executable, "-m", "trainer", "train", "--config", str(folder / "config.json")]
        code, _ = await self._run_child(job_id, cmd, folder / "stderr.txt", follower)
        if (await self.store.get(job_id)).status != "running":
            return  # cancelled while it ran
        if code != 0 or not follower.done:
            message = follower.error or f"The trainer exited with status {code}."
            await self.store.fail(job_id, "training_failed", message)
            return
        await self._succeed(job_id, job.model, job.suffix, folder / "out", follower)

    async def _succeed(self, job_id: str, base: str, suffix: str | None, out: Path,
                       follower: TrainerFollower) -> None:
        result = follower.exported.get("adapter") or follower.exported.get("merged")
        if result is None:
            await self.store.fail(job_id, "training_failed", "The trainer exported nothing.")
            return
        target = self.model_dir(job_id)
        await asyncio.to_thread(_replace_tree, Path(result), target)
        name = f"ft:{root_model(base)}:{suffix or 'hanlin'}:{job_id}"
        staged = [(await self.blobs.stage_file(out / "metrics.jsonl"),
                   f"{job_id}.metrics.jsonl", RESULTS)]

        async def succeed(session: AsyncSession, rows: list[FileRow]) -> None:
            job = await session.get(FineTuneJobRow, job_id)
            if job is None or job.status != "running":
                return
            job.status, job.finished_at, job.estimated_finish = "succeeded", int(time.time()), None
            job.fine_tuned_model, job.trained_tokens = name, follower.trained_tokens
            job.result_files = [*job.result_files, rows[0].id]
            for message in (f"New fine-tuned model created: {name}",
                            "The job has successfully completed."):
                session.add(FineTuneEventRow(job_id=job_id, created_at=int(time.time()),
                                             level="info", type="message", message=message))

        owner = (await self.store.get(job_id)).owner
        await self.files.create_many(staged, then=succeed, owner=owner)
        await self.store.models_changed()  # the engine serves the new model from now on

    # ---- children ---------------------------------------------------------------------------

    async def _run_child(self, job_id: str, cmd: list[str], stderr_path: Path,
                         follower: TrainerFollower | None) -> tuple[int, str]:
        """(exit status, the `error` line a datapipe child printed). Stderr (tracebacks, server
        paths) goes to the server log, never to a client."""
        env = os.environ | {"PYTHONUNBUFFERED": "1"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        with stderr_path.open("wb") as stderr:
            # Its own session: cancel kills the whole group (the trainer's ranks included), and
            # the death signal takes the trainer down with a killed server.
            child = await asyncio.create_subprocess_exec(
                *cmd, stdout=asyncio.subprocess.PIPE, stderr=stderr, cwd=REPO, env=env,
                start_new_session=True, preexec_fn=die_with_parent)
        self._children[job_id] = child
        try:
            assert child.stdout is not None
            error = ""
            async for line in child.stdout:
                if follower is not None:
                    await follower.line(line)
                else:
                    error = _error_line(line) or error
            code = await child.wait()
        finally:
            self._children.pop(job_id, None)
            if child.returncode is None:
                _signal_group(child, signal.SIGKILL)
                await child.wait()
        if code != 0:
            log.warning("fine-tuning job %s: %s exited with %s: %s", job_id, cmd[2], code,
                        stderr_path.read_text(errors="replace")[-STDERR_TAIL:])
        return code, error


def _error_line(raw: bytes) -> str:
    try:
        event = json.loads(raw)
    except ValueError:
        return ""
    return event["error"] if isinstance(event, dict) and isinstance(event.get("error"), str) \
        else ""


def report_summary(report: dict[str, Any]) -> str:
    """"5 lines: 2 kept, 3 rejected (invalid_json 2, unknown_role 1)"."""
    reasons: dict[str, int] = {}
    for step in report.get("steps", []):
        for reason, detail in (step.get("reasons") or {}).items():
            reasons[reason] = reasons.get(reason, 0) + detail.get("count", 0)
    why = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items(), key=lambda kv: -kv[1]))
    text = f"{report['lines']} lines: {report['kept']} kept, {report['rejected']} rejected"
    return f"{text} ({why})" if why else text


def _signal_group(child: asyncio.subprocess.Process, sig: int) -> None:
    try:
        os.killpg(child.pid, sig)
    except ProcessLookupError:
        pass


async def _kill_group(child: asyncio.subprocess.Process) -> None:
    """SIGTERM first (the launcher then takes its ranks' own group down), SIGKILL after a grace."""
    _signal_group(child, signal.SIGTERM)
    try:
        await asyncio.wait_for(child.wait(), KILL_GRACE_S)
    except TimeoutError:
        pass
    _signal_group(child, signal.SIGKILL)


def _replace_tree(source: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target)
