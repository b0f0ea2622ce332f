"""The samples an eval run grades: given in a jsonl run's rows, or, for a completions run, the
served model's answer to each item's messages (a template rendered with the item, or a list the
item holds), asked of this app's own `/v1/chat/completions` in-process through ASGI."""

from __future__ import annotations

import json
from typing import Any

import httpx
import msgspec
from litestar import Litestar

from evals.graders import ItemError, lookup, render
from server.auth import acting_for
from server.protocol_evals import (
    CompletionsDataSource,
    EvalError,
    ItemReferenceInput,
    SampleMessage,
    SampleObject,
    SampleUsage,
    TemplateInput,
    TemplateMessage,
)

Namespace = dict[str, Any]  # what graders see as `sample`


def _text(content: Any, item: dict[str, Any] | None) -> str:
    """A message's content as one string, templates filled when `item` is given."""
    if isinstance(content, list):
        return "\n".join(_text(part, item) for part in content)
    text = content if isinstance(content, str) else content.text
    return render(text, item, None) if item is not None else text


def input_messages(spec: TemplateInput | ItemReferenceInput, item: dict[str, Any]
                   ) -> list[SampleMessage]:
    """The messages for one item; ItemError when a variable or the referenced list is missing."""
    if isinstance(spec, TemplateInput):
        return [SampleMessage(role=m.role, content=_text(m.content, item))
                for m in spec.template]
    value = lookup(spec.item_reference, item, None)
    try:
        messages = msgspec.convert(value, list[TemplateMessage])
    except msgspec.ValidationError as exc:
        raise ItemError(f"{spec.item_reference} is not a list of messages: {exc}") from None
    return [SampleMessage(role=m.role, content=_text(m.content, None)) for m in messages]


def given_sample(sample: dict[str, Any] | None) -> tuple[SampleObject, Namespace | None]:
    """A jsonl row's own sample: graders see it as it is."""
    if sample is None:
        return SampleObject(), None
    text, model = sample.get("output_text"), sample.get("model")
    output = [SampleMessage(role="assistant", content=text)] if isinstance(text, str) else []
    return SampleObject(output=output, model=model if isinstance(model, str) else None), sample


def _namespace(message: dict[str, Any], choice: dict[str, Any]) -> Namespace:
    """OpenAI's `sample` namespace: the text, that text as a JSON object if it is one, the
    tool calls."""
    text = message.get("content") or ""
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    return {"output_text": text, "output_json": parsed if isinstance(parsed, dict) else None,
            "output_tools": message.get("tool_calls") or [], "choices": [choice]}


class Sampler:
    """Asks the served model through the app's routes: the same checks and code as over
    HTTP, without a socket."""

    def __init__(self, app: Litestar) -> None:
        # The app's own key for in-process calls (its guard lets the server's jobs through).
        token = getattr(getattr(app, "state", None), "internal_token", None)
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hanlin", timeout=None,
            headers={"Authorization": f"Bearer {token}"} if token else {})

    async def close(self) -> None:
        await self._client.aclose()

    async def sample(self, source: CompletionsDataSource, item: dict[str, Any],
                     owner: str | None) -> tuple[SampleObject, Namespace | None]:
        """The model's answer, asked as `owner` (the run's key): only the models it may use."""
        params = source.sampling_params
        given = {k: v for k, v in msgspec.to_builtins(params or {}).items() if v is not None}
        asked = SampleObject(model=source.model, temperature=given.get("temperature", 1.0),
                             max_completion_tokens=given.get("max_completion_tokens"),
                             top_p=given.get("top_p", 1.0), seed=given.get("seed"))
        assert source.input_messages is not None  # the route refuses a run without them
        try:
            messages = input_messages(source.input_messages, item)
        except ItemError as exc:
            return _failed(asked, "invalid_input_messages", str(exc)), None
        asked.input = messages
        body = {"model": source.model, "messages": msgspec.to_builtins(messages), **given}
        response = await self._client.post("/v1/chat/completions", json=body,
                                           headers=acting_for(owner))
        answer = response.json()
        if response.status_code != 200:
            error = answer.get("error") or {}
            return _failed(asked, str(error.get("code") or error.get("type") or "error"),
                           str(error.get("message") or f"HTTP {response.status_code}")), None
        return _answered(asked, answer)


def _failed(sample: SampleObject, code: str, message: str) -> SampleObject:
    sample.error = EvalError(code=code, message=message)
    return sample


def _answered(sample: SampleObject, answer: dict[str, Any]) -> tuple[SampleObject, Namespace]:
    choice = answer["choices"][0]
    message = choice["message"]
    usage = answer.get("usage") or {}
    sample.output = [SampleMessage(role="assistant", content=message.get("content") or "")]
    sample.finish_reason = choice.get("finish_reason")
    sample.model = answer.get("model", sample.model)
    sample.usage = SampleUsage(
        prompt_tokens=usage.get("prompt_tokens", 0),
        completion_tokens=usage.get("completion_tokens", 0),
        total_tokens=usage.get("total_tokens", 0),
        cached_tokens=(usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0))
    return sample, _namespace(message, choice)
