"""The official `openai` SDK against a live `hanlin serve`: chat, streams, usage, completions,
models, errors as SDK exceptions, and 16 streams at once.
"""

from __future__ import annotations

import asyncio

import openai
import pytest

pytestmark = pytest.mark.slow

HI = [{"role": "user", "content": "Hi"}]
# The server runs fp32 by default: the exact path, whose logits match transformers. The bare
# question (the template's default system prompt) is a near tie on its first token ("The" 25.33
# vs "L" 25.24) that bf16 tips to "L"; with a system message both dtypes answer "Paris".
BARE_FRANCE = [{"role": "user", "content": "What is the capital of France?"}]
FRANCE = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What is the capital of France?"},
]


def test_chat_completion(client: openai.OpenAI, model: str) -> None:
    resp = client.chat.completions.create(model=model, messages=HI, max_tokens=12)
    assert resp.id.startswith("chatcmpl-")
    assert resp.object == "chat.completion"
    assert resp.model == model
    (choice,) = resp.choices
    assert choice.index == 0
    assert choice.message.role == "assistant"
    assert choice.message.content
    assert choice.finish_reason in ("stop", "length")
    assert choice.logprobs is None
    usage = resp.usage
    assert usage is not None and usage.prompt_tokens > 0 and 0 < usage.completion_tokens <= 12
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens is not None


@pytest.mark.parametrize("messages", [BARE_FRANCE, FRANCE], ids=["bare", "with-system"])
def test_greedy_answer_names_paris(client: openai.OpenAI, model: str, messages) -> None:
    resp = client.chat.completions.create(
        model=model, messages=messages, temperature=0, max_tokens=30
    )
    assert "Paris" in resp.choices[0].message.content


def test_ignore_eos_extension_runs_to_max_tokens(client: openai.OpenAI, model: str) -> None:
    kwargs = {"model": model, "messages": FRANCE, "temperature": 0, "max_tokens": 40}
    natural = client.chat.completions.create(**kwargs)
    assert natural.choices[0].finish_reason == "stop" and natural.usage.completion_tokens < 40
    forced = client.chat.completions.create(**kwargs, extra_body={"ignore_eos": True})
    assert forced.choices[0].finish_reason == "length" and forced.usage.completion_tokens == 40


def test_greedy_is_repeatable_and_max_tokens_past_the_context_is_refused(
    client: openai.OpenAI, model: str
) -> None:
    # No max_tokens: the completion may use the room left after the prompt.
    first, second = (
        client.chat.completions.create(model=model, messages=FRANCE, temperature=0)
        for _ in range(2)
    )
    assert first.choices[0].message.content == second.choices[0].message.content
    assert first.choices[0].finish_reason == "stop"
    # max_tokens far beyond the context is refused, as OpenAI and vLLM refuse it.
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(
            model=model, messages=FRANCE, temperature=0, max_completion_tokens=10**6
        )
    assert err.value.body["code"] == "context_length_exceeded"
    assert err.value.body["param"] == "max_completion_tokens"
    assert "maximum context length" in err.value.body["message"]


def test_stop_string_is_cut_in_whole_and_streamed_answers(
    client: openai.OpenAI, model: str
) -> None:
    kwargs = dict(model=model, messages=FRANCE, temperature=0, max_tokens=30, stop=["Paris"])
    whole = client.chat.completions.create(**kwargs)
    streamed = "".join(
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(**kwargs, stream=True)
        if c.choices
    )
    assert whole.choices[0].finish_reason == "stop"
    assert "Paris" not in whole.choices[0].message.content
    assert "capital" in whole.choices[0].message.content
    assert streamed == whole.choices[0].message.content


def test_chat_stream(client: openai.OpenAI, model: str) -> None:
    chunks = list(
        client.chat.completions.create(model=model, messages=HI, max_tokens=12, stream=True)
    )
    assert all(c.object == "chat.completion.chunk" and c.model == model for c in chunks)
    assert len({c.id for c in chunks}) == 1 and chunks[0].id.startswith("chatcmpl-")
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[0].choices[0].delta.content == ""
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
    assert all(c.usage is None for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks)


