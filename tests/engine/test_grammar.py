"""Grammar-constrained decoding: llguidance's view of our vocabularies (GGUF byte-level BPE and
sentencepiece), the bitmask in torch against a per-token reference, schema bounds, closing mode,
and the engine with the real default model producing JSON that validates.
"""

import json

import jsonschema
import pytest
import torch

from engine.config import CacheConfig, EngineConfig
from engine.grammar import (
    CLOSING_WINDOW,
    GrammarError,
    Matcher,
    bitmask_words,
    bounded,
    check,
    ll_tokenizer,
)
from engine.llm_engine import LLMEngine
from engine.loaders.default_model import default_model_path
from engine.protocol import GenerateRequest, Grammar, SamplingParams
from engine.sampler import apply_bitmask
from engine.tokenizer import Tokenizer

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}},
    },
    "required": ["name", "age", "tags"],
}


def schema(s: dict) -> Grammar:
    return Grammar(kind="json_schema", source=json.dumps(s))


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer.from_gguf(default_model_path())


@pytest.fixture(scope="module")
def sp_tok(tmp_path_factory) -> Tokenizer:
    from tests.engine.test_tokenizer import train_sentencepiece  # trains a 400-piece model, ~1 s

    return Tokenizer.from_hf_folder(train_sentencepiece(tmp_path_factory.mktemp("sp")))


