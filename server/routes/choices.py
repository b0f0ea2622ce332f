"""`n` choices for one prompt: fan a request out into n engine requests and merge their deltas.

Choice 0 goes first; the others are submitted once its prompt is computed, so they find the
prompt's full KV blocks in the prefix cache and share them (ref-counted) instead of recomputing.
A seeded request gives choice i the seed + i: reproducible, and the choices still differ.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing

import msgspec

from engine.async_engine import AsyncEngine
from engine.protocol import GenerateRequest, RequestOutput
from server.limits import charge
from server.observability import observe_generation


def fan_out(request: GenerateRequest, n: int) -> list[GenerateRequest]:
    if n == 1:
        return [request]
    seed = request.sampling.seed
    return [
        msgspec.structs.replace(
            request,
            request_id=f"{request.request_id}-{i}",
            sampling=msgspec.structs.replace(
                request.sampling, seed=None if seed is None else seed + i
            ),
        )
        for i in range(n)
    ]


async def merged(
    engine: AsyncEngine, requests: list[GenerateRequest]
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
