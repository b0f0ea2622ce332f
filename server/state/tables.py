"""The SQL schema as SQLAlchemy 2 declarative tables. Changing it means a new Alembic revision in
`migrations/versions/` (the test suite checks that the two agree)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Float, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class FileRow(Base):
    """An uploaded or produced file; its bytes are the blob `blob_key` (never half written)."""

    __tablename__ = "files"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The API key that made it (None: made while no key existed); user keys see only their own.
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    filename: Mapped[str] = mapped_column(String(1024))
    purpose: Mapped[str] = mapped_column(String(32), index=True)
    bytes: Mapped[int] = mapped_column(BigInteger)
    # Pages are ordered by (created_at, id): stable at equal timestamps, no counter to race on.
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)
    blob_key: Mapped[str] = mapped_column(String(128))
    sha256: Mapped[str] = mapped_column(String(64))


class DatasetRow(Base):
    """A cleaning run over one input file and its outcome (report, cleaned and rejected files)."""

    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The API key that made it (None: made while no key existed); user keys see only their own.
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)
    pipeline: Mapped[str] = mapped_column(String(32))
    # No foreign key: a file in use by a queued or running dataset cannot be deleted (409), and
    # a finished dataset keeps its record after its input file is gone.
    input_file_id: Mapped[str] = mapped_column(String(64), index=True)
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued|running|succeeded|failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    finished_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    cleaned_file_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rejected_file_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)


class FineTuneJobRow(Base):
    """A fine-tuning job: the request as resolved (method, hyperparameters, hanlin extensions),
    its status and outcome. Events and checkpoints are rows of their own."""

    __tablename__ = "fine_tuning_jobs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The API key that made it (None: made while no key existed); user keys see only their own.
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)
    model: Mapped[str] = mapped_column(String(1024))
    # No foreign keys to files, as for datasets: a finished job keeps its record.
    training_file: Mapped[str] = mapped_column(String(64))
    validation_file: Mapped[str | None] = mapped_column(String(64), nullable=True)
    suffix: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[dict[str, Any]] = mapped_column(JSON)  # OpenAI's method object, resolved
    extensions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the `hanlin` object
    # validating_files|queued|running|succeeded|failed|cancelled
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    finished_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    estimated_finish: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    cleaned_file: Mapped[str | None] = mapped_column(String(64), nullable=True)
    validation_report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    result_files: Mapped[list[str]] = mapped_column(JSON, default=list)
    trained_tokens: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_step: Mapped[int] = mapped_column(Integer, default=0)
    total_steps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fine_tuned_model: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    # Who besides its owner and admins may use its model (server/model_access.py):
    # private|public, set at creation (`hanlin.visibility`) and by `POST /v1/models/{id}`.
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    # Set by `DELETE /v1/models/{id}`: the job keeps its record, the model is no longer served.
    model_deleted_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_param: Mapped[str | None] = mapped_column(String(128), nullable=True)


class FineTuneEventRow(Base):
    """One event of a job; the integer key orders them (OpenAI lists newest first)."""

    __tablename__ = "fine_tuning_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    level: Mapped[str] = mapped_column(String(8))  # info|warn|error
    type: Mapped[str] = mapped_column(String(16))  # message|metrics
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class FineTuneCheckpointRow(Base):
    """A checkpoint the trainer saved: its step, the metrics of that step, and where it is."""

    __tablename__ = "fine_tuning_checkpoints"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    step: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    path: Mapped[str] = mapped_column(String(1024))
    adapter_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    deleted_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # as a model
    # Its own visibility as a model, once set by `POST /v1/models/{id}` (None: its job's).
    visibility: Mapped[str | None] = mapped_column(String(16), nullable=True)


class ResponseRow(Base):
    """A stored `/v1/responses` answer: the response object as sent, and the conversation it
    ends (chat messages), which a later `previous_response_id` continues."""

    __tablename__ = "responses"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The API key that made it (None: made while no key existed); user keys see only their own.
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)
    model: Mapped[str] = mapped_column(String(1024))
    status: Mapped[str] = mapped_column(String(16))  # completed|incomplete|failed
    previous_response_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # the response object
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # instructions excluded
    input_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # this request's input


class EvalRow(Base):
    """An eval of OpenAI's Evals API: the item schema its runs must match and its graders."""

    __tablename__ = "evals"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The API key that made it (None: made while no key existed); user keys see only their own.
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)
    updated_at: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(String(1024))
    # `metadata` is taken on a declarative class: the attribute has another name, the column not.
    meta: Mapped[dict[str, str] | None] = mapped_column("metadata", JSON, nullable=True)
    data_source_config: Mapped[dict[str, Any]] = mapped_column(JSON)
    testing_criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class EvalRunRow(Base):
    """A run of an eval: its data source, the items it grades (read once, at creation, so a
    deleted file cannot lose them) and running tallies, kept with each item recorded."""

    __tablename__ = "eval_runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The key that started it (None: no key existed); its samples ask the model as that key.
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    eval_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(String(1024))
    model: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    # queued|in_progress|completed|failed|canceled
    status: Mapped[str] = mapped_column(String(16), index=True)
    data_source: Mapped[dict[str, Any]] = mapped_column(JSON)
    meta: Mapped[dict[str, str] | None] = mapped_column("metadata", JSON, nullable=True)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    finished_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    tally: Mapped[dict[str, Any]] = mapped_column(JSON)  # counts, per grader, per model usage
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)


class EvalOutputItemRow(Base):
    """One graded item of a run. Its id is derived from (run, item index), so an item graded
    again after a restart cannot be recorded twice."""

    __tablename__ = "eval_output_items"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64), index=True)
    eval_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[int] = mapped_column(BigInteger)
    datasource_item_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))  # pass|fail|error
    datasource_item: Mapped[dict[str, Any]] = mapped_column(JSON)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    sample: Mapped[dict[str, Any]] = mapped_column(JSON)


class APIKeyRow(Base):
    """An API key: only its SHA-256 is kept (keys are 256-bit random, so a fast hash suffices);
    `prefix` is what listings show. Revoked keys keep their row."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    scope: Mapped[str] = mapped_column(String(16))  # admin|user
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[int] = mapped_column(BigInteger)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class BenchmarkRunRow(Base):
    """A run of a built-in benchmark task on a served model: the request, running counts, and
    when done the metrics and the Files of its report and per-item records."""

    __tablename__ = "benchmark_runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The API key that made it (None: made while no key existed); user keys see only their own.
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)
    task: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(1024))
    # queued|in_progress|completed|failed|canceled
    status: Mapped[str] = mapped_column(String(16), index=True)
    item_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)  # `limit` is SQL's
    concurrency: Mapped[int] = mapped_column(Integer)
    sampling_params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    meta: Mapped[dict[str, str] | None] = mapped_column("metadata", JSON, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    finished_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    tally: Mapped[dict[str, Any]] = mapped_column(JSON)  # counts, per metric, items to do
    metrics: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    unparsed_rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    report_file_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    items_file_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