def test_chat_stream_include_usage(client: openai.OpenAI, model: str) -> None:
    chunks = list(
        client.chat.completions.create(
            model=model,
            messages=HI,
            max_tokens=8,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None and 0 < last.usage.completion_tokens <= 8
    assert last.usage.total_tokens == last.usage.prompt_tokens + last.usage.completion_tokens
    assert all(c.usage is None for c in chunks[:-1])
    assert chunks[-2].choices[0].finish_reason in ("stop", "length")


def test_roles_and_text_parts(client: openai.OpenAI, model: str) -> None:
    messages = [
        {"role": "developer", "content": "Answer briefly."},
        {
            "role": "user",
            "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": "there"}],
        },
        {"role": "assistant", "content": "Hi! How can I help?"},
        {"role": "user", "content": "Say yes.", "name": "sam"},
    ]
    resp = client.chat.completions.create(model=model, messages=messages, max_tokens=4, user="u1")
    assert resp.choices[0].message.content


async def test_sixteen_concurrent_streams(server_url: str, model: str) -> None:
    async with openai.AsyncOpenAI(
        base_url=f"{server_url}/v1", api_key="unused", max_retries=0
    ) as c:

        async def one(i: int) -> tuple[str, str | None]:
            stream = await c.chat.completions.create(
                model=model,
                messages=[{"role": "user", "content": f"Tell me about the number {i}."}],
                max_tokens=24,
                stream=True,
                seed=i,
            )
            text, finish = [], None
            async for chunk in stream:
                text.append(chunk.choices[0].delta.content or "")
                finish = chunk.choices[0].finish_reason or finish
            return "".join(text), finish

        results = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(16))), timeout=300)
    assert all(finish in ("stop", "length") for _, finish in results), results
    assert all(text for text, _ in results)


def test_completion(client: openai.OpenAI, model: str) -> None:
    resp = client.completions.create(model=model, prompt="The capital of France is", max_tokens=5)
    assert resp.id.startswith("cmpl-") and resp.object == "text_completion"
    (choice,) = resp.choices
    assert choice.text and choice.finish_reason in ("stop", "length")
    assert resp.usage is not None and resp.usage.completion_tokens <= 5


def test_completion_default_max_tokens_is_16(client: openai.OpenAI, model: str) -> None:
    resp = client.completions.create(model=model, prompt="1, 2, 3, 4,", temperature=0)
    assert resp.usage is not None and resp.usage.completion_tokens == 16
    assert resp.choices[0].finish_reason == "length"


def test_completion_token_id_prompt(client: openai.OpenAI, model: str) -> None:
    resp = client.completions.create(model=model, prompt=[504, 3575, 282], max_tokens=3)
    assert resp.usage is not None and resp.usage.prompt_tokens == 3


