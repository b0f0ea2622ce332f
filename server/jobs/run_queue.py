"""What the eval and benchmark runners share: queued run ids worked by a bounded set of asyncio
workers, one task per run so a cancel stops it at once, a crash handed back as a failure, and a
stop that puts the runs it cut off back in the queue for the next start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from sqlalchemy import literal_column

log = logging.getLogger("hanlin.jobs")


class RunStore(Protocol):
    async def move(self, run_id: str, from_: tuple[str, ...], **values: Any) -> bool: ...


class RunQueue:
    def __init__(self, name: str, run: Callable[[str], Awaitable[None]],
                 on_crash: Callable[[str, BaseException], Awaitable[None]],
                 store: RunStore | None = None) -> None:
        self.name, self._run, self._on_crash, self._store = name, run, on_crash, store
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._workers: list[asyncio.Task] = []
        self._running: dict[str, asyncio.Task] = {}

    def start(self, pending: Iterable[str], workers: int) -> None:
        for run_id in pending:
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
        for run_id in cut if requeue and self._store is not None else ():
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
