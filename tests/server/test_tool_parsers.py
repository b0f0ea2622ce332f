"""Every tool-call format (Hermes, InternLM2, Llama 3 JSON, Mistral in both forms, Qwen3-Coder XML)
on fixed answers, malformed ones staying content; the same parser fed each answer in random
chunkings agreeing with the whole parse (with reasoning split off first, too); the format picked
from a template's markers, the vocabulary or a name; forced-call grammars that compile for the
default vocabulary and accept each format's own call text.
"""

from __future__ import annotations

import json
import random
import re

import llguidance
import pytest

from engine.grammar import check, ll_tokenizer, serialize
from engine.loaders.default_model import default_model_path
from engine.tokenizer import Tokenizer
from server.answers import AnswerParser, parse_answer
from server.reasoning import ThinkParser
from server.tool_parsers import (
    TOOL_CALL_PARSERS,
    Function,
    Hermes,
    InternLM2,
    Llama3Json,
    Mistral,
    Qwen3Coder,
    ToolCallParser,
    ToolFormat,
    UnknownParser,
    format_for,
    parse_whole,
)

WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"},
                   "metric": {"type": "boolean"}, "where": {"type": "object"},
                   "tags": {"type": "array", "items": {"type": "string"}},
                   "scale": {"type": "number"}},
    "required": ["city"],
}
TOOLS = [Function("get_weather", "Weather", WEATHER), Function("noargs")]

