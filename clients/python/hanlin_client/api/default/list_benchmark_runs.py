from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.benchmark_run_list import BenchmarkRunList
from ...models.error_response import ErrorResponse
from ...models.list_benchmark_runs_order import ListBenchmarkRunsOrder
from ...models.list_benchmark_runs_status_type_1 import ListBenchmarkRunsStatusType1
from ...models.list_benchmark_runs_status_type_2_type_1 import ListBenchmarkRunsStatusType2Type1
from ...models.list_benchmark_runs_status_type_3_type_1 import ListBenchmarkRunsStatusType3Type1
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListBenchmarkRunsOrder | Unset = ListBenchmarkRunsOrder.ASC,
    status: ListBenchmarkRunsStatusType1
    | ListBenchmarkRunsStatusType2Type1
    | ListBenchmarkRunsStatusType3Type1
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
    elif isinstance(status, ListBenchmarkRunsStatusType1):
        json_status = status.value
    elif isinstance(status, ListBenchmarkRunsStatusType2Type1):
        json_status = status.value
    elif isinstance(status, ListBenchmarkRunsStatusType3Type1):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/benchmarks/runs",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BenchmarkRunList | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = BenchmarkRunList.from_dict(response.json())

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
) -> Response[BenchmarkRunList | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListBenchmarkRunsOrder | Unset = ListBenchmarkRunsOrder.ASC,
    status: ListBenchmarkRunsStatusType1
    | ListBenchmarkRunsStatusType2Type1
    | ListBenchmarkRunsStatusType3Type1
    | None
    | Unset = UNSET,
) -> Response[BenchmarkRunList | ErrorResponse]:
    """List benchmark runs

    Args:
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListBenchmarkRunsOrder | Unset):  Default: ListBenchmarkRunsOrder.ASC.
        status (ListBenchmarkRunsStatusType1 | ListBenchmarkRunsStatusType2Type1 |
            ListBenchmarkRunsStatusType3Type1 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BenchmarkRunList | ErrorResponse]
    """

    kwargs = _get_kwargs(
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
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListBenchmarkRunsOrder | Unset = ListBenchmarkRunsOrder.ASC,
    status: ListBenchmarkRunsStatusType1
    | ListBenchmarkRunsStatusType2Type1
    | ListBenchmarkRunsStatusType3Type1
    | None
    | Unset = UNSET,
) -> BenchmarkRunList | ErrorResponse | None:
    """List benchmark runs

    Args:
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListBenchmarkRunsOrder | Unset):  Default: ListBenchmarkRunsOrder.ASC.
        status (ListBenchmarkRunsStatusType1 | ListBenchmarkRunsStatusType2Type1 |
            ListBenchmarkRunsStatusType3Type1 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BenchmarkRunList | ErrorResponse
    """

    return sync_detailed(
        client=client,
        after=after,
        limit=limit,
        order=order,
        status=status,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListBenchmarkRunsOrder | Unset = ListBenchmarkRunsOrder.ASC,
    status: ListBenchmarkRunsStatusType1
    | ListBenchmarkRunsStatusType2Type1
    | ListBenchmarkRunsStatusType3Type1
    | None
    | Unset = UNSET,
) -> Response[BenchmarkRunList | ErrorResponse]:
    """List benchmark runs

    Args:
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListBenchmarkRunsOrder | Unset):  Default: ListBenchmarkRunsOrder.ASC.
        status (ListBenchmarkRunsStatusType1 | ListBenchmarkRunsStatusType2Type1 |
            ListBenchmarkRunsStatusType3Type1 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BenchmarkRunList | ErrorResponse]
    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
        order=order,
        status=status,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    order: ListBenchmarkRunsOrder | Unset = ListBenchmarkRunsOrder.ASC,
    status: ListBenchmarkRunsStatusType1
    | ListBenchmarkRunsStatusType2Type1
    | ListBenchmarkRunsStatusType3Type1
    | None
    | Unset = UNSET,
) -> BenchmarkRunList | ErrorResponse | None:
    """List benchmark runs

    Args:
        after (None | str | Unset):
        limit (int | Unset):  Default: 20.
        order (ListBenchmarkRunsOrder | Unset):  Default: ListBenchmarkRunsOrder.ASC.
        status (ListBenchmarkRunsStatusType1 | ListBenchmarkRunsStatusType2Type1 |
            ListBenchmarkRunsStatusType3Type1 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BenchmarkRunList | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            after=after,
            limit=limit,
            order=order,
            status=status,
        )
    ).parsed
