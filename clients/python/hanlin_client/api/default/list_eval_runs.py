from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.list_eval_runs_order import ListEvalRunsOrder
from ...models.list_eval_runs_status_type_1 import ListEvalRunsStatusType1
from ...models.list_eval_runs_status_type_2_type_1 import ListEvalRunsStatusType2Type1
from ...models.list_eval_runs_status_type_3_type_1 import ListEvalRunsStatusType3Type1
from ...models.run_list import RunList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    eval_id: str,
    *,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListEvalRunsOrder | Unset = ListEvalRunsOrder.ASC,
    status: ListEvalRunsStatusType1
    | ListEvalRunsStatusType2Type1
    | ListEvalRunsStatusType3Type1
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
    elif isinstance(status, ListEvalRunsStatusType1):
        json_status = status.value
    elif isinstance(status, ListEvalRunsStatusType2Type1):
        json_status = status.value
    elif isinstance(status, ListEvalRunsStatusType3Type1):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/evals/{eval_id}/runs".format(
            eval_id=quote(str(eval_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | RunList | None:
    if response.status_code == 200:
        response_200 = RunList.from_dict(response.json())

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
) -> Response[ErrorResponse | RunList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    eval_id: str,
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListEvalRunsOrder | Unset = ListEvalRunsOrder.ASC,
    status: ListEvalRunsStatusType1
    | ListEvalRunsStatusType2Type1
    | ListEvalRunsStatusType3Type1
    | None
    | Unset = UNSET,
) -> Response[ErrorResponse | RunList]:
    """List an eval's runs

    Args:
        eval_id (str):
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListEvalRunsOrder | Unset):  Default: ListEvalRunsOrder.ASC.
        status (ListEvalRunsStatusType1 | ListEvalRunsStatusType2Type1 |
            ListEvalRunsStatusType3Type1 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | RunList]
    """

    kwargs = _get_kwargs(
        eval_id=eval_id,
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
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListEvalRunsOrder | Unset = ListEvalRunsOrder.ASC,
    status: ListEvalRunsStatusType1
    | ListEvalRunsStatusType2Type1
    | ListEvalRunsStatusType3Type1
    | None
    | Unset = UNSET,
) -> ErrorResponse | RunList | None:
    """List an eval's runs

    Args:
        eval_id (str):
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListEvalRunsOrder | Unset):  Default: ListEvalRunsOrder.ASC.
        status (ListEvalRunsStatusType1 | ListEvalRunsStatusType2Type1 |
            ListEvalRunsStatusType3Type1 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | RunList
    """

    return sync_detailed(
        eval_id=eval_id,
        client=client,
        after=after,
        limit=limit,
        order=order,
        status=status,
    ).parsed


async def asyncio_detailed(
    eval_id: str,
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListEvalRunsOrder | Unset = ListEvalRunsOrder.ASC,
    status: ListEvalRunsStatusType1
    | ListEvalRunsStatusType2Type1
    | ListEvalRunsStatusType3Type1
    | None
    | Unset = UNSET,
) -> Response[ErrorResponse | RunList]:
    """List an eval's runs

    Args:
        eval_id (str):
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListEvalRunsOrder | Unset):  Default: ListEvalRunsOrder.ASC.
        status (ListEvalRunsStatusType1 | ListEvalRunsStatusType2Type1 |
            ListEvalRunsStatusType3Type1 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | RunList]
    """

    kwargs = _get_kwargs(
        eval_id=eval_id,
        after=after,
        limit=limit,
        order=order,
        status=status,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    eval_id: str,
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListEvalRunsOrder | Unset = ListEvalRunsOrder.ASC,
    status: ListEvalRunsStatusType1
    | ListEvalRunsStatusType2Type1
    | ListEvalRunsStatusType3Type1
    | None
    | Unset = UNSET,
) -> ErrorResponse | RunList | None:
    """List an eval's runs

    Args:
        eval_id (str):
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListEvalRunsOrder | Unset):  Default: ListEvalRunsOrder.ASC.
        status (ListEvalRunsStatusType1 | ListEvalRunsStatusType2Type1 |
            ListEvalRunsStatusType3Type1 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | RunList
    """

    return (
        await asyncio_detailed(
            eval_id=eval_id,
            client=client,
            after=after,
            limit=limit,
            order=order,
            status=status,
        )
    ).parsed
