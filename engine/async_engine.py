"""The async face of the engine: a thread runs `step()` in a loop; callers await token deltas.

The event loop never runs model code. Requests and aborts go to the engine thread through a
queue; each step's outputs come back to the loop in one `call_soon_threadsafe`. Leaving a
`generate()` loop early (break, cancel, client gone) aborts the request and frees its blocks.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import AsyncGenerator
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field

import msgspec
import numpy as np
import torch

from engine.config import EngineConfig
from engine.embed import EmbedRequest, chunks, mean_hidden, normalize
from engine.llm_engine import EngineStats, LLMEngine
from engine.load import LoadedModel, load, set_threads
from engine.protocol import GenerateRequest, RequestOutput

log = logging.getLogger("hanlin.engine")


class EngineError(RuntimeError):
    """The engine failed while serving a request; the request is finished."""


class AsyncEngine:
    """Thread-backed engine client. Create with `AsyncEngine.start(config)`."""

    def __init__(self, config: EngineConfig, loaded: LoadedModel | None = None) -> None:
        """Start the engine thread; it loads the model itself unless `loaded` is given.

        All torch work stays on that one thread: OpenMP gives every thread that runs parallel ops
        its own team, and two teams on two cores halve decode speed (measured: 33 -> 14 tok/s).
        """
        self.config = config
        self._inbox: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()
        self._streams: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = {}
        self._embeds: deque[_EmbedJob] = deque()  # engine thread only
        self._stopped = False
        self._ready = threading.Event()
        self._load_error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, args=(loaded,), name="hanlin-engine",
                                        daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._load_error is not None:
            self._thread.join()
            raise self._load_error

    @classmethod
    def start(cls, config: EngineConfig) -> AsyncEngine:
        """Load the model and start the engine thread (blocking: seconds)."""
        return cls(config)

    def _setup(self, loaded: LoadedModel | None) -> None:
        set_threads(self.config.num_threads)
        loaded = loaded or load(self.config)
        self.model_name = loaded.name
        self.tokenizer = loaded.tokenizer
        self.max_model_len = loaded.max_model_len
        self.embedding_size = loaded.model.config.hidden_size
        self._model = loaded.model
        self.created = int(time.time())
        self.core = LLMEngine(loaded.model, loaded.tokenizer, self.config, loaded.num_blocks,
                              loaded.max_model_len, loaded.weights, base_path=loaded.path)
        self._stats = self.core.stats()

    async def generate(self, request: GenerateRequest) -> AsyncGenerator[RequestOutput, None]:
        """Submit a request and yield its deltas until the finished one."""
        if self._stopped:
            raise EngineError("the engine is shut down")
        q: asyncio.Queue = asyncio.Queue()
        self._streams[request.request_id] = (asyncio.get_running_loop(), q)
        self._inbox.put(("add", request))
        finished = False
        try:
            while True:
                out = await q.get()
                if isinstance(out, BaseException):
                    finished = True
                    raise EngineError(str(out)) from out
                finished = out.finished
                yield out
                if finished:
                    return
        finally:
            self._streams.pop(request.request_id, None)
            if not finished:
                self.abort(request.request_id)

    async def embed(self, request: EmbedRequest) -> np.ndarray:
        """Unit-norm embeddings of `request.inputs` ([inputs, dimensions] float32; engine.embed).

        The engine thread runs them between steps, a token budget's worth of inputs at a time, so
        a large request slows running generations down instead of stalling them. Cancelling the
        caller drops the inputs not yet run.
        """
        if self._stopped:
            raise EngineError("the engine is shut down")
        future: Future[np.ndarray] = Future()
        self._inbox.put(("embed", _EmbedJob(request, future)))
        # wrap_future hands the result to this loop thread-safely and passes a cancel back.
        return await asyncio.wrap_future(future)

    def abort(self, request_id: str) -> None:
        """Stop a request and free its blocks at the engine's next step boundary (the step in
        flight, if any, still completes). The step count at the ask is logged with the one at
        the free, so that the delay can be checked from outside."""
        self._inbox.put(("abort", (request_id, self._stats.steps)))

    @property
    def request_token_budget(self) -> int:
        """The most n x (prompt + max_tokens) one request may ask of this engine (embeddings:
        its input tokens); the routes refuse more with a 400 (server.routes.choices)."""
        return self.config.scheduler.token_budget(self.max_model_len)

    def stats(self) -> EngineStats:
        """The engine's load as of its last step (read without stopping the engine), with the
        compiled step's state as of now (its compile ends between steps, an idle engine's too)."""
        return msgspec.structs.replace(self._stats, compiled_decode=self.core.compiled_state)

    def shutdown(self) -> None:
        self._stopped = True
        self._inbox.put(("stop", None))
        self._thread.join(timeout=30)

    # -- engine thread --------------------------------------------------------------------------

    def _main(self, loaded: LoadedModel | None) -> None:
        try:
            self._setup(loaded)
        except BaseException as exc:  # handed to the thread that called start()
            self._load_error = exc
            return
        finally:
            self._ready.set()
        self._run()

    def _run(self) -> None:
        while True:
            block = not (self.core.has_work() or self._embeds)
            handled = False
            try:
                while True:
                    kind, payload = self._inbox.get(block=block)
                    block, handled = False, True
                    if kind == "stop":
                        stopped = EngineError("the engine shut down")
                        self._fail_all(stopped)
                        while self._embeds:
                            _resolve(self._embeds.popleft().future, stopped)
                        return
                    self._handle(kind, payload)
            except queue.Empty:
                pass
            if handled:  # an abort's freed blocks show now, not after the next step
                self._stats = self.core.stats()
            if self._embeds:
                self._embed_chunk()
            if not self.core.has_work():
                self._stats = self.core.stats()
                continue
            try:
                outputs = self.core.step()
            except Exception as exc:  # a failing step must not leave callers waiting forever
                self._fail_all(exc)
                continue
            self._stats = self.core.stats()
            self._deliver(outputs)

    def _handle(self, kind: str, payload: object) -> None:
        if kind == "add":
            req = payload
            assert isinstance(req, GenerateRequest)
            try:
                self.core.add_request(req)
            except Exception as exc:
                self._deliver_error(req.request_id, exc)
        elif kind == "abort":
            request_id, asked = payload  # type: ignore[misc]
            if self.core.abort(request_id) is not None:
                log.info("request %s aborted: asked after engine step %d, blocks freed after "
                         "step %d", request_id, asked, self.core.steps)
        elif kind == "embed":
            assert isinstance(payload, _EmbedJob)
            lengths = [len(x) for x in payload.request.inputs]
            payload.plan = deque(chunks(lengths, self.config.scheduler.max_num_batched_tokens))
            self._embeds.append(payload)

    def _embed_chunk(self) -> None:
        """Run the next embedding job's next inputs, up to the scheduler's token budget; jobs
        take turns a chunk each."""
        job = self._embeds[0]
        if job.future.cancelled():
            self._embeds.popleft()
            return
        inputs = job.request.inputs
        try:
            job.means.append(mean_hidden(self._model, [inputs[i] for i in job.plan.popleft()]))
            if job.plan:
                self._embeds.rotate(-1)  # round robin: a large job does not hold back the next
                return
            result = normalize(torch.cat(job.means), job.request.dimensions).numpy()
        except Exception as exc:  # this caller gets the error; generation goes on
            result = exc
        self._embeds.popleft()
        _resolve(job.future, result)

    def _deliver(self, outputs: list[RequestOutput]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Queue, RequestOutput]]] = {}
        for out in outputs:
            target = self._streams.get(out.request_id)
            if target is not None:
                by_loop.setdefault(target[0], []).append((target[1], out))
        for loop, items in by_loop.items():
            _call_soon(loop, _put_all, items)

    def _deliver_error(self, request_id: str, exc: BaseException) -> None:
        target = self._streams.get(request_id)
        if target is not None:
            _call_soon(target[0], target[1].put_nowait, exc)

    def _fail_all(self, exc: Exception) -> None:
        """Finish every request with an error, so that no caller waits forever."""
        for request_id in list(self.core.requests):
            self.core.abort(request_id)
        for request_id in list(self._streams):
            self._deliver_error(request_id, exc)


@dataclass
class _EmbedJob:
    """An embedding request on the engine thread: the chunks still to run, the means so far."""

    request: EmbedRequest
    future: Future[np.ndarray]
    plan: deque[range] = field(default_factory=deque)
    means: list[torch.Tensor] = field(default_factory=list)


def _resolve(future: Future[np.ndarray], result: np.ndarray | BaseException) -> None:
    try:
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
    except InvalidStateError:  # the caller cancelled meanwhile: nobody is waiting
        pass


def _call_soon(loop: asyncio.AbstractEventLoop, fn, *args) -> None:
    try:
        loop.call_soon_threadsafe(fn, *args)
    except RuntimeError:  # the caller's loop is closed: nobody is listening any more
        pass


def _put_all(items: list[tuple[asyncio.Queue, RequestOutput]]) -> None:
    for q, out in items:
        q.put_nowait(out)