# format -> case -> (answer, content, [(name, arguments)]); content None: calls only.
CASES: dict[str, dict[str, tuple[str, str | None, list[tuple[str, str]]]]] = {
    "hermes": {
        "plain": ("Hello world", "Hello world", []),
        "text_then_two": (
            'Sure.\n<tool_call>\n{"name": "a", "arguments": {"s": "}"}}\n</tool_call>\n'
            '<tool_call>\n{"arguments": {"y": 2}, "name": "b"}\n</tool_call>\n',
            "Sure.", [("a", '{"s": "}"}'), ("b", '{"y": 2}')]),
        "malformed": ('<tool_call>\n{"name": "f", "arguments": {"x": 1}\n</tool_call>',
                      '<tool_call>\n{"name": "f", "arguments": {"x": 1}\n</tool_call>', []),
        "prefix_is_text": ("a < b <tool_ca", "a < b <tool_ca", []),
    },
    "internlm2": {
        "call": ('Let me look.<|action_start|><|plugin|>\n{"name": "f", "parameters": {"q": 1}}'
                 "<|action_end|>\n", "Let me look.", [("f", '{"q": 1}')]),
        "broken": ('<|action_start|><|plugin|>\n{"name": "f", "parameters": <|action_end|>',
                   '<|action_start|><|plugin|>\n{"name": "f", "parameters": <|action_end|>', []),
    },
    "llama3_json": {
        "call": ('{"name": "get_weather", "parameters": {"city": "Paris"}}', None,
                 [("get_weather", '{"city": "Paris"}')]),
        "leading_space": ('\n {"name": "f", "parameters": {}}', None, [("f", "{}")]),
        "python_tag": ('<|python_tag|>{"name": "f", "parameters": {"a": [1, 2]}}', None,
                       [("f", '{"a": [1, 2]}')]),
        "arguments_key": ('{"name": "f", "arguments": {"a": 1}}', None, [("f", '{"a": 1}')]),
        # One call a turn (Llama 3.1's template): the second of a `;` pair is dropped.
        "semicolons": ('{"name": "a", "parameters": {}}; {"name": "b", "parameters": {}}', None,
                       [("a", "{}")]),
        "text_first": ('The call would be {"name": "f", "parameters": {}}',
                       'The call would be {"name": "f", "parameters": {}}', []),
        "json_not_a_call": ('{"city": "Paris"}', '{"city": "Paris"}', []),
        "truncated": ('{"name": "f", "parameters": {"a"', '{"name": "f", "parameters": {"a"', []),
        "plain": ("Hello", "Hello", []),
        "tag_prefix": ("<|pyth", "<|pyth", []),
    },
    "mistral": {
        "list": ('[TOOL_CALLS][{"name": "a", "arguments": {"x": 1}}, '
                 '{"name": "b", "arguments": "{\\"y\\": 2}"}]', None,
                 [("a", '{"x": 1}'), ("b", '{"y": 2}')]),
        "text_then_list": ('Sure. [TOOL_CALLS] [{"name": "a", "arguments": {}}]', "Sure.",
                           [("a", "{}")]),
        "args_form": ('[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}[TOOL_CALLS]noargs[ARGS]{}',
                      None, [("get_weather", '{"city": "Paris"}'), ("noargs", "{}")]),
        "call_id_form": ('[TOOL_CALLS]f[CALL_ID]abc123XYZ[ARGS]{"a": 1}', None,
                         [("f", '{"a": 1}')]),
        "malformed": ('[TOOL_CALLS][{"name": "a", "arguments": ',
                      '[TOOL_CALLS][{"name": "a", "arguments": ', []),
        "plain": ("No calls [TOOL", "No calls [TOOL", []),
    },
    "qwen3_coder": {
        "typed": ("Checking.\n<tool_call>\n<function=get_weather>\n<parameter=city>\n42\n"
                  "</parameter>\n<parameter=days>\n3\n</parameter>\n<parameter=metric>\nTrue\n"
                  "</parameter>\n<parameter=where>\n{\"lat\": 1.5}\n</parameter>\n"
                  "<parameter=tags>\n[\"a\", \"b\"]\n</parameter>\n<parameter=scale>\n2.5\n"
                  "</parameter>\n<parameter=extra>\nfree text\n</parameter>\n</function>\n"
                  "</tool_call>", "Checking.",
                  [("get_weather", json.dumps({"city": "42", "days": 3, "metric": True,
                                               "where": {"lat": 1.5}, "tags": ["a", "b"],
                                               "scale": 2.5, "extra": "free text"}))]),
        "two_and_untyped": ("<tool_call>\n<function=noargs>\n</function>\n</tool_call>\n"
                            "<tool_call>\n<function=get_weather>\n<parameter=days>\nsoon\n"
                            "</parameter>\n</function>\n</tool_call>", None,
                            [("noargs", "{}"), ("get_weather", '{"days": "soon"}')]),
        "multiline_value": ("<tool_call>\n<function=get_weather>\n<parameter=city>\nNew\nYork\n"
                            "</parameter>\n</function>\n</tool_call>", None,
                            [("get_weather", '{"city": "New\\nYork"}')]),
        "no_function": ("<tool_call>\n{\"name\": \"f\"}\n</tool_call>",
                        "<tool_call>\n{\"name\": \"f\"}\n</tool_call>", []),
        "unclosed": ("<tool_call>\n<function=noargs>\n", "<tool_call>\n<function=noargs>\n", []),
    },
}
FORMATS: dict[str, ToolFormat] = {"hermes": Hermes(), "internlm2": InternLM2(),
                                  "llama3_json": Llama3Json(), "mistral": Mistral(),
                                  "qwen3_coder": Qwen3Coder()}
ALL = [(fmt, case) for fmt in CASES for case in CASES[fmt]]


@pytest.mark.parametrize(("fmt", "case"), ALL)
def test_whole_parse(fmt: str, case: str) -> None:
    text, content, calls = CASES[fmt][case]
    got_content, got_calls = parse_whole(text, FORMATS[fmt], tools=TOOLS)
    assert got_content == content
    assert [(name, json.loads(args)) for _, name, args in got_calls] == [
        (name, json.loads(args)) for name, args in calls]
    if fmt == "mistral":  # its templates insist on 9 letters and digits
        assert all(re.fullmatch(r"[a-zA-Z0-9]{9}", i) for i, _, _ in got_calls)
    else:
        assert all(i.startswith("call_") for i, _, _ in got_calls)


