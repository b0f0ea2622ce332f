"""The chat model an agent talks to: a one-method async protocol, and its implementation over any
OpenAI-compatible `/v1/chat/completions` (hanlin's own server or OpenAI's), with httpx."""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from agents.records import AssistantTurn, ToolCall, Usage

Message = dict[str, Any]


class ChatModelError(RuntimeError):
    """The endpoint failed or answered something that is not a chat completion."""


class ChatModel(Protocol):
    async def complete(self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None,
                       tool_choice: str | None = None,
                       stop: list[str] | None = None) -> AssistantTurn: ...


def turn_from_choice(body: dict[str, Any]) -> AssistantTurn:
    """An OpenAI chat.completion body -> the first choice as an AssistantTurn."""
    try:
        choice = body["choices"][0]
        message = choice["message"]
        calls = [ToolCall(id=c.get("id") or f"call_{i}", name=c["function"]["name"],
                          arguments=c["function"].get("arguments") or "")
                 for i, c in enumerate(message.get("tool_calls") or [])]
        usage = body.get("usage") or {}
        return AssistantTurn(content=message.get("content"), tool_calls=calls,
                             finish_reason=choice.get("finish_reason"),
                             usage=Usage(prompt_tokens=usage.get("prompt_tokens") or 0,
                                         completion_tokens=usage.get("completion_tokens") or 0))
    except (KeyError, IndexError, TypeError) as exc:
        raise ChatModelError(f"not a chat completion: {str(body)[:500]}") from exc


MAX_TOKENS_FIELDS = ("max_tokens", "max_completion_tokens")


def past_the_context(response: httpx.Response, body: dict[str, Any]) -> bool:
    """A 400 for a max_tokens field of `body` that the prompt leaves no room for (hanlin, OpenAI
    and vLLM refuse it): asked again without it, the answer gets the room left."""
    if response.status_code != 400:
        return False
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return (isinstance(error, dict) and error.get("code") == "context_length_exceeded"
            and error.get("param") in MAX_TOKENS_FIELDS and error["param"] in body)


class OpenAIChatModel:
    """POSTs to `{base_url}/chat/completions`; `base_url` ends in /v1 as the openai SDK's does."""

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None,
                 temperature: float = 0.0, max_tokens: int | None = None,
                 timeout: float = 300.0, extra: dict[str, Any] | None = None) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), headers=headers,
                                       timeout=timeout)
        self.model, self.temperature, self.max_tokens = model, temperature, max_tokens
        self.extra = extra or {}

    async def complete(self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None,
                       tool_choice: str | None = None,
                       stop: list[str] | None = None) -> AssistantTurn:
        body: dict[str, Any] = {"model": self.model, "messages": messages,
                                "temperature": self.temperature, **self.extra}
        if tools:
            body["tools"] = tools
            if tool_choice:
                body["tool_choice"] = tool_choice
        if stop:
            body["stop"] = stop
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        try:
            response = await self._http.post("/chat/completions", json=body)
            if past_the_context(response, body):
                # The conversation grew past what max_tokens leaves room for (the server refuses
                # it, as OpenAI does): the turn may use the room left instead.
                body.pop("max_tokens")
                response = await self._http.post("/chat/completions", json=body)
        except httpx.HTTPError as exc:
            raise ChatModelError(f"{self._http.base_url}: {exc}") from exc
        if response.status_code != 200:
            raise ChatModelError(f"HTTP {response.status_code}: {response.text[:1000]}")
        return turn_from_choice(response.json())

    async def aclose(self) -> None:
        await self._http.aclose()
