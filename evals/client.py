"""The eval's side of an OpenAI-compatible API: any base URL + API key over httpx (or any
`httpx.AsyncBaseTransport`, e.g. `httpx.ASGITransport(app)` in-process), bounded concurrency,
retries on 429 / 5xx / connection errors, answers cached by request hash; a max_tokens past the
context is asked again without it (the room left)."""

from __future__ import annotations

import asyncio
import json

import httpx
import msgspec

from agents.models import MAX_TOKENS_FIELDS, past_the_context
from evals.cache import ResponseCache, request_key

RETRY_STATUS = {408, 429, 500, 502, 503, 504}


class EndpointConfig(msgspec.Struct, frozen=True, kw_only=True):
    base_url: str  # up to and including /v1, e.g. http://127.0.0.1:8000/v1
    model: str
    api_key: str | None = None
    concurrency: int = 8  # requests in flight at once
    timeout_s: float = 600.0
    retries: int = 2


class EndpointError(RuntimeError):
    """The server refused or kept failing a request; the message is its error's."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _error_message(response: httpx.Response) -> str:
    try:
        return response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return response.text[:500]


class ModelClient:
    def __init__(self, config: EndpointConfig, *, cache: ResponseCache | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self.cache = cache
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._http = httpx.AsyncClient(base_url=config.base_url.rstrip("/"), headers=headers,
                                       timeout=config.timeout_s, transport=transport)
        self._slots = asyncio.Semaphore(config.concurrency)

    async def post(self, path: str, body: dict) -> dict:
        """POST `body` (the model is added) to `path`, from the cache when it was answered."""
        body = {"model": self.config.model, **body}
        key = request_key(f"{self.config.base_url.rstrip('/')}{path}", body)
        if self.cache is not None and (hit := await self.cache.get(key)) is not None:
            return json.loads(hit)
        async with self._slots:
            content = await self._send(path, body)
        if self.cache is not None:
            await self.cache.put(key, content)
        return json.loads(content)

    async def _send(self, path: str, body: dict) -> bytes:
        for attempt in range(self.config.retries + 1):
            last = attempt == self.config.retries
            try:
                response = await self._http.post(path, json=body)
                if past_the_context(response, body):
                    response = await self._http.post(path, json={
                        k: v for k, v in body.items() if k not in MAX_TOKENS_FIELDS})
            except httpx.TransportError as exc:
                if last:
                    raise EndpointError(f"cannot reach {self.config.base_url}: {exc!r}") from exc
            else:
                if response.is_success:
                    return response.content
                if response.status_code not in RETRY_STATUS or last:
                    raise EndpointError(f"{response.status_code}: {_error_message(response)}",
                                        response.status_code)
            await asyncio.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ModelClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
