"""One item through one mode: `generate` (stop sequences, max tokens, extraction, metrics),
`loglikelihood` (each choice's summed continuation log-probability via /v1/completions with
echo, acc and acc_norm) and `code` (generate, then run every answer in the sandbox, pass@k)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import msgspec

from agents.sandbox import SandboxConfig
from evals.client import ModelClient
from evals.execute import run_tests
from evals.extract import extractor
from evals.metrics import ITEM_METRICS, pass_at_k
from evals.records import ChoiceScore, Doc, ItemRecord, Message, Output
from evals.task import CodeExecution, Generate, Loglikelihood, Task

MAX_N = 16  # answers asked for in one request; more come in several requests with a seed
MAX_STOP = 4  # OpenAI's cap on `stop`; the rest are cut here


@dataclass(frozen=True, kw_only=True)
class ItemContext:
    task: Task
    client: ModelClient
    sandbox: SandboxConfig
    sandbox_slots: asyncio.Semaphore


def cut_at_stop(text: str, stop: tuple[str, ...]) -> str:
    """The text up to the earliest stop sequence, as the server would have cut it."""
    ends = [i for s in stop if s and (i := text.find(s)) >= 0]
    return text[:min(ends)] if ends else text


async def sample(ctx: ItemContext, prompt: str | list[Message], gen: Generate) -> list[Output]:
    """`gen.samples` answers to the prompt, from chat or text completions."""
    chat = not isinstance(prompt, str)
    body: dict = {"max_tokens": gen.max_tokens, "temperature": gen.temperature}
    if gen.top_p is not None:
        body["top_p"] = gen.top_p
    if gen.stop:
        body["stop"] = list(gen.stop[:MAX_STOP])
    if chat:
        body["messages"] = [msgspec.to_builtins(m) for m in prompt]
    else:
        body["prompt"] = prompt
    outputs = []
    for chunk, start in enumerate(range(0, gen.samples, MAX_N)):
        n = min(MAX_N, gen.samples - start)
        extra = {"n": n} if n > 1 else {}
        extra |= {"seed": chunk} if gen.samples > MAX_N else {}
        reply = await ctx.client.post("/chat/completions" if chat else "/completions",
                                      body | extra)
        for choice in sorted(reply["choices"], key=lambda c: c["index"]):
            text = (choice["message"].get("content") or "") if chat else choice["text"]
            outputs.append(Output(raw=text, finish_reason=choice.get("finish_reason")))
    return outputs


def _extract(task: Task, outputs: list[Output], stop: tuple[str, ...]) -> None:
    extract = extractor(task.extraction or "raw@1")
    for out in outputs:
        out.extracted = extract(cut_at_stop(out.raw, stop))


async def generate_item(ctx: ItemContext, doc: Doc, prompt: str | list[Message]) -> ItemRecord:
    gen = ctx.task.mode
    assert isinstance(gen, Generate)
    outputs = await sample(ctx, prompt, gen)
    _extract(ctx.task, outputs, gen.stop)
    scores = {name: sum(ITEM_METRICS[name](o.extracted, doc.references) for o in outputs)
              / len(outputs) for name in ctx.task.metrics}
    return ItemRecord(id=doc.id, prompt=prompt, references=doc.references, outputs=outputs,
                      scores=scores, unparsed=any(o.extracted is None for o in outputs))


def continuation_score(logprobs: dict, continuation: str, generated: int) -> ChoiceScore:
    """Sum the log-probabilities of the echoed tokens that cover the prompt's last
    len(continuation) characters (a token straddling the boundary counts: it was needed)."""
    keep = len(logprobs["tokens"]) - generated
    tokens, values = logprobs["tokens"][:keep], logprobs["token_logprobs"][:keep]
    offsets, tops = logprobs["text_offset"][:keep], logprobs["top_logprobs"][:keep]
    start = offsets[-1] + len(tokens[-1]) - len(continuation)
    chosen = [i for i in range(len(tokens)) if offsets[i] + len(tokens[i]) > start]
    if any(values[i] is None for i in chosen):
        raise ValueError("the continuation includes the prompt's first token: nothing to score")
    greedy = all(tops[i] and max(tops[i], key=tops[i].get) == tokens[i] for i in chosen)
    return ChoiceScore(text=continuation, logprob=float(sum(values[i] for i in chosen)),
                       tokens=len(chosen), chars=len(continuation), is_greedy=greedy)


async def loglikelihood_item(ctx: ItemContext, doc: Doc, prompt: str) -> ItemRecord:
    mode = ctx.task.mode
    assert isinstance(mode, Loglikelihood)
    if not doc.choices or doc.gold is None:
        raise ValueError("a log-likelihood item needs choices and a gold index")
    # One request per choice: cached per continuation, and fine for servers without list prompts.
    replies = await asyncio.gather(*(ctx.client.post("/completions", {
        "prompt": prompt + c, "max_tokens": mode.max_tokens, "echo": True, "logprobs": 1,
        "temperature": 0}) for c in doc.choices))
    scores = [continuation_score(r["choices"][0]["logprobs"], c, min(mode.max_tokens, 1))
              for r, c in zip(replies, doc.choices, strict=True)]
    pred = max(range(len(scores)), key=lambda i: scores[i].logprob)
    # lm-eval's acc_norm: log-probability per character of the continuation.
    norm = max(range(len(scores)), key=lambda i: scores[i].logprob / max(scores[i].chars, 1))
    return ItemRecord(id=doc.id, prompt=prompt, references=doc.references, choices=scores,
                      gold=doc.gold, prediction=pred,
                      scores={"acc": float(pred == doc.gold), "acc_norm": float(norm == doc.gold)})


async def code_item(ctx: ItemContext, doc: Doc, prompt: str | list[Message]) -> ItemRecord:
    mode = ctx.task.mode
    assert isinstance(mode, CodeExecution) and doc.code is not None
    outputs = await sample(ctx, prompt, mode.generate)
    _extract(ctx.task, outputs, mode.generate.stop)
    for out in outputs:
        async with ctx.sandbox_slots:
            out.sandbox = await run_tests(doc.code, out.extracted or "",
                                          timeout_s=mode.timeout_s, config=ctx.sandbox)
    n, c = len(outputs), sum(o.sandbox is not None and o.sandbox.passed for o in outputs)
    scores = {f"pass@{k}": pass_at_k(n, c, k) for k in mode.ks if k <= n}
    return ItemRecord(id=doc.id, prompt=prompt, outputs=outputs, scores=scores,
                      unparsed=any(o.extracted is None for o in outputs))


async def evaluate(ctx: ItemContext, doc: Doc, prompt: str | list[Message]) -> ItemRecord:
    match ctx.task.mode:
        case Loglikelihood():
            if not isinstance(prompt, str):
                raise ValueError("log-likelihood needs a completion-style template")
            return await loglikelihood_item(ctx, doc, prompt)
        case CodeExecution():
            return await code_item(ctx, doc, prompt)
        case _:
            return await generate_item(ctx, doc, prompt)
