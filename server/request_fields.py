"""Fields of OpenAI's request schemas that ask for what this server cannot do (audio, moderation,
web search, saved prompts, conversations, background runs): a 400 naming each, never an answer
without what was asked for. The fields accepted and ignored are listed beside their types in
`server.protocol` / `server.protocol_responses`, and all of them in README's "Request fields".
"""

from __future__ import annotations

from server.errors import unsupported
from server.protocol import ChatCompletionRequest, PromptCacheOptions
from server.protocol_responses import ResponseCreateRequest


def refuse_unserved_chat(data: ChatCompletionRequest) -> None:
    if data.audio is not None or "audio" in (data.modalities or ()):
        param = "audio" if data.audio is not None else "modalities"
        raise unsupported(param, f"Unsupported parameter: '{param}': audio output is not "
                          'supported; this server writes text only (modalities ["text"]).')
    if data.web_search_options is not None:
        raise unsupported("web_search_options", "Unsupported parameter: 'web_search_options': "
                          "this server does not search the web.")
    _refuse_common(data.moderation, data.prompt_cache_options)


def refuse_unserved_response(data: ResponseCreateRequest) -> None:
    if data.background:
        raise unsupported("background", "Unsupported parameter: 'background': a response is "
                          "answered in its request here; leave it out or false.")
    if data.conversation is not None:
        raise unsupported("conversation", "Unsupported parameter: 'conversation': there is no "
                          "Conversations API here; continue with 'previous_response_id'.")
    if data.prompt is not None:
        raise unsupported("prompt", "Unsupported parameter: 'prompt': there are no saved prompt "
                          "templates here; send 'instructions' and 'input'.")
    _refuse_common(data.moderation, data.prompt_cache_options)


def _refuse_common(moderation: object, cache: PromptCacheOptions | None) -> None:
    if moderation is not None:
        raise unsupported("moderation", "Unsupported parameter: 'moderation': no moderation "
                          "model runs on this server.")
    if cache is not None and cache.prewarm:
        raise unsupported("prompt_cache_options.prewarm", "Unsupported parameter: "
                          "'prompt_cache_options.prewarm': the prefix cache fills as requests "
                          "run; send the request itself.")
