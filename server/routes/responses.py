"""`POST /v1/responses` (OpenAI's Responses API: input items, instructions, function tools handed
back as `function_call` items, the built-in `code_interpreter` run server-side, stored responses
continued by `previous_response_id`, named stream events) and its retrieve / delete / input_items.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, delete, get, post
from litestar.params import Parameter
from litestar.response import ServerSentEvent

from server.errors import ERROR_RESPONSES, APIError
from server.protocol_responses import (
    InputItemList,
    ResponseCreateRequest,
    ResponseDeleted,
    ResponseEvent,
    ResponseObject,
)
from server.request_fields import refuse_unserved_response
from server.response_items import input_items, item_id, to_messages
from server.response_loop import ResponseRun
from server.routes import max_n, now, resolve_model, unless_disconnected
from server.sse import json_or_stream, sse_response
from server.state.responses import ResponseNotFound, ResponseStore


@post("/v1/responses", status_code=200, summary="Create a model response",
      **json_or_stream(ResponseObject))
async def create_response(
    data: ResponseCreateRequest, request: Request[Any, Any, Any], responses: ResponseStore,
) -> ResponseObject | ServerSentEvent:
    target = await resolve_model(request, data.model)
    refuse_unserved_response(data)
    if data.stream_options is not None and not data.stream:
        raise APIError("stream_options is only allowed when stream is true.",
                       param="stream_options", code="invalid_value")
    history: list[dict[str, Any]] = []
    if data.previous_response_id:
        history = (await _previous(responses, data.previous_response_id)).messages
    items = input_items(data.input)
    new = to_messages(items, history)
    if not new:
        raise APIError("Missing required parameter: 'input'.", param="input",
                       code="missing_required_parameter")
    run = ResponseRun(target, data, response_id=item_id("resp"), created_at=now(),
                      history=history + new, max_choices=max_n(request),
                      parsers=request.app.state.parsers)
    if data.stream:
        return sse_response(_stream_and_store(run, responses, items), named=True)
    await unless_disconnected(_drain(run.events()), request)
    await _store(run, responses, items)
    return run.response


async def _previous(responses: ResponseStore, response_id: str) -> Any:
    try:
        return await responses.get(response_id)
    except ResponseNotFound:
        raise APIError(f"Previous response with id '{response_id}' not found.",
                       param="previous_response_id",
                       code="previous_response_not_found") from None


async def _drain(events: AsyncGenerator[ResponseEvent, None]) -> None:
    async for _ in events:
        pass


async def _stream_and_store(run: ResponseRun, responses: ResponseStore,
                            items: list[dict[str, Any]]) -> AsyncGenerator[ResponseEvent, None]:
    events = run.events()
    try:
        async for event in events:
            if event.type in ("response.completed", "response.incomplete"):
                await _store(run, responses, items)  # stored before the client hears it ended
            yield event
    finally:
        await events.aclose()


async def _store(run: ResponseRun, responses: ResponseStore, items: list[dict[str, Any]]) -> None:
    if run.response.store:
        await responses.save(body=msgspec.to_builtins(run.response), messages=run.messages,
                             input_items=items)


async def _stored(responses: ResponseStore, response_id: str) -> Any:
    try:
        return await responses.get(response_id)
    except ResponseNotFound:
        raise APIError(f"Response with id '{response_id}' not found.", status_code=404,
                       param="response_id", code="not_found") from None


@get("/v1/responses/{response_id:str}", summary="Retrieve a stored response",
     responses=ERROR_RESPONSES)
async def retrieve_response(response_id: str, responses: ResponseStore) -> ResponseObject:
    row = await _stored(responses, response_id)
    return msgspec.convert(row.body, ResponseObject)


@delete("/v1/responses/{response_id:str}", status_code=200, summary="Delete a stored response",
        responses=ERROR_RESPONSES)
async def delete_response(response_id: str, responses: ResponseStore) -> ResponseDeleted:
    try:
        await responses.delete(response_id)
    except ResponseNotFound:
        raise APIError(f"Response with id '{response_id}' not found.", status_code=404,
                       param="response_id", code="not_found") from None
    return ResponseDeleted(id=response_id)


@get("/v1/responses/{response_id:str}/input_items", summary="List a response's input items",
     responses=ERROR_RESPONSES)
async def list_input_items(
    response_id: str, responses: ResponseStore,
    after: str | None = None,
    limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    order: Literal["asc", "desc"] = "desc",
) -> InputItemList:
    items = list((await _stored(responses, response_id)).input_items)
    if order == "desc":
        items.reverse()
    if after is not None:
        ids = [item.get("id") for item in items]
        if after not in ids:
            raise APIError(f"No input item with id '{after}' in this response.", param="after",
                           code="invalid_value")
        items = items[ids.index(after) + 1:]
    page = items[:limit]
    return InputItemList(data=page, first_id=page[0]["id"] if page else None,
                         last_id=page[-1]["id"] if page else None,
                         has_more=len(items) > limit)
