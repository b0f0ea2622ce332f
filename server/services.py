"""The server's long-lived state services, opened and closed by the app's lifespan: the database,
the blob store, files, datasets, fine-tuning jobs and their runners; plus their Litestar dependencies."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from litestar import Litestar
from litestar.datastructures import State

from server.jobs.benchmarks import BenchmarkConfig, BenchmarkRunner
from server.jobs.cleaning import CleaningRunner, Scoring
from server.jobs.evals import EvalRunner
from server.jobs.finetune import FineTuneRunner
from server.state.benchmarks import BenchmarkStore
from server.state.blobs import BlobStore
from server.state.config import StateConfig
from server.state.datasets import DatasetStore
from server.state.db import Database
from server.state.evals import EvalStore
from server.state.files import FileStore
from server.state.finetune import FineTuneStore
from server.state.keys import KeyStore
from server.state.responses import ResponseStore

log = logging.getLogger("hanlin.server")


@dataclass
class Services:
    db: Database
    blobs: BlobStore
    files: FileStore
    datasets: DatasetStore
    cleaning: CleaningRunner
    fine_tunes: FineTuneStore
    fine_tuning: FineTuneRunner
    responses: ResponseStore
    evals: EvalStore
    eval_runs: EvalRunner
    keys: KeyStore
    benchmarks: BenchmarkStore
    benchmark_runs: BenchmarkRunner

    @classmethod
    async def open(cls, config: StateConfig, scoring: Scoring | None = None) -> Services:
        """Migrate the database, sweep what an interrupted write left, start the job runners."""
        db = await Database.open(config.url)
        blobs = BlobStore(config.blob_root)
        files, datasets = FileStore(db, blobs), DatasetStore(db)
        swept = await files.sweep()
        if swept:
            log.warning("removed %d blob(s) left by an interrupted write", swept)
        cleaning = CleaningRunner(config, files, datasets, blobs, scoring)
        await cleaning.start()
        fine_tunes = FineTuneStore(db)
        fine_tuning = FineTuneRunner(config, files, fine_tunes, blobs)
        await fine_tuning.start()
        evals, benchmarks = EvalStore(db), BenchmarkStore(db)
        return cls(db, blobs, files, datasets, cleaning, fine_tunes, fine_tuning,
                   ResponseStore(db), evals, EvalRunner(evals), KeyStore(db), benchmarks,
                   BenchmarkRunner(benchmarks, files, BenchmarkConfig.from_env(config)))

    @asynccontextmanager
    async def running_evals(self, app: Litestar) -> AsyncIterator[None]:
        """Eval runs sample through the app's own routes: they run while its engine is up, and
        stop before it does (an answer cut off by its shutdown would be graded as an error)."""
        await self.eval_runs.start(app)
        await self.benchmark_runs.start(app)  # the same holds for benchmark runs
        try:
            yield
        finally:
            await self.benchmark_runs.stop()
            await self.eval_runs.stop()

    async def close(self) -> None:
        await self.benchmark_runs.stop()
        await self.eval_runs.stop()
        await self.fine_tuning.stop()
        await self.cleaning.stop()
        await self.db.close()


def provide_files(state: State) -> FileStore:
    return state.services.files


def provide_datasets(state: State) -> DatasetStore:
    return state.services.datasets


def provide_cleaning(state: State) -> CleaningRunner:
    return state.services.cleaning


def provide_fine_tunes(state: State) -> FineTuneStore:
    return state.services.fine_tunes


def provide_fine_tuning(state: State) -> FineTuneRunner:
    return state.services.fine_tuning


def provide_responses(state: State) -> ResponseStore:
    return state.services.responses


def provide_keys(state: State) -> KeyStore:
    return state.services.keys


def provide_evals(state: State) -> EvalStore:
    return state.services.evals


def provide_eval_runs(state: State) -> EvalRunner:
    return state.services.eval_runs


def provide_benchmarks(state: State) -> BenchmarkStore:
    return state.services.benchmarks


def provide_benchmark_runs(state: State) -> BenchmarkRunner:
    return state.services.benchmark_runs


DEPENDENCIES = {"keys": provide_keys, "files": provide_files, "datasets": provide_datasets,
                "cleaning": provide_cleaning, "fine_tunes": provide_fine_tunes,
                "fine_tuning": provide_fine_tuning, "responses": provide_responses,
                "evals": provide_evals, "eval_runs": provide_eval_runs,
                "benchmarks": provide_benchmarks, "benchmark_runs": provide_benchmark_runs}
