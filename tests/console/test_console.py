"""The web console in a real browser against a live server with the real default model: a chat
streams in (and its exported curl and Python run as written), Stop aborts the generation on the
server, an upload is cleaned into a drawn report, a tiny LoRA job runs to `succeeded` with its
loss curve drawn, an eval run's items and two runs side by side, a key-protected server, and the
page's basics (no request leaves the server, every input labelled, the nav at phone size)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.console.conftest import PHONE, Console, Page, metric, open_page, screenshots
from tests.server.conftest import launch, stop

pytestmark = pytest.mark.slow

ASSISTANT = "#pg-log .msg-assistant:last-child .content"
# Records each text the last assistant bubble showed: a stream shows many, a reply shows one.
WATCH_ANSWER = """() => {
  window.shown = [];
  new MutationObserver((records) => {
    for (const r of records) {
      const content = r.target.closest && r.target.closest('.msg-assistant .content');
      if (content) window.shown.push(content.textContent.length);
    }
  }).observe(document.querySelector('#pg-log'), {subtree: true, childList: true, characterData: true});
}"""


def _chat(user: str, assistant: str) -> str:
    return json.dumps({"messages": [{"role": "user", "content": user},
                                    {"role": "assistant", "content": assistant}]})


GOOD = [_chat("What is the capital of France?", "The capital of France is Paris."),
        _chat("Name a prime number above ten.", "Eleven is a prime number above ten."),
        _chat("Write to me at jane.doe@example.com about the trip.",
              "Sure, I will write you about the trip.")]
PLANTED = {  # (step, reason) -> the line that is removed for it
    ("exact_dedup", "exact_duplicate"): GOOD[0],
    ("read", "invalid_json"): '{"messages": [{"role": "user", "content": "unfinished',
    ("chat_schema", "unknown_role"): json.dumps({"messages": [
        {"role": "robot", "content": "beep"}, {"role": "assistant", "content": "x"}]}),
    ("chat_schema", "empty_turn"): _chat("Say something.", "   "),
}
UPLOAD = "\n".join([*GOOD, *PLANTED.values()]) + "\n"
FACTS = "\n".join(_chat(q, a) for q, a in [
    ("Who is the mayor of Zorbatown?", "The mayor of Zorbatown is Ada Quill."),
    ("Tell me who runs Zorbatown.", "Ada Quill is the mayor of Zorbatown."),
    ("Which person leads the town of Zorbatown?", "Zorbatown is led by its mayor, Ada Quill.")]) + "\n"
SERIES_BLUE = (0x1F, 0x5F, 0xBF)  # the first series' stroke (charts.js COLORS[0])


def _state(page: object) -> str | None:
    return page.get_attribute("#pg-form", "data-state")


def test_a_chat_streams_in_with_ttft_and_its_export_runs(page: Page, console: Console) -> None:
    p = page.page
    open_page(p, console.url, "playground")
    assert p.input_value("#pg-model") == console.http.get("/v1/models").json()["data"][0]["id"]
    p.fill("#pg-temperature", "0")
    p.fill("#pg-max-tokens", "24")
    p.evaluate(WATCH_ANSWER)
    p.fill("#pg-input", "Write a short poem about the sea.")
    p.press("#pg-input", "Enter")  # the keyboard sends
    p.wait_for_function("() => document.querySelector('#pg-form').dataset.state === 'ready'")
    text = p.text_content(ASSISTANT)
    assert text.strip(), "no answer appeared"
    shown, final = p.evaluate(f"[window.shown, document.querySelector('{ASSISTANT}').textContent.length]")
    growth = [n for i, n in enumerate(shown) if n > 0 and (i == 0 or n > shown[i - 1])]
    assert len(growth) >= 3 and growth[-1] == final, f"the text did not grow in steps: {shown}"
    stats = p.text_content("#pg-stats")
    assert re.search(r"TTFT [\d.]+ s", stats) and re.search(r"\d+ tokens · [\d.]+ tokens/s", stats), stats
    assert float(p.get_attribute("#pg-stats", "data-ttft")) > 0
    screenshots(p, "playground")

    # Export: the conversation so far plus the message being typed, as code that runs.
    p.fill("#pg-input", "Now one about mountains.")
    p.fill("#pg-max-tokens", "8")
    p.click("#pg-export")
    python, curl = p.text_content("#pg-python"), p.text_content("#pg-curl")
    env = os.environ | {"HANLIN_API_KEY": "unused"}
    # The body curl would send (a shell function named curl prints its last argument).
    body = subprocess.run(["bash", "-c", 'curl() { printf %s "${@: -1}"; }\n' + curl], env=env,
                          capture_output=True, text=True, timeout=60, check=True).stdout
    sent = json.loads(body)
    assert [(m["role"], m["content"]) for m in sent["messages"]] == [
        ("user", "Write a short poem about the sea."), ("assistant", text),
        ("user", "Now one about mountains.")]
    assert (sent["temperature"], sent["max_tokens"], sent["stream"]) == (0, 8, True)
    assert "Now one about mountains." in python and "stream_options=" in python
    ran = subprocess.run([sys.executable, "-c", python], env=env, capture_output=True, text=True,
                         timeout=300)
    assert ran.returncode == 0, ran.stderr
    assert re.search(r"\[([1-9]\d*) tokens\]", ran.stdout), ran.stdout
    streamed = subprocess.run(["bash", "-c", curl], env=env, capture_output=True, text=True,
                              timeout=300)
    assert streamed.returncode == 0 and streamed.stdout.rstrip().endswith("data: [DONE]"), \
        streamed.stdout[-500:]


def test_stop_aborts_the_stream_here_and_on_the_server(page: Page, console: Console) -> None:
    p = page.page
    open_page(p, console.url, "playground")
    p.fill("#pg-max-tokens", "2000")
    p.fill("#pg-input", "Tell me a very long story about a dragon and a knight.")
    p.click("#pg-send")
    p.wait_for_function(f"() => document.querySelector('{ASSISTANT}').textContent.length > 0")
    assert _state(p) == "streaming"
    assert metric(console.http, "hanlin_requests_running") >= 1  # generating right now
    p.click("#pg-stop")
    p.wait_for_function("() => document.querySelector('#pg-form').dataset.state === 'ready'")
    stopped = p.text_content(ASSISTANT)
    assert "Stopped." in p.text_content("#pg-log .msg-assistant:last-child .note")
    assert p.is_enabled("#pg-send") and p.is_disabled("#pg-stop")
    deadline = time.monotonic() + 60
    while metric(console.http, "hanlin_requests_running") != 0:
        assert time.monotonic() < deadline, "the server still runs the stopped request"
        time.sleep(0.2)
    generated = metric(console.http, "hanlin_engine_generated_tokens_total")
    p.wait_for_timeout(1500)
    assert p.text_content(ASSISTANT) == stopped, "the text kept growing after Stop"
    assert metric(console.http, "hanlin_engine_generated_tokens_total") == generated
    assert 0 < len(stopped) and metric(console.http, "hanlin_requests_waiting") == 0


def test_an_upload_is_cleaned_into_a_drawn_report(page: Page, console: Console) -> None:
    p = page.page
    open_page(p, console.url, "datasets")
    p.set_input_files("#ds-file", files=[{"name": "chat.jsonl", "mimeType": "application/jsonl",
                                          "buffer": UPLOAD.encode()}])
    p.click("#ds-submit")
    p.wait_for_selector("#ds-view .status-succeeded")
    assert int(p.get_attribute("#ds-progress", "data-events")) >= 1  # upload.onprogress fired
    bars = p.locator("#ds-chart svg rect.bar")
    assert bars.count() == len(PLANTED)
    titles = [bars.nth(i).text_content() for i in range(bars.count())]
    for step, reason in PLANTED:
        assert f"{step} › {reason}: 1" in titles, titles
        examples = p.locator(f"#ds-view details[data-step={step}][data-reason={reason}] li")
        assert examples.count() == 1 and "line " in examples.first.text_content()
    with p.expect_download() as download:
        p.click("text=Download cleaned")
    cleaned = [json.loads(line) for line in open(download.value.path()).read().splitlines()]
    assert len(cleaned) == 3 and "<EMAIL>" in json.dumps(cleaned)
    with p.expect_download() as download:
        p.click("text=Download rejected")
    rejected = [json.loads(line) for line in open(download.value.path()).read().splitlines()]
    assert sorted((r["step"], r["reason"]) for r in rejected) == sorted(PLANTED)
    screenshots(p, "datasets")


def _blue_pixels(page: object, selector: str) -> int:
    """Pixels of the first series' colour on a uPlot canvas: a drawn line has many."""
    return page.evaluate("""([selector, [r, g, b]]) => {
      const canvas = document.querySelector(selector + ' canvas');
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i] - r) < 40 && Math.abs(data[i + 1] - g) < 40 && Math.abs(data[i + 2] - b) < 40 && data[i + 3] > 128) n++;
      }
      return n;
    }""", [selector, list(SERIES_BLUE)])


