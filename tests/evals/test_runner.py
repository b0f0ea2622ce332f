"""The runner against recorded stand-ins for a server (httpx.MockTransport): every item keeps a
record, the SQLite response cache lets a second run finish with a server that fails every
request, refused requests are recorded as errors, log-likelihood sums the continuation."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from evals import Doc, EndpointConfig, Loglikelihood, Source, Task, get_task, run_task
from evals.client import EndpointError, ModelClient
from evals.modes import continuation_score
from evals.task import Generate, PromptTemplate
from tests.evals.recorded import RecordedServer, echo_logprobs, failing_server

ENDPOINT = EndpointConfig(base_url="http://recorded.test/v1", model="m", concurrency=4)


def letter_c(_: object) -> str:
    return "The answer is C."


async def test_a_second_run_completes_from_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    server = RecordedServer(answer=letter_c)
    first = await run_task(get_task("logiqa"), ENDPOINT, limit=6, cache_path=cache,
                           transport=httpx.MockTransport(server))
    assert len(server.requests) == 6
    again = await run_task(get_task("logiqa"), ENDPOINT, limit=6, cache_path=cache,
                           transport=httpx.MockTransport(failing_server))
    assert again.results.counts.errored == 0
    assert again.results.metrics == first.results.metrics
    assert [i.outputs[0].raw for i in again.items] == ["The answer is C."] * 6


async def test_an_interrupted_run_resumes_asking_only_the_rest(tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    await run_task(get_task("tomi"), ENDPOINT, limit=3, cache_path=cache,
                   transport=httpx.MockTransport(RecordedServer(answer=lambda _: "bathtub")))
    server = RecordedServer(answer=lambda _: "bathtub")
    run = await run_task(get_task("tomi"), ENDPOINT, limit=5, cache_path=cache,
                         transport=httpx.MockTransport(server))
    assert len(server.requests) == 2 and run.results.counts.total == 5


async def test_records_scores_and_unparsed_rate() -> None:
    task = get_task("logiqa")
    docs = task.load()[:4]
    said = dict(zip((d.input[-1].content for d in docs),
                    ["C", "I do not know.", "Answer: B", "(C)"], strict=True))
    server = RecordedServer(answer=lambda messages: said[messages[-1]["content"]])
    run = await run_task(task, ENDPOINT, limit=4, transport=httpx.MockTransport(server))
    first = run.items[0]
    assert first.id == "logiqa/logiqa.jsonl:0" and first.references == ["C"]
    assert first.outputs[0].extracted == "C" and first.scores == {"accuracy": 1.0}
    assert isinstance(first.prompt, list) and first.prompt[-1].content == docs[0].input[-1].content
    assert run.items[1].unparsed and run.items[1].outputs[0].extracted is None
    assert run.items[1].scores == {"accuracy": 0.0}
    assert run.results.counts.unparsed == 1
    assert run.results.unparsed_rate == pytest.approx(0.25)
    acc = run.results.metric("accuracy")
    expected = [float(x == d.references[0]) for x, d in zip("C?BC", docs, strict=True)]
    assert acc.n == 4 and acc.value == pytest.approx(sum(expected) / 4)


async def test_refused_requests_are_recorded_not_dropped() -> None:
    def refusing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": {"message": "context too long"}})

    run = await run_task(get_task("medmcqa"), ENDPOINT, limit=3,
                         transport=httpx.MockTransport(refusing))
    assert run.results.counts.errored == 3 and run.results.counts.scored == 0
    assert all(i.error == "EndpointError: 400: context too long" for i in run.items)


async def test_retries_then_gives_up_on_server_errors() -> None:
    calls = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, text="busy")

    config = EndpointConfig(base_url="http://recorded.test/v1", model="m", retries=1)
    async with ModelClient(config, transport=httpx.MockTransport(flaky)) as client:
        with pytest.raises(EndpointError, match="503"):
            await client.post("/completions", {"prompt": "x"})
    assert len(calls) == 2


def test_continuation_score_sums_the_continuations_tokens() -> None:
    lp = echo_logprobs("Context is here. New York", lambda _: -2.0)
    score = continuation_score(lp, " New York", generated=0)
    assert score.tokens == 2 and score.logprob == pytest.approx(-0.1 - 2.0)
    assert score.chars == 9
    with_token = echo_logprobs("Context. B", lambda _: -0.5, generated="x")
    assert continuation_score(with_token, " B", generated=1).logprob == pytest.approx(-0.5)


def mc_task(tmp_path: Path, max_tokens: int = 0) -> Task:
    data = tmp_path / "mc.jsonl"
    data.write_text('{"input": "Is it?", "choices": [" yes", " no"], "gold": 0}\n'
                    '{"input": "Pick", "choices": [" A", " B", " C"], "gold": 1}\n')
    return Task(name="mc", source=Source(kind="jsonl", path=str(data)),
                template=PromptTemplate(style="completion"), mode=Loglikelihood(
                    max_tokens=max_tokens))


@pytest.mark.parametrize("max_tokens", [0, 1])
async def test_loglikelihood_acc_and_acc_norm(tmp_path: Path, max_tokens: int) -> None:
    # " yes" -1.2 (-0.30 a char) vs " no" -1.0 (-0.33 a char): acc picks "no", acc_norm "yes".
    scores = {" yes": -1.2, " no": -1.0, " A": -3.0, " B": -0.5, " C": -2.0}
    server = RecordedServer(score=lambda token: scores[token])
    run = await run_task(mc_task(tmp_path, max_tokens), ENDPOINT,
                         transport=httpx.MockTransport(server))
    yes_no, letters = run.items
    assert [c.logprob for c in yes_no.choices] == pytest.approx([-1.2, -1.0])
    assert yes_no.prediction == 1 and yes_no.scores == {"acc": 0.0, "acc_norm": 1.0}
    assert letters.prediction == 1 and letters.scores == {"acc": 1.0, "acc_norm": 1.0}
    assert run.results.metric("acc").value == 0.5 and run.results.metric("acc_norm").value == 1.0
    assert all(body["echo"] and body["max_tokens"] == max_tokens for _, body in server.requests)


async def test_generate_sends_stop_and_cuts_the_rest(tmp_path: Path) -> None:
    data = tmp_path / "g.jsonl"
    data.write_text('{"input": "Say it", "ideal": "yes"}\n')
    stops = ("\n", "###", "Q:", "END", "STOP")
    task = Task(name="g", source=Source(kind="jsonl", path=str(data)),
                template=PromptTemplate(style="completion"),
                mode=Generate(max_tokens=5, stop=stops), extraction="raw@1",
                metrics=("exact_match", "bleu", "rougeL"))
    server = RecordedServer(answer=lambda _: "yes STOP no")
    run = await run_task(task, ENDPOINT, transport=httpx.MockTransport(server))
    assert server.requests[0][1]["stop"] == list(stops[:4])
    assert run.items[0].outputs[0].extracted == "yes"
    assert run.results.metric("exact_match").value == 1.0
    assert run.results.metric("bleu").stderr_method == "bootstrap"


async def test_items_given_by_the_caller(tmp_path: Path) -> None:
    docs = [Doc(id=f"d{i}", input=f"say {i}", references=[str(i)]) for i in range(3)]
    task = Task(name="given", source=Source(kind="jsonl", path="unused.jsonl"),
                extraction="last_number@1", metrics=("exact_match",))
    server = RecordedServer(answer=lambda messages: messages[-1]["content"])
    run = await run_task(task, ENDPOINT, docs=docs, transport=httpx.MockTransport(server))
    assert [i.id for i in run.items] == ["d0", "d1", "d2"]
    assert run.results.metric("exact_match").value == 1.0
