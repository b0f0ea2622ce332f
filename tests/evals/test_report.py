"""Run folders: results.json + items.jsonl round-trip, an HTML report that escapes everything
the model or the data wrote, `compare` of two runs, and `hanlin eval list`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from evals import EndpointConfig, compare, get_task, load_run, run_task, write_run
from tests.evals.recorded import RecordedServer

ENDPOINT = EndpointConfig(base_url="http://recorded.test/v1", model="m")
REPO = Path(__file__).resolve().parents[2]


async def _run(answer: str, limit: int):  # noqa: ANN202
    server = RecordedServer(answer=lambda _: answer)
    return await run_task(get_task("medmcqa"), ENDPOINT, limit=limit,
                          transport=httpx.MockTransport(server))


async def test_run_folder_round_trip_and_escaped_html(tmp_path: Path) -> None:
    run = await _run("<script>alert('x')</script> c) & more", 3)
    folder = write_run(run, tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["items.jsonl", "report.html",
                                                        "results.json"]
    loaded = load_run(folder)
    assert loaded.results == run.results and loaded.items == run.items
    page = (folder / "report.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)" in page
    assert "&amp; more" in page and page.count("<tr><td>medmcqa/samples.jsonl:") == 3
    assert "medmcqa / m" in page and "accuracy" in page


async def test_compare_counts_disagreements_on_common_items() -> None:
    a, b = await _run("c)", 4), await _run("d)", 3)  # every item answered C, then D
    result = compare(a, b)
    assert result.common_items == 3 and result.primary == "accuracy"
    expected = sum(x.scores != y.scores for x, y in zip(a.items, b.items, strict=False))
    assert result.disagreements == expected
    pair = result.metrics[0]
    assert pair.delta == b.results.metrics[0].value - a.results.metrics[0].value


def test_eval_list_names_every_builtin_task() -> None:
    done = subprocess.run([sys.executable, "-m", "server.cli", "eval", "list"], cwd=REPO,
                          capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    for name in ("humaneval", "humaneval_chat", "logiqa", "logiqa_mc", "medmcqa", "tomi",
                 "binary_arithmetic"):
        assert f" {name} " in done.stdout