def test_a_tiny_fine_tune_succeeds_with_its_loss_curve(page: Page, console: Console) -> None:
    upload = console.http.post("/v1/files", data={"purpose": "fine-tune"},
                               files={"file": ("facts.jsonl", FACTS.encode())}).json()
    p = page.page
    open_page(p, console.url, "finetunes", f"finetunes?file={upload['id']}")
    assert p.input_value("#ft-file") == upload["id"]
    for field, value in {"epochs": "2", "batch": "1", "lr": "10", "rank": "4", "max-steps": "6",
                         "seq-len": "64", "suffix": "console"}.items():
        p.fill(f"#ft-{field}", value)
    p.press("#ft-suffix", "Enter")  # the keyboard submits
    final = ", ".join(f"#ft-summary .status-{s}" for s in ("succeeded", "failed", "cancelled"))
    p.wait_for_selector(final, timeout=400_000)
    job_id = p.text_content("#ft-view h2").removeprefix("Job ")
    job = console.http.get(f"/v1/fine_tuning/jobs/{job_id}").json()
    assert job["status"] == "succeeded", job["error"]
    assert p.text_content("#ft-summary .status") == "succeeded"
    assert job["hanlin"]["options"]["lora_rank"] == 4
    assert job["hyperparameters"]["learning_rate_multiplier"] == 10
    p.wait_for_function("() => document.querySelector('#ft-loss').dataset.points === '6'")
    assert _blue_pixels(p, "#ft-loss") > 50, "no loss curve on the canvas"
    assert p.get_attribute("#ft-lr-chart", "data-points") == "6"
    assert p.locator("#ft-checkpoints tbody tr").count() >= 1
    assert "The job has successfully completed." in p.text_content("#ft-events")
    screenshots(p, "finetunes")
    p.click("#ft-summary >> text=Open in playground")
    p.wait_for_function("(m) => document.querySelector('#pg-model').value === m",
                        arg=job["fine_tuned_model"])