def test_json_arguments_are_the_models_own_text() -> None:
    _, calls = parse_whole('<tool_call>{"name":"a","arguments":{"q":"a b"}}</tool_call>', Hermes())
    assert calls[0][1:] == ("a", '{"q":"a b"}')
    _, calls = parse_whole('[TOOL_CALLS]f[ARGS]{"b":1,  "a":2}', Mistral())
    assert calls[0][1:] == ("f", '{"b":1,  "a":2}')


def _chunks(text: str, rng: random.Random) -> list[str]:
    if len(text) < 2:
        return [text]
    cuts = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, rng.randint(0, 8))))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def _stream(parser: AnswerParser, pieces: list[str]) -> tuple[str, str, list[tuple[str, str]]]:
    reasoning, content, calls = "", "", {}
    for delta in [*(parser.feed(p) for p in pieces), parser.finish()]:
        reasoning += delta.reasoning
        content += delta.content
        for c in delta.calls:
            if c.name is not None:  # a call's first delta: id and name, no arguments yet
                assert c.index not in calls and c.id and c.arguments == ""
                calls[c.index] = [c.name, ""]
            else:
                calls[c.index][1] += c.arguments
    return reasoning, content, [tuple(calls[i]) for i in sorted(calls)]


def _parser(fmt: str, incremental: bool = False, think: bool = False,
            inside: bool = False) -> AnswerParser:
    return AnswerParser(ToolCallParser(FORMATS[fmt], incremental=incremental, tools=TOOLS),
                        ThinkParser(inside) if think else None)


@pytest.mark.parametrize(("fmt", "case"), ALL)
def test_streamed_agrees_with_whole_in_random_chunkings(fmt: str, case: str) -> None:
    text = CASES[fmt][case][0]
    whole = parse_answer(_parser(fmt), text)
    expected = ([] if whole.content is None else [whole.content],
                [(n, a) for _, n, a in whole.calls])
    rng = random.Random(f"{fmt}-{case}")
    chunkings = [list(text), [text]] + [_chunks(text, rng) for _ in range(40)]
    # Incremental arguments only under a grammar, which never lets a call be malformed (nor
    # lets Llama 3 write a second call).
    forceable = whole.calls and whole.content is None and case != "semicolons"
    modes = (False, True) if forceable else (False,)
    for incremental in modes:
        for pieces in chunkings:
            _, content, calls = _stream(_parser(fmt, incremental), pieces)
            assert ([content] if content or not whole.calls else [], calls) == expected, pieces


THOUGHTS = {
    "think_then_call": ("<think>\nI should call it.\n</think>\n\n<tool_call>\n"
                        '{"name": "f", "arguments": {"a": 1}}\n</tool_call>',
                        False, "I should call it.", None, [("f", '{"a": 1}')]),
    "call_inside_thought_is_not_a_call": (
        '<think>Maybe <tool_call>{"name": "f", "arguments": {}}</tool_call>?</think>Done.',
        False, 'Maybe <tool_call>{"name": "f", "arguments": {}}</tool_call>?', "Done.", []),
    "prefilled": ("Thinking here.\n</think>\n\nThe answer.", True, "Thinking here.",
                  "The answer.", []),
    "stopped_inside": ("<think>\nStill going and", False, "Still going and", None, []),
    "stopped_inside_prefilled": ("  partial </thi", True, "partial </thi", None, []),
    "prefilled_and_written_again": ("\n<think>\nHmm.\n</think>\nOK", True, "Hmm.", "OK", []),
    "prefilled_tag_prefix_only": ("<th", True, "<th", None, []),
    "prefilled_empty": ("", True, None, "", []),
    "no_thought": ("Just text </think> here", False, None, "Just text </think> here", []),
    "think_tag_later_is_text": ("Hi <think>x</think>", False, None, "Hi <think>x</think>", []),
    "tag_prefix_only": ("<thi", False, None, "<thi", []),
    "empty_thought": ("<think></think>Answer", False, None, "Answer", []),
}


