"""The server's long-lived state services, opened and closed by the app's lifespan: the database,
the blob store, files, datasets, fine-tuning jobs and their runners; plus their Litestar dependencies."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from litestar.datastructures import State

from server.jobs.cleaning import CleaningRunner, Scoring
from server.jobs.finetune import FineTuneRunner
from server.state.blobs import BlobStore
from server.state.config import StateConfig
from server.state.datasets import DatasetStore
from server.state.db import Database
from server.state.files import FileStore
from server.state.finetune import FineTuneStore

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
        return cls(db, blobs, files, datasets, cleaning, fine_tunes, fine_tuning)

    async def close(self) -> None:
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


DEPENDENCIES = {"files": provide_files, "datasets": provide_datasets,
                "cleaning": provide_cleaning, "fine_tunes": provide_fine_tunes,
                "fine_tuning": provide_fine_tuning}
