from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.embedding_list import EmbeddingList
from ...models.embedding_request import EmbeddingRequest
from ...models.error_response import ErrorResponse
from ...types import Response


def _get_kwargs(
    *,
    body: EmbeddingRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/embeddings",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EmbeddingList | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = EmbeddingList.from_dict(response.json())

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
) -> Response[EmbeddingList | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: EmbeddingRequest,
) -> Response[EmbeddingList | ErrorResponse]:
    """Create embeddings

     Each input's embedding is the mean over its tokens of the served model's final hidden state (after
    the final norm), L2-normalised. `dimensions` keeps the first components and renormalises them. This
    is a chat model's hidden state, not a trained embedding model: fine for clustering and near-
    duplicate search, weaker for retrieval.

    Args:
        body (EmbeddingRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EmbeddingList | ErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: EmbeddingRequest,
) -> EmbeddingList | ErrorResponse | None:
    """Create embeddings

     Each input's embedding is the mean over its tokens of the served model's final hidden state (after
    the final norm), L2-normalised. `dimensions` keeps the first components and renormalises them. This
    is a chat model's hidden state, not a trained embedding model: fine for clustering and near-
    duplicate search, weaker for retrieval.

    Args:
        body (EmbeddingRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EmbeddingList | ErrorResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: EmbeddingRequest,
) -> Response[EmbeddingList | ErrorResponse]:
    """Create embeddings

     Each input's embedding is the mean over its tokens of the served model's final hidden state (after
    the final norm), L2-normalised. `dimensions` keeps the first components and renormalises them. This
    is a chat model's hidden state, not a trained embedding model: fine for clustering and near-
    duplicate search, weaker for retrieval.

    Args:
        body (EmbeddingRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EmbeddingList | ErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: EmbeddingRequest,
) -> EmbeddingList | ErrorResponse | None:
    """Create embeddings

     Each input's embedding is the mean over its tokens of the served model's final hidden state (after
    the final norm), L2-normalised. `dimensions` keeps the first components and renormalises them. This
    is a chat model's hidden state, not a trained embedding model: fine for clustering and near-
    duplicate search, weaker for retrieval.

    Args:
        body (EmbeddingRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EmbeddingList | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
