from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.list_eval_run_output_items_order import ListEvalRunOutputItemsOrder
from ...models.list_eval_run_output_items_status_type_1 import ListEvalRunOutputItemsStatusType1
from ...models.list_eval_run_output_items_status_type_2_type_1 import (
    ListEvalRunOutputItemsStatusType2Type1,
)
from ...models.list_eval_run_output_items_status_type_3_type_1 import (
    ListEvalRunOutputItemsStatusType3Type1,
)
from ...models.output_item_list import OutputItemList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    eval_id: str,
    run_id: str,
    *,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListEvalRunOutputItemsOrder | Unset = ListEvalRunOutputItemsOrder.ASC,
    status: ListEvalRunOutputItemsStatusType1
    | ListEvalRunOutputItemsStatusType2Type1
    | ListEvalRunOutputItemsStatusType3Type1
    | None
    | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_after: None | str | Unset
    if isinstance(after, Unset):
        json_after = UNSET
    else:
        json_after = after
    params["after"] = json_after

    params["limit"] = limit

    json_order: str | Unset = UNSET
    if not isinstance(order, Unset):
        json_order = order.value

    params["order"] = json_order

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ListEvalRunOutputItemsStatusType1):
        json_status = status.value
    elif isinstance(status, ListEvalRunOutputItemsStatusType2Type1):
        json_status = status.value
    elif isinstance(status, ListEvalRunOutputItemsStatusType3Type1):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/evals/{eval_id}/runs/{run_id}/output_items".format(
            eval_id=quote(str(eval_id), safe=""),
            run_id=quote(str(run_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | OutputItemList | None:
    if response.status_code == 200:
        response_200 = OutputItemList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if response.status_code == 500:
        response_500 = ErrorResponse.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | OutputItemList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    eval_id: str,
    run_id: str,
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListEvalRunOutputItemsOrder | Unset = ListEvalRunOutputItemsOrder.ASC,
    status: ListEvalRunOutputItemsStatusType1
    | ListEvalRunOutputItemsStatusType2Type1
    | ListEvalRunOutputItemsStatusType3Type1
    | None
    | Unset = UNSET,
) -> Response[ErrorResponse | OutputItemList]:
    """List a run's output items

    Args:
        eval_id (str):
        run_id (str):
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListEvalRunOutputItemsOrder | Unset):  Default: ListEvalRunOutputItemsOrder.ASC.
        status (ListEvalRunOutputItemsStatusType1 | ListEvalRunOutputItemsStatusType2Type1 |
            ListEvalRunOutputItemsStatusType3Type1 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | OutputItemList]
    """

    kwargs = _get_kwargs(
        eval_id=eval_id,
        run_id=run_id,
        after=after,
        limit=limit,
        order=order,
        status=status,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    eval_id: str,
    run_id: str,
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListEvalRunOutputItemsOrder | Unset = ListEvalRunOutputItemsOrder.ASC,
    status: ListEvalRunOutputItemsStatusType1
    | ListEvalRunOutputItemsStatusType2Type1
    | ListEvalRunOutputItemsStatusType3Type1
    | None
    | Unset = UNSET,
) -> ErrorResponse | OutputItemList | None:
    """List a run's output items

    Args:
        eval_id (str):
        run_id (str):
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListEvalRunOutputItemsOrder | Unset):  Default: ListEvalRunOutputItemsOrder.ASC.
        status (ListEvalRunOutputItemsStatusType1 | ListEvalRunOutputItemsStatusType2Type1 |
            ListEvalRunOutputItemsStatusType3Type1 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | OutputItemList
    """

    return sync_detailed(
        eval_id=eval_id,
        run_id=run_id,
        client=client,
        after=after,
        limit=limit,
        order=order,
        status=status,
    ).parsed


async def asyncio_detailed(
    eval_id: str,
    run_id: str,
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListEvalRunOutputItemsOrder | Unset = ListEvalRunOutputItemsOrder.ASC,
    status: ListEvalRunOutputItemsStatusType1
    | ListEvalRunOutputItemsStatusType2Type1
    | ListEvalRunOutputItemsStatusType3Type1
    | None
    | Unset = UNSET,
) -> Response[ErrorResponse | OutputItemList]:
    """List a run's output items

    Args:
        eval_id (str):
        run_id (str):
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListEvalRunOutputItemsOrder | Unset):  Default: ListEvalRunOutputItemsOrder.ASC.
        status (ListEvalRunOutputItemsStatusType1 | ListEvalRunOutputItemsStatusType2Type1 |
            ListEvalRunOutputItemsStatusType3Type1 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | OutputItemList]
    """

    kwargs = _get_kwargs(
        eval_id=eval_id,
        run_id=run_id,
        after=after,
        limit=limit,
        order=order,
        status=status,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    eval_id: str,
    run_id: str,
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListEvalRunOutputItemsOrder | Unset = ListEvalRunOutputItemsOrder.ASC,
    status: ListEvalRunOutputItemsStatusType1
    | ListEvalRunOutputItemsStatusType2Type1
    | ListEvalRunOutputItemsStatusType3Type1
    | None
    | Unset = UNSET,
) -> ErrorResponse | OutputItemList | None:
    """List a run's output items

    Args:
        eval_id (str):
        run_id (str):
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListEvalRunOutputItemsOrder | Unset):  Default: ListEvalRunOutputItemsOrder.ASC.
        status (ListEvalRunOutputItemsStatusType1 | ListEvalRunOutputItemsStatusType2Type1 |
            ListEvalRunOutputItemsStatusType3Type1 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | OutputItemList
    """

    return (
        await asyncio_detailed(
            eval_id=eval_id,
            run_id=run_id,
            client=client,
            after=after,
            limit=limit,
            order=order,
            status=status,
        )
    ).parsed
