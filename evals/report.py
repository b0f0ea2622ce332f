"""A run folder: `results.json` (metrics, counts, the task), `items.jsonl` (one record per
item) and `report.html` (every item's prompt, raw outputs, extracted answers, scores and
sandbox runs; all text escaped). `write_run` / `load_run` are the two ends."""

from __future__ import annotations

import html
from pathlib import Path

import msgspec

from evals.records import EvalResults, ItemRecord, Message, MetricValue
from evals.runner import EvalRun

STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:4px;vertical-align:top;text-align:left}"
         "pre{white-space:pre-wrap;max-width:60em;margin:0}.bad{color:#b00}")


def write_run(run: EvalRun, out: str | Path) -> Path:
    folder = Path(out) / run.results.run_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_bytes(msgspec.json.format(msgspec.json.encode(run.results)))
    with open(folder / "items.jsonl", "wb") as f:
        for item in run.items:
            f.write(msgspec.json.encode(item) + b"\n")
    (folder / "report.html").write_text(render_html(run), encoding="utf-8")
    return folder


def load_run(folder: str | Path) -> EvalRun:
    folder = Path(folder)
    results = msgspec.json.decode((folder / "results.json").read_bytes(), type=EvalResults)
    decoder = msgspec.json.Decoder(ItemRecord)
    with open(folder / "items.jsonl", "rb") as f:
        items = [decoder.decode(line) for line in f if line.strip()]
    return EvalRun(results=results, items=items)


def format_metric(m: MetricValue) -> str:
    return f"{m.value:.4f}" + (f" ± {m.stderr:.4f}" if m.stderr is not None else "")


def _pre(text: object) -> str:
    return f"<pre>{html.escape(str(text))}</pre>"


def _prompt(prompt: str | list[Message]) -> str:
    if isinstance(prompt, str):
        return _pre(prompt)
    return _pre("\n\n".join(f"[{m.role}]\n{m.content}" for m in prompt))


def _answers(item: ItemRecord) -> tuple[str, str, str]:
    """(raw outputs, extracted answers, sandbox runs) cells; choices' log-probabilities for MC."""
    if item.choices:
        rows = [f"{'*' if i == item.gold else ' '} {c.text!r}: {c.logprob:.4f} "
                f"({c.tokens} tok, {c.chars} chars)" for i, c in enumerate(item.choices)]
        return _pre("\n".join(rows)), _pre(f"choice {item.prediction}"), ""
    raw = "".join(_pre(o.raw) for o in item.outputs)
    extracted = "".join(_pre(o.extracted) if o.extracted is not None
                        else '<pre class="bad">(unparsed)</pre>' for o in item.outputs)
    runs = "".join(_pre(f"passed={o.sandbox.passed} exit={o.sandbox.exit_code} "
                        f"timed_out={o.sandbox.timed_out}\n{o.sandbox.stderr[-1500:]}")
                   for o in item.outputs if o.sandbox is not None)
    return raw, extracted, runs


def _item_row(item: ItemRecord) -> str:
    raw, extracted, runs = _answers(item)
    scores = html.escape(", ".join(f"{k}={v:.3f}" for k, v in item.scores.items()))
    if item.error:
        scores = f'<span class="bad">{html.escape(item.error)}</span>'
    cells = [html.escape(item.id), _prompt(item.prompt), _pre("\n".join(item.references)), raw,
             extracted, scores, runs]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def render_html(run: EvalRun) -> str:
    r = run.results
    metrics = "".join(f"<tr><td>{html.escape(m.name)}</td><td>{html.escape(format_metric(m))}"
                      f"</td><td>{m.n}</td></tr>" for m in r.metrics)
    head = ("<tr><th>id</th><th>prompt</th><th>references</th><th>raw output</th>"
            "<th>extracted</th><th>scores</th><th>sandbox</th></tr>")
    title = html.escape(f"{r.task} / {r.model}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{STYLE}</style></head><body><h1>{title}</h1>"
            f"<p>run {html.escape(r.run_id)} at {html.escape(r.base_url)}; "
            f"{r.counts.total} items, {r.counts.errored} errored, unparsed rate "
            f"{r.unparsed_rate:.3f} (extraction {html.escape(str(r.extraction))}); "
            f"{r.duration_s:.1f} s</p>"
            f"<table><tr><th>metric</th><th>value ± stderr</th><th>n</th></tr>{metrics}</table>"
            f"<h2>Items</h2><table>{head}{''.join(_item_row(i) for i in run.items)}</table>"
            "</body></html>")