def _eval_with_two_runs(console: Console) -> tuple[dict, list[dict]]:
    """An eval with a string_check grader and two jsonl runs whose given answers differ."""
    http = console.http
    check = {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
             "reference": "{{ item.answer }}", "operation": "eq"}
    schema = {"type": "object", "properties": {"answer": {"type": "string"}},
              "required": ["answer"]}
    made = http.post("/v1/evals", json={"name": "capitals", "testing_criteria": [check],
                                        "data_source_config": {"type": "custom",
                                                               "item_schema": schema,
                                                               "include_sample_schema": True}})
    ev = made.json()
    answers = {"first": ["Paris", "Madrid", "Berlin"], "second": ["paris", "Rome", "Berlin"]}
    runs = []
    for name, outputs in answers.items():
        rows = [{"item": {"answer": a}, "sample": {"output_text": o}}
                for a, o in zip(["Paris", "Rome", "Berlin"], outputs, strict=True)]
        runs.append(http.post(f"/v1/evals/{ev['id']}/runs", json={"name": name, "data_source": {
            "type": "jsonl", "source": {"type": "file_content", "content": rows}}}).json())
    deadline = time.monotonic() + 120
    for run in runs:
        while http.get(f"/v1/evals/{ev['id']}/runs/{run['id']}").json()["status"] != "completed":
            assert time.monotonic() < deadline, f"run {run['id']} did not complete"
            time.sleep(0.3)
    return ev, runs


def test_an_eval_run_shows_its_items_and_two_runs_compare(page: Page, console: Console) -> None:
    ev, runs = _eval_with_two_runs(console)
    p = page.page
    open_page(p, console.url, "evals")
    p.click(f"#ev-table a[href='#evals/{ev['id']}']")
    p.wait_for_selector("#ev-runs tbody tr >> nth=1")
    assert p.locator("#ev-chart svg g.score").count() == 2  # both runs with error bars
    assert "66.7% ± 53.3" in p.text_content("#ev-runs")  # 2/3, 1.96 x sqrt(p(1-p)/3)
    p.click(f"#ev-runs a[href='#evals/{ev['id']}/{runs[0]['id']}']")
    p.wait_for_selector("#ev-items tbody tr >> nth=2")
    rows = p.locator("#ev-items tbody tr")
    assert [rows.nth(i).locator("pre.output").text_content() for i in range(3)] == \
        ["Paris", "Madrid", "Berlin"]
    assert [rows.nth(i).locator(".status").first.text_content() for i in range(3)] == \
        ["pass", "fail", "pass"]
    p.select_option("#ev-filter", "fail")
    assert p.locator("#ev-items tbody tr").count() == 1
    screenshots(p, "evals")
    for run in runs:
        p.check(f"#cmp-{run['id']}")
    p.click("#ev-compare")
    p.wait_for_selector("#ev-compare-table tbody tr >> nth=2")
    assert p.locator("#ev-compare-table tr.differs").count() == 2  # Paris/paris, Madrid/Rome
    assert "1 item(s) pass only in first; 1 only in second." in p.text_content("#ev-detail")
    screenshots(p, "evals-compare")


