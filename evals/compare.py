"""Two runs side by side: each metric in either run, and how many items both runs scored
differently on the first run's primary (first) metric."""

from __future__ import annotations

import msgspec

from evals.records import MetricValue
from evals.runner import EvalRun


class MetricPair(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    a: MetricValue | None
    b: MetricValue | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b.value - self.a.value


class Comparison(msgspec.Struct, frozen=True, kw_only=True):
    metrics: list[MetricPair]
    primary: str | None
    common_items: int
    disagreements: int  # common items whose primary per-item score differs (or errored in one)


def compare(a: EvalRun, b: EvalRun) -> Comparison:
    names = [m.name for m in a.results.metrics]
    names += [m.name for m in b.results.metrics if m.name not in names]
    by_a = {m.name: m for m in a.results.metrics}
    by_b = {m.name: m for m in b.results.metrics}
    pairs = [MetricPair(name=n, a=by_a.get(n), b=by_b.get(n)) for n in names]
    primary = names[0] if names else None
    items_b = {i.id: i for i in b.items}
    common = [(i, items_b[i.id]) for i in a.items if i.id in items_b]
    differ = sum(x.scores.get(primary) != y.scores.get(primary) for x, y in common)
    return Comparison(metrics=pairs, primary=primary, common_items=len(common),
                      disagreements=differ)