def allowed(matcher: Matcher, tok: Tokenizer, tokens_left: int | None = None) -> set[int]:
    row = torch.empty(bitmask_words(tok.vocab_size), dtype=torch.int32)
    matcher.fill_bitmask(row, tokens_left)
    return {i for i in range(tok.vocab_size) if (int(row[i // 32]) >> (i % 32)) & 1}


@pytest.mark.parametrize("which", ["tok", "sp_tok"])
def test_vocabulary_bytes_and_specials_as_llguidance_sees_them(request, which):
    t = request.getfixturevalue(which)
    ll = ll_tokenizer(t)
    ids = t.encode("Hello, world! 你好 {\"a\": 1}")
    assert ll.decode_bytes(ids) == b"".join(t.id_to_bytes(i) for i in ids)
    for i in t.special_ids:
        assert ll.is_special_token(i)
    assert not ll.is_special_token(ids[0])


@pytest.mark.parametrize("which", ["tok", "sp_tok"])
def test_valid_json_walks_to_done_and_the_mask_allows_only_the_grammar(request, which):
    t = request.getfixturevalue(which)
    m = Matcher(t, schema(PERSON))
    first = allowed(m, t)
    assert first and all(t.id_to_bytes(i)[:1] == b"{" for i in first)
    text = '{"name": "Al", "age": 3, "tags": ["a", "b"]}'
    # llguidance's tokenization of output text: no sentencepiece dummy-prefix space.
    ids = ll_tokenizer(t).tokenize_str(text)
    assert b"".join(t.id_to_bytes(i) for i in ids) == text.encode()
    for token in ids:
        assert not m.done and token in allowed(m, t)
        assert m.advance(token)
    assert m.done
    assert allowed(m, t) <= set(t.eos_token_ids)  # complete: only EOS may follow


def test_a_token_outside_the_grammar_kills_the_matcher(tok):
    m = Matcher(tok, schema(PERSON))
    assert not m.advance(tok.encode("hello")[0])
    assert m.error


@pytest.mark.parametrize("vocab", [49152, 49155, 100])
def test_apply_bitmask_matches_a_per_token_reference(vocab):
    g = torch.Generator().manual_seed(vocab)
    logits = torch.randn(3, vocab, generator=g)
    words = bitmask_words(min(vocab, 49152))
    bitmask = torch.randint(-(2**31), 2**31 - 1, (3, words), dtype=torch.int32, generator=g)
    out = apply_bitmask(logits, bitmask)
    for r in range(3):
        for i in range(0, vocab, 97 if vocab > 1000 else 1):
            bit = i < words * 32 and (int(bitmask[r, i // 32]) >> (i % 32)) & 1
            assert out[r, i] == (logits[r, i] if bit else float("-inf"))


def test_bounded_schemas_cap_open_sizes_and_keep_given_ones():
    b = bounded({"type": "object", "properties": {
        "xs": {"type": "array", "items": {"type": "string"}},
        "ys": {"type": "array", "maxItems": 3, "items": {"type": "string", "pattern": "a+"}},
        "n": {"anyOf": [{"type": "string", "minLength": 500}, {"type": "null"}]},
    }})
    assert b["additionalProperties"] is False
    xs, ys = b["properties"]["xs"], b["properties"]["ys"]
    assert xs["maxItems"] == 16 and xs["items"]["maxLength"] == 256
    assert ys["maxItems"] == 3 and "maxLength" not in ys["items"]  # a pattern bounds itself
    assert b["properties"]["n"]["anyOf"][0]["maxLength"] == 500  # never below minLength
    free = bounded({"type": "object"})
    assert free["maxProperties"] == 16 and "additionalProperties" not in free


@pytest.mark.parametrize("bad", [
    schema({"type": "nope"}),
    schema({"type": "array", "minItems": 3, "maxItems": 1}),
    schema({"$ref": "#/$defs/missing"}),
    Grammar(kind="json_schema", source="[1, 2]"),
    Grammar(kind="lark", source='start: "a" <|no_such_token|>'),
])
def test_check_refuses_what_cannot_compile(tok, bad):
    with pytest.raises(GrammarError):
        check(tok, bad)


NUMBERS = {"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
           "required": ["lat", "lon"]}
ITEMS = {"type": "array", "items": {"type": "object", "required": ["n", "m"], "properties": {
    "n": {"type": "string"}, "m": {"type": "integer"}}}}


@pytest.mark.parametrize("spec, prefix, budget", [
    # Two required keys still missing: `", "age": 0, "tags": []}` has to fit.
    (PERSON, '{"name": "a long name that goes on', 16),
    (NUMBERS, '{"lat": 51.2811', 10),  # a number ends with "," or "}", never more digits
    (ITEMS, '[{"n": "x", "m": 2}', 4),  # the model may prefer "}," and a whole new item
])
def test_closing_mode_shuts_open_json_within_the_budget(tok, spec, prefix, budget):
    m = Matcher(tok, schema(spec))
    ids = tok.encode(prefix)
    for token in ids:
        assert m.advance(token)
    assert len(allowed(m, tok, tokens_left=CLOSING_WINDOW + 10)) > 1  # far from the end: free
    left = budget
    while not m.done:
        steered = allowed(m, tok, tokens_left=left)
        # A model's choice among what is allowed: the longest token, to try to overrun.
        token = max(steered, key=lambda t: (len(tok.id_to_bytes(t)), t))
        if token in tok.eos_token_ids:
            break
        assert m.advance(token)
        ids.append(token)
        left -= 1
        assert left >= 0
    jsonschema.validate(json.loads(tok.decode(ids)), spec)


# ---- the engine with the real default model -------------------------------------------------


@pytest.fixture(scope="module")
def engine():
    from engine.load import load

    loaded = load(EngineConfig(dtype="float32", cache=CacheConfig(num_blocks=128)))
    config = EngineConfig(dtype="float32", cache=CacheConfig(num_blocks=128))
    return LLMEngine(loaded.model, loaded.tokenizer, config, 128, 128 * 16)


def run(engine, requests):
    for r in requests:
        engine.add_request(r)
    texts, lasts, logprobs = {r.request_id: "" for r in requests}, {}, {}
    while engine.has_work():
        for o in engine.step():
            texts[o.request_id] += o.text
            logprobs.setdefault(o.request_id, []).extend(o.logprobs or [])
            if o.finished:
                lasts[o.request_id] = o
    return texts, lasts, logprobs


@pytest.mark.slow
def test_engine_output_validates_greedy_seeded_and_when_cut_short(engine):
    tok = engine.tokenizer
    prompt = tok.encode(tok.apply_chat_template(
        [{"role": "user", "content": "Describe a person as JSON."}]))
    g = schema(PERSON)
    requests = [
        GenerateRequest(request_id=str(i), prompt_ids=tuple(prompt), sampling=SamplingParams(
            temperature=t, seed=i, max_tokens=m, grammar=g, logprobs=5))
        for i, (t, m) in enumerate([(0.0, 64), (1.0, 64), (1.5, 64), (1.5, 24)])
    ]
    texts, lasts, logprobs = run(engine, requests)
    for rid, text in texts.items():
        jsonschema.validate(json.loads(text), PERSON)
        assert lasts[rid].finish_reason == "stop"  # the grammar ended it, not max_tokens
    assert lasts["3"].completion_tokens <= 24  # the shortest valid answer is 19 tokens
    # logprobs are of the masked distribution: the first token is one of the few that open
    # the object, and the listed alternatives carry (nearly) all of the probability.
    first = logprobs["0"][0]
    assert tok.id_to_bytes(first.token_id).startswith(b"{")
    assert sum(torch.tensor([lp for _, lp in first.top]).exp()) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.slow
def test_engine_rejects_an_uncompilable_grammar_before_registering(engine):
    bad = SamplingParams(grammar=schema({"type": "nope"}))
    with pytest.raises(ValueError):
        engine.add_request(GenerateRequest(request_id="bad", prompt_ids=(1, 2), sampling=bad))
    assert "bad" not in engine.requests