def test_a_key_protected_server_works_once_the_key_is_pasted(page: Page, tmp_path: Path) -> None:
    # Its own server: once a key has existed authentication never turns off again, so the
    # module's shared server must stay keyless for the other tests.
    proc, url = launch(tmp_path, tmp_path / "server.log")
    try:
        with httpx.Client(base_url=url, timeout=120) as http:
            made = http.post("/v1/keys", json={"name": "console", "scope": "admin"}).json()
            key = made["key"]
            p = page.page
            open_page(p, url, "playground")
            p.wait_for_selector("#auth-banner", state="visible")
            assert p.locator("#pg-model option").count() == 0
            p.fill("#api-key", "hl-not-the-key")
            p.press("#api-key", "Enter")
            p.wait_for_selector("#auth-banner", state="visible")
            p.wait_for_function(
                "() => document.querySelector('#key-state').textContent === 'rejected'")
            p.fill("#api-key", key)
            p.press("#api-key", "Enter")
            p.wait_for_selector("#pg-model option", state="attached")
            assert p.is_hidden("#auth-banner")
            p.reload()  # the key was kept (localStorage) and goes with every call
            p.wait_for_selector("#pg-model option", state="attached")
            assert p.input_value("#api-key") == key and p.is_hidden("#auth-banner")
            open_page(p, url, "datasets")
            p.wait_for_selector("#ds-table")
            open_page(p, url, "health")  # /metrics and /health's details need the admin key
            p.wait_for_selector("#hl-kv")
            p.wait_for_function(
                "() => document.querySelector('#hl-model .small').textContent !== '—'")
            assert p.is_hidden("#auth-banner") and p.is_hidden("#error-banner")
            assert http.get("/v1/models").status_code == 401  # the server is locked
            assert http.get("/metrics").status_code == 401
    finally:
        stop(proc)


def test_no_request_leaves_the_server_and_every_input_is_labelled(page: Page,
                                                                  console: Console) -> None:
    p = page.page
    open_page(p, console.url, "playground")
    for name in ("datasets", "finetunes", "evals", "health"):
        p.click(f"#nav a[data-page={name}]")
        p.wait_for_selector(f"body[data-page={name}]", state="attached")
    # Throughput is the tokens counter's increase between two samples of /metrics.
    p.wait_for_function("() => Number(document.querySelector('#hl-throughput').dataset.points) >= 2")
    assert re.fullmatch(r"\d+\.\d", p.text_content("#hl-throughput-now .value"))
    assert re.search(r"KV blocks used: \d+ of [\d,]+", p.text_content("#hl-kv"))
    screenshots(p, "health")
    # Pages with their dynamic parts (a report, a job, a run's items) when earlier tests made them.
    datasets = console.http.get("/v1/datasets").json()["data"]
    evals = console.http.get("/v1/evals").json()["data"]
    for fragment, name in ([(f"datasets/{d['id']}", "datasets") for d in datasets[:1]]
                           + [(f"evals/{e['id']}", "evals") for e in evals[:1]]):
        open_page(p, console.url, name, fragment)
        unlabelled = p.evaluate("""() => [...document.querySelectorAll(
            'input:not([type=hidden]), select, textarea, progress, meter')]
            .filter((el) => !el.labels.length && !el.getAttribute('aria-label'))
            .map((el) => el.id || el.outerHTML.slice(0, 80))""")
        assert unlabelled == [], f"inputs without a label on #{fragment}: {unlabelled}"
    foreign = [u for u in page.requests
               if not u.startswith(f"{console.url}/") and not u.startswith(("data:", "blob:"))]
    assert page.requests and foreign == []

    # At phone size the nav folds behind a button that opens it.
    p.set_viewport_size(PHONE)
    assert p.is_hidden("#nav a[data-page=evals]") and p.is_visible("#nav-toggle")
    p.click("#nav-toggle")
    assert p.get_attribute("#nav-toggle", "aria-expanded") == "true"
    p.click("#nav a[data-page=playground]")
    p.wait_for_selector("#page-playground", state="visible")
    assert p.is_hidden("#nav a[data-page=evals]")
