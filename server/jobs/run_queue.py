"""What the eval and benchmark runners share: queued run ids worked by a bounded set of asyncio
workers, one task per run so a cancel stops it at once, a crash handed back as a failure, a
start that requeues what a restart found in progress (or gives up on a run after MAX_ATTEMPTS),
and a stop that puts the runs it cut off back in the queue for the next start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from sqlalchemy import literal_column

log = logging.getLogger("hanlin.jobs")

MAX_ATTEMPTS = 3  # server starts a run may see before a restart gives up on it


class RunStore(Protocol):
    async def move(self, run_id: str, from_: tuple[str, ...], **values: Any) -> bool: ...

    async def runs_with_status(self, status: str) -> list[str]: ...


class RunQueue:
    def __init__(self, name: str, run: Callable[[str], Awaitable[None]],
                 on_crash: Callable[[str, BaseException], Awaitable[None]],
                 store: RunStore) -> None:
        self.name, self._run, self._on_crash, self._store = name, run, on_crash, store
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._workers: list[asyncio.Task] = []
        self._running: dict[str, asyncio.Task] = {}

    async def start(self, workers: int, attempts: Callable[[str], Awaitable[int]],
                    give_up: Callable[[str, int], Awaitable[None]]) -> None:
        """Queue the store's queued runs and start the workers. A run a restart finds
        `in_progress` is queued again, or handed to `give_up` once `attempts(run_id)` reaches
        MAX_ATTEMPTS."""
        for run_id in await self._store.runs_with_status("in_progress"):
            tried = await attempts(run_id)
            if tried >= MAX_ATTEMPTS:
                await give_up(run_id, tried)
            elif await self._store.move(run_id, ("in_progress",), status="queued"):
                log.warning("%s run %s interrupted by a restart: requeued", self.name, run_id)
        for run_id in await self._store.runs_with_status("queued"):
            self._queue.put_nowait(run_id)
        self._workers = [asyncio.create_task(self._work(), name=f"{self.name}-{i}")
                         for i in range(max(1, workers))]

    def submit(self, run_id: str) -> None:
        self._queue.put_nowait(run_id)

    def cancel(self, run_id: str) -> None:
        task = self._running.get(run_id)
        if task is not None:
            task.cancel()

    async def stop(self, requeue: bool = False) -> None:
        """Cut the runs in progress off. They stay `in_progress` and the next start requeues
        them, the path a crash takes; with `requeue` (an orderly shutdown) each goes back to
        `queued` in the store now, this stop not counted as one of its attempts."""
        cut = list(self._running)
        tasks = [*self._workers, *self._running.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._workers, self._running = [], {}
        for run_id in cut if requeue else ():
            if await self._store.move(run_id, ("in_progress",), status="queued",
                                      attempts=literal_column("attempts") - 1):
                log.warning("%s run %s stopped with the server: queued again", self.name, run_id)

    async def _work(self) -> None:
        while True:
            run_id = await self._queue.get()
            task = asyncio.create_task(self._run(run_id), name=run_id)
            self._running[run_id] = task
            try:
                await asyncio.wait([task])
            finally:
                self._running.pop(run_id, None)
            if not task.cancelled() and (exc := task.exception()) is not None:
                log.error("%s run %s failed", self.name, run_id, exc_info=exc)
                await self._on_crash(run_id, exc)