@pytest.mark.parametrize("case", sorted(THOUGHTS))
def test_reasoning_split_whole_and_in_random_chunkings(case: str) -> None:
    text, inside, reasoning, content, calls = THOUGHTS[case]
    whole = parse_answer(_parser("hermes", think=True, inside=inside), text)
    assert (whole.reasoning, whole.content) == (reasoning, content)
    assert [(n, a) for _, n, a in whole.calls] == calls
    rng = random.Random(case)
    for pieces in [list(text), [text]] + [_chunks(text, rng) for _ in range(40)]:
        got = _stream(_parser("hermes", think=True, inside=inside), pieces)
        assert (got[0] or None, got[1] or None, got[2]) == (reasoning, content or None, calls)


def test_parallel_false_keeps_the_first_call() -> None:
    text = CASES["mistral"]["list"][0]
    _, calls = parse_whole(text, Mistral(), parallel=False)
    assert [n for _, n, _ in calls] == ["a"]


# ---- picking a format -------------------------------------------------------------------------


class _Vocab(Tokenizer):
    """A tokenizer in type only: a template and a set of whole tokens, to pick a format by."""

    def __init__(self, template: str = "", tokens: tuple[str, ...] = ()) -> None:  # noqa: D107
        self.chat_template, self._tokens = template, tokens
        self.special_ids = frozenset()

    def token_to_id(self, token: str) -> int | None:
        return self._tokens.index(token) if token in self._tokens else None


@pytest.mark.parametrize(("template", "tokens", "name"), [
    ("{{ '<tool_call>' }}{{ '<function=' + name + '>' }}", (), "qwen3_coder"),
    ("{{ '<tool_call>\\n' + tool_call | tojson }}", ("<|python_tag|>",), "hermes"),
    ("{{ '[TOOL_CALLS][' }}", (), "mistral"),
    ("{{ '<|python_tag|>' }}", (), "llama3_json"),
    ("<|start_header_id|>", ("<|python_tag|>",), "llama3_json"),
    ("", ("[TOOL_CALLS]",), "mistral"),
    ("", ("<|action_start|>", "<|plugin|>"), "internlm2"),
    ("{% for m in messages %}<|im_start|>{% endfor %}", (), "hermes"),
])
def test_format_picked_from_template_then_vocabulary(template: str, tokens: tuple[str, ...],
                                                     name: str) -> None:
    assert format_for(_Vocab(template, tokens)).name == name


def test_format_named_by_option_wins_and_unknown_names_are_refused() -> None:
    qwen = _Vocab("<tool_call>")
    assert [format_for(qwen, n).name for n in TOOL_CALL_PARSERS] == list(TOOL_CALL_PARSERS)
    with pytest.raises(UnknownParser, match=r"unknown tool-call parser 'hermes2' \(known: hermes"):
        format_for(qwen, "hermes2")


def test_mistral_args_form_from_the_template() -> None:
    fmt = format_for(_Vocab("{{ '[TOOL_CALLS]' + name + '[ARGS]' + args }}"))
    assert isinstance(fmt, Mistral) and fmt.args_form
    assert fmt.call_text("f", "{}") == "[TOOL_CALLS]f[ARGS]{}"


# ---- grammars for forced calls ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", [Hermes(), Llama3Json(), Mistral(), Mistral(args_form=True),
                                 Qwen3Coder()], ids=["hermes", "llama3_json", "mistral",
                                                     "mistral-args", "qwen3_coder"])
@pytest.mark.parametrize("parallel", [True, False])
def test_forced_call_grammar_accepts_the_formats_own_call(fmt: ToolFormat, parallel: bool) -> None:
    tok = Tokenizer.from_gguf(default_model_path())
    grammar = fmt.grammar(TOOLS, parallel)
    check(tok, grammar)
    args = {"city": "Paris", "days": 3, "metric": True, "where": {"a": 1}, "tags": ["x"],
            "scale": 1.5}
    text = fmt.call_text("get_weather", json.dumps(args))
    matcher = llguidance.LLMatcher(ll_tokenizer(tok), serialize(grammar), log_level=0)
    assert matcher.consume_tokens(tok.encode(text)) and matcher.is_accepting(), matcher.get_error()
    _, calls = parse_whole(text, fmt, tools=TOOLS)
    assert [(n, json.loads(a)) for _, n, a in calls] == [("get_weather", args)]