def test_completion_stream(client: openai.OpenAI, model: str) -> None:
    chunks = list(
        client.completions.create(
            model=model,
            prompt="Once upon a time",
            max_tokens=6,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert all(c.object == "text_completion" for c in chunks)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-2].choices[0].finish_reason in ("stop", "length")
    assert "".join(c.choices[0].text for c in chunks[:-1])


def test_models(client: openai.OpenAI, model: str) -> None:
    listed = client.models.list()
    # The base comes first; models that fine-tuning tests made (shared server) follow it.
    assert listed.data[0].id == model
    assert all(m.id.startswith("ft:") for m in listed.data[1:])
    got = client.models.retrieve(model)
    assert got.id == model and got.object == "model" and got.owned_by == "hanlin"
    assert got.created > 0


def test_unknown_model_is_not_found(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as err:
        client.chat.completions.create(model="no-such-model", messages=HI)
    assert err.value.code == "model_not_found"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")


def test_bad_request_is_raised_with_param(client: openai.OpenAI, model: str) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model=model, messages=HI, n=17)
    assert err.value.param == "n"


def test_chat_logprobs_have_openais_shape(client: openai.OpenAI, model: str) -> None:
    resp = client.chat.completions.create(
        model=model, messages=FRANCE, temperature=0, max_tokens=12, logprobs=True, top_logprobs=3
    )
    choice = resp.choices[0]
    content = choice.logprobs.content
    assert len(content) == resp.usage.completion_tokens - (choice.finish_reason == "stop")
    assert "".join(t.token for t in content) == choice.message.content
    for t in content:
        assert t.logprob <= 0 and bytes(t.bytes).decode(errors="replace") == t.token
        assert len(t.top_logprobs) == 3
        values = [x.logprob for x in t.top_logprobs]
        assert values == sorted(values, reverse=True)
        assert t.top_logprobs[0].token == t.token  # greedy picks the best
        assert abs(t.top_logprobs[0].logprob - t.logprob) < 1e-6


def test_chat_stream_carries_logprobs(client: openai.OpenAI, model: str) -> None:
    stream = client.chat.completions.create(
        model=model, messages=FRANCE, temperature=0, max_tokens=8, logprobs=True, stream=True
    )
    tokens = [
        t
        for c in stream
        if c.choices and c.choices[0].logprobs
        for t in c.choices[0].logprobs.content
    ]
    whole = client.chat.completions.create(
        model=model, messages=FRANCE, temperature=0, max_tokens=8, logprobs=True
    )
    assert [t.token for t in tokens] == [t.token for t in whole.choices[0].logprobs.content]


def test_echo_scores_the_prompt_like_lm_eval(client: openai.OpenAI, model: str) -> None:
    """max_tokens=0 + echo + logprobs: the log-likelihood of a prompt, first token null."""

    def score(text: str) -> float:
        resp = client.completions.create(
            model=model, prompt=text, max_tokens=0, echo=True, logprobs=1
        )
        (choice,) = resp.choices
        lps = choice.logprobs
        assert choice.text == text and lps.token_logprobs[0] is None
        assert "".join(lps.tokens) == text and lps.text_offset[0] == 0
        assert all(v <= 0 for v in lps.token_logprobs[1:])
        assert resp.usage.completion_tokens == 0
        return sum(lps.token_logprobs[1:])

    assert score("The capital of France is Paris.") > score("The capital of France is Berlin.")


def test_completion_logprobs_and_echo_with_generation(client: openai.OpenAI, model: str) -> None:
    prompt = "1, 2, 3,"
    resp = client.completions.create(
        model=model, prompt=prompt, max_tokens=4, temperature=0, echo=True, logprobs=2
    )
    (choice,) = resp.choices
    lps = choice.logprobs
    assert choice.text.startswith(prompt)
    n_prompt = resp.usage.prompt_tokens
    assert len(lps.tokens) == n_prompt + resp.usage.completion_tokens
    assert lps.token_logprobs[0] is None and lps.top_logprobs[0] is None
    assert all(len(top) <= 2 for top in lps.top_logprobs[1:])
    assert lps.text_offset == sorted(lps.text_offset)


def test_completion_logprobs_end_with_the_eos_that_stopped_it(client: openai.OpenAI,
                                                              model: str) -> None:
    """lm-eval's `local-completions` scores a continuation as token_logprobs[ctxlen:-1] of an
    echoed prompt with max_tokens=1: the sampled token must be listed even when it is EOS (as
    OpenAI and vLLM list it), or the continuation's score silently becomes 0."""
    from engine.loaders.default_model import resolve_model_path
    from engine.tokenizer import Tokenizer

    tok = Tokenizer.from_gguf(resolve_model_path(model))
    eos = tok.eos_token_ids[0]
    prompt = "Answer: B"
    kwargs = {"model": model, "prompt": prompt, "max_tokens": 1, "temperature": 0, "echo": True,
              "logprobs": 1, "logit_bias": {str(eos): 100}}
    resp = client.completions.create(**kwargs)
    (choice,) = resp.choices
    lps = choice.logprobs
    assert choice.finish_reason == "stop" and choice.text == prompt  # EOS adds no text
    assert len(lps.tokens) == resp.usage.prompt_tokens + 1 == len(lps.token_logprobs)
    assert lps.tokens[-1] == tok.decode([eos]) or lps.tokens[-1] in ("<|im_end|>",
                                                                     "<|endoftext|>")
    assert lps.text_offset[-1] == len(prompt)
    assert "".join(lps.tokens[:-1]) == prompt and lps.token_logprobs[-2] < 0
    streamed = [c for c in client.completions.create(**kwargs, stream=True) if c.choices]
    tokens = [t for c in streamed if c.choices[0].logprobs for t in c.choices[0].logprobs.tokens]
    assert tokens == lps.tokens
    # Chat lists the answer's tokens only: no entry for the EOS that ended it.
    chat = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Hi"}], max_tokens=4, temperature=0,
        logprobs=True, logit_bias={str(eos): 100})
    assert chat.choices[0].finish_reason == "stop" and chat.choices[0].logprobs.content == []


