"""From per-item records to a run's metrics: means with lm-eval's mean_stderr, corpus BLEU with
a bootstrap stderr, the counts and the unparsed rate. Errored items are counted, not scored."""

from __future__ import annotations

from collections.abc import Sequence

from evals.metrics import bootstrap_stderr, corpus_bleu, mean_stderr
from evals.records import Counts, ItemRecord, MetricValue
from evals.task import Generate, Task


def _mean(name: str, values: list[float]) -> MetricValue:
    value = sum(values) / len(values) if values else 0.0
    return MetricValue(name=name, value=value, stderr=mean_stderr(values), n=len(values))


def _bleu(records: list[ItemRecord]) -> MetricValue:
    """Corpus BLEU over each item's first answer; BLEU is not a mean of sentence scores."""
    preds = [r.outputs[0].extracted if r.outputs else None for r in records]
    refs = [r.references for r in records]

    def statistic(indices: list[int]) -> float:
        return corpus_bleu([preds[i] for i in indices], [refs[i] for i in indices])

    return MetricValue(name="bleu", value=statistic(list(range(len(records)))),
                       stderr=bootstrap_stderr(statistic, len(records)), n=len(records),
                       stderr_method="bootstrap")


def metrics(task: Task, records: Sequence[ItemRecord]) -> list[MetricValue]:
    scored = [r for r in records if r.error is None]
    out = []
    for name in task.metric_names():
        if name == "bleu" and isinstance(task.mode, Generate):
            out.append(_bleu(scored))
        else:
            out.append(_mean(name, [r.scores[name] for r in scored if name in r.scores]))
    return out


def counts(records: Sequence[ItemRecord]) -> Counts:
    errored = sum(r.error is not None for r in records)
    return Counts(total=len(records), scored=len(records) - errored, errored=errored,
                  unparsed=sum(r.unparsed for r in records if r.error is None))


def unparsed_rate(records: Sequence[ItemRecord]) -> float:
    """Share of answers (not items: an item may have n samples) that yielded no answer."""
    outputs = [o for r in records if r.error is None for o in r.outputs]
    return sum(o.extracted is None for o in outputs) / len(outputs) if outputs else 0.0
