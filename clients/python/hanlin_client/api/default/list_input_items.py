from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.input_item_list import InputItemList
from ...models.list_input_items_order import ListInputItemsOrder
from ...types import UNSET, Response, Unset


def _get_kwargs(
    response_id: str,
    *,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListInputItemsOrder | Unset = ListInputItemsOrder.DESC,
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

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/responses/{response_id}/input_items".format(
            response_id=quote(str(response_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | InputItemList | None:
    if response.status_code == 200:
        response_200 = InputItemList.from_dict(response.json())

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
) -> Response[ErrorResponse | InputItemList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    response_id: str,
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListInputItemsOrder | Unset = ListInputItemsOrder.DESC,
) -> Response[ErrorResponse | InputItemList]:
    """List a response's input items

    Args:
        response_id (str):
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListInputItemsOrder | Unset):  Default: ListInputItemsOrder.DESC.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | InputItemList]
    """

    kwargs = _get_kwargs(
        response_id=response_id,
        after=after,
        limit=limit,
        order=order,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    response_id: str,
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListInputItemsOrder | Unset = ListInputItemsOrder.DESC,
) -> ErrorResponse | InputItemList | None:
    """List a response's input items

    Args:
        response_id (str):
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListInputItemsOrder | Unset):  Default: ListInputItemsOrder.DESC.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | InputItemList
    """

    return sync_detailed(
        response_id=response_id,
        client=client,
        after=after,
        limit=limit,
        order=order,
    ).parsed


async def asyncio_detailed(
    response_id: str,
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListInputItemsOrder | Unset = ListInputItemsOrder.DESC,
) -> Response[ErrorResponse | InputItemList]:
    """List a response's input items

    Args:
        response_id (str):
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListInputItemsOrder | Unset):  Default: ListInputItemsOrder.DESC.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | InputItemList]
    """

    kwargs = _get_kwargs(
        response_id=response_id,
        after=after,
        limit=limit,
        order=order,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    response_id: str,
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListInputItemsOrder | Unset = ListInputItemsOrder.DESC,
) -> ErrorResponse | InputItemList | None:
    """List a response's input items

    Args:
        response_id (str):
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListInputItemsOrder | Unset):  Default: ListInputItemsOrder.DESC.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | InputItemList
    """

    return (
        await asyncio_detailed(
            response_id=response_id,
            client=client,
            after=after,
            limit=limit,
            order=order,
        )
    ).parsed
