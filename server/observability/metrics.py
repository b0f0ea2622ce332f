"""Prometheus metrics for one app, in a registry of its own: request counts and latencies,
TTFT, time per output token and tokens (recorded as requests run), plus gauges read at scrape
time from the engine's `stats()` and the job tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from server.state.db import Database
from server.state.tables import DatasetRow, EvalRunRow, FineTuneJobRow

if TYPE_CHECKING:
    from engine.llm_engine import EngineStats

# Generation latencies span milliseconds (a cached prompt on a GPU) to minutes (a long answer
# on two CPU cores).
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320)
TTFT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80)
TPOT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5)

# Job kinds and the statuses their tables' comments list: each is reported, at 0 when no job
# has it, so that a dashboard sees a series drop to zero instead of vanishing. A status not
# listed here is still reported when a row has it.
JOB_TABLES = {
    "dataset": (DatasetRow, ("queued", "running", "succeeded", "failed")),
    "fine_tuning": (FineTuneJobRow, ("validating_files", "queued", "running", "succeeded",
                                     "failed", "cancelled")),
    "eval_run": (EvalRunRow, ("queued", "in_progress", "completed", "failed", "canceled")),
}

JobCounts = dict[tuple[str, str], int]


class Metrics:
    """The app's registry and the instruments the request path records into."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("hanlin_http_requests", "HTTP requests answered, by route and "
                                "status", ["method", "route", "status"], registry=r)
        self.latency = Histogram("hanlin_http_request_duration_seconds", "End-to-end HTTP "
                                 "latency, until the last byte of the answer (a stream's too)",
                                 ["method", "route"], buckets=LATENCY_BUCKETS, registry=r)
        self.ttft = Histogram("hanlin_time_to_first_token_seconds", "From submitting an answer's "
                              "requests to the engine to its first token (queue + prefill)",
                              ["route"], buckets=TTFT_BUCKETS, registry=r)
        self.tpot = Histogram("hanlin_time_per_output_token_seconds", "Per choice: time after "
                              "its first token divided by the tokens that followed",
                              ["route"], buckets=TPOT_BUCKETS, registry=r)
        self.prompt_tokens = Counter("hanlin_prompt_tokens", "Prompt tokens of the answers "
                                     "generated (each distinct prompt once, as usage counts)",
                                     ["route"], registry=r)
        self.generation_tokens = Counter("hanlin_generation_tokens", "Tokens generated, every "
                                         "choice's", ["route"], registry=r)
        self.state = StateCollector()
        r.register(self.state)

    async def render(self, stats: EngineStats | None, db: Database | None) -> bytes:
        """The Prometheus text format (0.0.4) with the engine's load as of `stats` and the
        job counts read from `db` now; None for a part that is not up (before startup)."""
        self.state.engine = stats
        self.state.jobs = await job_counts(db) if db is not None else {}
        return generate_latest(self.registry)


async def job_counts(db: Database) -> JobCounts:
    """(kind, status) -> jobs: one GROUP BY per job table."""
    counts: JobCounts = {}
    async with db.session() as session:
        for kind, (table, statuses) in JOB_TABLES.items():
            counts.update({(kind, status): 0 for status in statuses})
            rows = await session.execute(select(table.status, func.count()).group_by(table.status))
            counts.update({(kind, status): n for status, n in rows.tuples()})
    return counts


class StateCollector(Collector):
    """What is true now, set by `Metrics.render` just before it collects: the engine's load
    and the jobs. (Collectors are synchronous; the job tables are read with async queries.)"""

    def __init__(self) -> None:
        self.engine: EngineStats | None = None
        self.jobs: JobCounts = {}

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        yield from _engine_families(self.engine)
        jobs = GaugeMetricFamily("hanlin_jobs", "Jobs by kind (dataset, fine_tuning, eval_run) "
                                 "and status", labels=["kind", "status"])
        for (kind, status), n in sorted(self.jobs.items()):
            jobs.add_metric([kind, status], n)
        yield jobs


def _engine_families(stats: EngineStats | None) -> Iterator[GaugeMetricFamily |
                                                           CounterMetricFamily]:
    if stats is None:  # the engine is not up yet (or already down): no load to report
        return

    def gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
        return GaugeMetricFamily(name, doc, value=value)

    yield gauge("hanlin_requests_running", "Requests in the running batch", stats.running)
    yield gauge("hanlin_requests_waiting", "Requests waiting to be scheduled", stats.waiting)
    blocks = GaugeMetricFamily("hanlin_kv_blocks", "KV-cache blocks by state; used + free is "
                               "the capacity", labels=["state"])
    blocks.add_metric(["used"], stats.kv_blocks_total - stats.kv_blocks_free)
    blocks.add_metric(["free"], stats.kv_blocks_free)
    yield blocks
    yield gauge("hanlin_kv_blocks_capacity", "KV-cache blocks in all", stats.kv_blocks_total)
    yield gauge("hanlin_kv_blocks_cached", "Free KV-cache blocks still holding a reusable "
                "prefix", stats.kv_blocks_cached)
    yield CounterMetricFamily("hanlin_prefix_cache_hit_tokens", "Prompt tokens served from "
                              "the prefix cache", value=stats.prefix_cache_hit_tokens)
    yield CounterMetricFamily("hanlin_engine_prompt_tokens", "Prompt tokens the engine was "
                              "given", value=stats.prompt_tokens)
    yield CounterMetricFamily("hanlin_engine_generated_tokens", "Tokens the engine sampled",
                              value=stats.generated_tokens)
    yield CounterMetricFamily("hanlin_engine_preemptions", "Requests preempted for KV space",
                              value=stats.num_preemptions)
    yield CounterMetricFamily("hanlin_engine_steps", "Engine steps run (one batch each)",
                              value=stats.steps)
    state = GaugeMetricFamily("hanlin_compiled_decode", "1 for the compiled decode step's "
                              "state: off, building (steps run eager), ready or failed",
                              labels=["state"])
    for name in ("off", "building", "ready", "failed"):
        state.add_metric([name], float(stats.compiled_decode == name))
    yield state
    # The all-time ratio; rate(hit_tokens) / rate(prompt_tokens) gives it over a window.
    rate = stats.prefix_cache_hit_tokens / stats.prompt_tokens if stats.prompt_tokens else 0.0
    yield gauge("hanlin_prefix_cache_hit_rate", "Prefix-cache hit tokens / prompt tokens, since "
                "start", rate)