def test_logit_bias_and_penalties_steer_sampling(client: openai.OpenAI, model: str) -> None:
    from engine.loaders.default_model import resolve_model_path
    from engine.tokenizer import Tokenizer

    (banana,) = Tokenizer.from_gguf(resolve_model_path(model)).encode(" banana")
    forced = client.completions.create(
        model=model, prompt="Hello", max_tokens=3, temperature=0, logit_bias={str(banana): 100}
    )
    assert forced.choices[0].text == " banana" * 3
    kwargs = {"model": model, "prompt": "1, 1, 1, 1, 1,", "max_tokens": 20, "temperature": 0}
    plain = client.completions.create(**kwargs).choices[0].text
    penalized = (
        client.completions.create(
            **kwargs,
            frequency_penalty=2.0,
            presence_penalty=1.0,
            extra_body={"repetition_penalty": 1.3, "min_p": 0.05},
        )
        .choices[0]
        .text
    )
    assert penalized.count(" 1,") < plain.count(" 1,")


def test_n_greedy_choices_are_equal_and_seeded_choices_reproduce(
    client: openai.OpenAI, model: str
) -> None:
    greedy = client.chat.completions.create(
        model=model, messages=FRANCE, temperature=0, n=3, max_tokens=12
    )
    assert [c.index for c in greedy.choices] == [0, 1, 2]
    assert len({c.message.content for c in greedy.choices}) == 1
    # Choices 1 and 2 reuse choice 0's prompt blocks from the prefix cache.
    kwargs = {
        "model": model,
        "messages": HI,
        "temperature": 1.0,
        "n": 3,
        "max_tokens": 16,
        "seed": 7,
    }
    first, second = (client.chat.completions.create(**kwargs) for _ in range(2))
    texts = [c.message.content for c in first.choices]
    assert texts == [c.message.content for c in second.choices]
    assert len(set(texts)) > 1  # seed + i per choice: reproducible, yet different
    forced = client.chat.completions.create(**kwargs, extra_body={"ignore_eos": True})
    single = client.chat.completions.create(**{**kwargs, "n": 1}, extra_body={"ignore_eos": True})
    assert forced.usage.completion_tokens == 3 * 16  # summed over the choices
    assert forced.usage.prompt_tokens == single.usage.prompt_tokens  # the prompt counts once


def test_n_stream_interleaves_choices(client: openai.OpenAI, model: str) -> None:
    stream = client.chat.completions.create(
        model=model,
        messages=FRANCE,
        temperature=0,
        n=2,
        max_tokens=8,
        stream=True,
        stream_options={"include_usage": True},
    )
    texts, finished, usage = ["", ""], set(), None
    for c in stream:
        if not c.choices:
            usage = c.usage
            continue
        (ch,) = c.choices
        texts[ch.index] += ch.delta.content or ""
        if ch.finish_reason:
            finished.add(ch.index)
    assert finished == {0, 1} and texts[0] == texts[1] and texts[0]
    assert usage is not None and usage.completion_tokens >= 2


def test_completions_several_prompts_times_n(client: openai.OpenAI, model: str) -> None:
    resp = client.completions.create(
        model=model,
        prompt=["The capital of France is", [504, 3458, 314]],
        n=2,
        max_tokens=3,
        temperature=0,
        extra_body={"ignore_eos": True},
    )
    assert [c.index for c in resp.choices] == [0, 1, 2, 3]
    assert (
        resp.choices[0].text == resp.choices[1].text
        and resp.choices[2].text == resp.choices[3].text
    )
    one = client.completions.create(
        model=model, prompt="The capital of France is", max_tokens=3, temperature=0
    )
    assert one.choices[0].text == resp.choices[0].text
    assert resp.usage.completion_tokens == 4 * 3
    assert resp.usage.prompt_tokens == one.usage.prompt_tokens + 3
