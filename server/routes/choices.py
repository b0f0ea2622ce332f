"""`n` choices for each prompt: fan a request out into engine requests and merge their deltas.

Every generation route builds its engine requests here (`fan_out`): stamped with the caller's key
(the scheduler's fair-share tenant) and refused with a 400 past the per-request token budget
(`check_budget`, which embeddings use too). Choice 0 goes first; the others are submitted once
its prompt is computed, so they find the prompt's full KV blocks in the prefix cache and share
them (ref-counted) instead of recomputing. A seeded request gives choice i the seed + i:
reproducible, and the choices still differ.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing

import msgspec

from engine.protocol import EngineClient, GenerateRequest, RequestOutput
from server.errors import APIError
from server.limits import charge
from server.observability import observe_generation
from server.state.ownership import creator


def fan_out(engine: EngineClient, prompts: list[GenerateRequest], n: int, *,
            param: str) -> list[GenerateRequest]:
    """n choices of each prompt's request (choice index = prompt index * n + choice), run as the
    caller's key; a 400 if n x (prompt + max_tokens) over the prompts is past the budget.
    `max_tokens` is what each request may really produce: the room left when none was asked."""
    prompt = sum(len(r.prompt_ids) for r in prompts)
    completion = sum(r.sampling.max_tokens for r in prompts)
    many = f"{len(prompts)} prompts, " if len(prompts) > 1 else ""
    check_budget(engine, n * (prompt + completion),
                 f"{many}{n} choice{'s' if n > 1 else ''} x ({prompt} prompt + {completion} "
                 "completion tokens)", param="n" if n > 1 else param)
    tenant = creator()
    return [_choice(msgspec.structs.replace(r, tenant=tenant), i, n)
            for r in prompts for i in range(n)]


def check_budget(engine: EngineClient, tokens: int, detail: str, *, param: str) -> None:
    """A 400 naming the budget and the numbers when one request asks for more tokens of work than
    the engine's per-request budget (`HANLIN_REQUEST_TOKEN_BUDGET`)."""
    budget = engine.request_token_budget
    if tokens > budget:
        raise APIError(
            f"This request asks for {tokens} tokens of work ({detail}), more than this server's "
            f"per-request budget of {budget} tokens. Lower n or max_tokens, or shorten the input.",
            param=param,
            code="request_budget_exceeded",
        )


def _choice(request: GenerateRequest, i: int, n: int) -> GenerateRequest:
    if n == 1:
        return request
    seed = request.sampling.seed
    return msgspec.structs.replace(
        request,
        request_id=f"{request.request_id}-{i}",
        sampling=msgspec.structs.replace(request.sampling, seed=None if seed is None else seed + i),
    )


async def merged(
    engine: EngineClient, requests: list[GenerateRequest]
) -> AsyncGenerator[tuple[int, RequestOutput], None]:
    """(choice index, delta) pairs from every request until all finished. Closing this
    generator (client gone, error) closes every engine stream, which aborts them."""
    queue: asyncio.Queue[tuple[int, RequestOutput] | BaseException] = asyncio.Queue()

    async def pump(i: int, request: GenerateRequest) -> None:
        try:
            async with aclosing(engine.generate(request)) as outputs:  # type: ignore[type-var]
                async for out in outputs:
                    queue.put_nowait((i, out))
        except Exception as exc:  # handed to the consumer, which raises it
            queue.put_nowait(exc)

    # Stage the rest behind choice 0 only when they share its prompt (n choices of one prompt).
    staged = len(requests) > 1 and all(r.prompt_ids == requests[0].prompt_ids for r in requests)
    first = requests[:1] if staged else requests
    observed = observe_generation(requests)  # spans, TTFT, time per token, token counts
    tasks = [asyncio.ensure_future(pump(i, r)) for i, r in enumerate(first)]
    remaining = len(requests)
    try:
        while remaining:
            item = await queue.get()
            if isinstance(item, BaseException):
                raise item
            observed.output(*item)
            if item[1].finished:  # the caller's key pays for what it used (tokens per minute)
                charge(item[1].prompt_tokens + item[1].completion_tokens)
            if staged and len(tasks) == 1:  # choice 0's prompt is in the prefix cache now
                tasks += [asyncio.ensure_future(pump(i, r)) for i, r in enumerate(requests) if i]
            remaining -= item[1].finished
            yield item
    finally:
        for task in tasks:  # first: whatever else fails here, the engine requests are aborted
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        observed.close()
