"""Dataset cleaning jobs: a bounded set of asyncio workers, each running one dataset at a time in
a child process (`python -m datapipe clean --progress json`). The child's progress lines update
the dataset row; its outputs become files; a restart requeues what was cut off, and so does an
orderly shutdown, at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import time
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from datapipe.pipelines import file_ids
from server.jobs.children import datapipe_command, die_with_parent, read_report
from server.redact import public_message
from server.state.blobs import BlobStore
from server.state.config import StateConfig
from server.state.datasets import DatasetStore
from server.state.files import FileNotFound, FileStore
from server.state.tables import DatasetRow, FileRow

log = logging.getLogger("hanlin.jobs")

MAX_ATTEMPTS = 3
PROGRESS_EVERY_S = 0.5  # at most this often a progress write to the database
STDERR_TAIL = 4000


class Scoring:
    """How the long_context pipeline reaches the served model: this server's own HTTP API."""

    def __init__(self, base_url: str, max_tokens: int) -> None:
        self.base_url, self.max_tokens = base_url, max_tokens


class CleaningRunner:
    def __init__(self, config: StateConfig, files: FileStore, datasets: DatasetStore,
                 blobs: BlobStore, scoring: Scoring | None = None) -> None:
        self.config = config
        self.files, self.datasets, self.blobs = files, datasets, blobs
        self.scoring = scoring
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._workers: list[asyncio.Task] = []
        self._children: set[asyncio.subprocess.Process] = set()
        self._running: set[str] = set()  # datasets this runner's workers are on

    async def start(self) -> None:
        """Requeue runs a previous server left unfinished, then start the workers."""
        requeued, failed = await self.datasets.requeue_interrupted(MAX_ATTEMPTS)
        if requeued or failed:
            log.warning("datasets interrupted by a restart: requeued %s, failed %s",
                        requeued, failed)
        for dataset_id in await self.datasets.pending():
            self._queue.put_nowait(dataset_id)
        self._workers = [asyncio.create_task(self._work(), name=f"cleaning-{i}")
                         for i in range(max(1, self.config.max_concurrent_cleanings))]

    def submit(self, dataset_id: str) -> None:
        self._queue.put_nowait(dataset_id)

    async def stop(self, requeue: bool = False) -> None:
        """Kill running children; their datasets stay "running" and are requeued at next start
        (the same path a crash takes). With `requeue` (an orderly shutdown) they are queued
        again now, this stop not counted as one of their attempts."""
        cut = list(self._running)
        for child in list(self._children):
            if child.returncode is None:
                child.kill()
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        if requeue and cut:
            async with self.datasets.db.session() as session, session.begin():
                await session.execute(
                    update(DatasetRow)
                    .where(DatasetRow.id.in_(cut), DatasetRow.status == "running")
                    .values(status="queued", progress=0.0, attempts=DatasetRow.attempts - 1))
            log.warning("datasets stopped with the server: queued again %s", cut)

    async def _work(self) -> None:
        while True:
            dataset_id = await self._queue.get()
            self._running.add(dataset_id)
            try:
                await self._run(dataset_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a job's failure must not end the worker
                log.exception("dataset %s failed", dataset_id)
                await self.datasets.fail(dataset_id, "internal_error",
                                         f"The cleaning job failed: {type(exc).__name__}")
            finally:
                self._running.discard(dataset_id)

    async def _run(self, dataset_id: str) -> None:
        row = await self.datasets.start(dataset_id)
        try:
            source = await self.files.get(row.input_file_id)
            named = {file_id: str(self.files.content_path(await self.files.get(file_id)))
                     for file_id in file_ids(row.overrides).values()}
        except FileNotFound as exc:
            await self.datasets.fail(dataset_id, "input_missing",
                                     f"The file {exc.args[0]} no longer exists.")
            return
        work = self.blobs.staging_dir()
        try:
            code, error = await self._clean(dataset_id, row.pipeline, row.overrides, named,
                                            self.files.content_path(source), work)
            if code != 0:
                # The child's own error line, else only the status: its stderr (tracebacks,
                # paths) goes to the server log, never to the client.
                reason = error or f"The cleaning process exited with status {code}."
                await self.datasets.fail(dataset_id, "cleaning_failed", public_message(reason))
                return
            await self._finish(dataset_id, source.filename, source.purpose, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    async def _clean(self, dataset_id: str, pipeline: str, overrides: dict,
                     named: dict[str, str], input_path: Path, work: Path) -> tuple[int, str]:
        """Run the child; (its exit status, the error line it printed, if any)."""
        files = [arg for file_id, path in named.items() for arg in ("--file", f"{file_id}={path}")]
        cmd = datapipe_command(input_path, pipeline, work / "out", "--overrides",
                               json.dumps(overrides), *files,
                               "--workers", str(max(1, self.config.clean_workers)))
        if pipeline == "long_context" and self.scoring is not None:
            cmd += ["--scorer-url", self.scoring.base_url,
                    "--scorer-max-tokens", str(self.scoring.max_tokens)]
        stderr_path = work / "stderr.txt"
        with stderr_path.open("wb") as stderr:
            child = await asyncio.create_subprocess_exec(
                *cmd, stdout=asyncio.subprocess.PIPE, stderr=stderr,
                preexec_fn=die_with_parent, env=os.environ | {"PYTHONUNBUFFERED": "1"})
        self._children.add(child)
        try:
            error = await self._follow(dataset_id, child)
            code = await child.wait()
        finally:
            self._children.discard(child)
            if child.returncode is None:
                child.kill()
                await child.wait()
        if code != 0:
            log.warning("dataset %s: the cleaning process exited with %s: %s", dataset_id, code,
                        stderr_path.read_text(errors="replace")[-STDERR_TAIL:])
        return code, error

    async def _follow(self, dataset_id: str, child: asyncio.subprocess.Process) -> str:
        """Progress lines to the dataset row; the child's `error` line, if it printed one."""
        assert child.stdout is not None
        last, error = 0.0, ""
        async for line in child.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            if isinstance(event.get("error"), str):
                error = event["error"]
            if "progress" in event and time.monotonic() - last >= PROGRESS_EVERY_S:
                last = time.monotonic()
                await self.datasets.update(dataset_id, progress=min(0.99, event["progress"]))
        return error

    async def _finish(self, dataset_id: str, filename: str, purpose: str, work: Path) -> None:
        out = work / "out"
        report = read_report(out)
        stem = filename.rsplit(".", 1)[0]
        outputs = [(await self.blobs.stage_file(out / "cleaned.jsonl"),
                    f"{stem}.cleaned.jsonl", purpose),
                   (await self.blobs.stage_file(out / "rejected.jsonl"),
                    f"{stem}.rejected.jsonl", "user_data")]

        async def succeed(session: AsyncSession, rows: list[FileRow]) -> None:
            await session.execute(
                update(DatasetRow).where(DatasetRow.id == dataset_id).values(
                    status="succeeded", progress=1.0, report=report, cleaned_file_id=rows[0].id,
                    rejected_file_id=rows[1].id, finished_at=int(time.time())))

        # One transaction: the output files and the dataset's success appear together or not
        # at all (a crash before it leaves only orphan blobs, swept at start).
        owner = (await self.datasets.get(dataset_id)).owner
        await self.files.create_many(outputs, then=succeed, owner=owner)


