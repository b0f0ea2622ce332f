"""Chat uploads for fine-tuning: one reason per malformed kind, bad lines rejected with their line
numbers, and nothing lost (lines in == kept + rejected)."""

from __future__ import annotations

import json

import pytest

from datapipe import run_pipeline
from datapipe.chat import ChatSchema
from datapipe.document import Document
from tests.datapipe.conftest import read_jsonl, write_jsonl

SYSTEM = {"role": "system", "content": "You are helpful."}
USER = {"role": "user", "content": "What is the capital of France?"}
ANSWER = {"role": "assistant", "content": "Paris is the capital of France."}
CALL = {"role": "assistant", "content": None, "tool_calls": [
    {"id": "call_1", "type": "function",
     "function": {"name": "lookup", "arguments": "{\"city\": \"Paris\"}"}}]}
RESULT = {"role": "tool", "tool_call_id": "call_1", "content": "{\"population\": 2100000}"}


def bad_call(**changes) -> dict:
    call = json.loads(json.dumps(CALL))
    call["tool_calls"][0].update(changes)
    return call


VALID = [
    [USER, ANSWER],
    [SYSTEM, USER, ANSWER],
    [{"role": "developer", "content": "Be brief."}, USER, ANSWER, USER, ANSWER],
    [USER, CALL, RESULT, ANSWER],
    [USER, {"role": "assistant", "content": [{"type": "text", "text": "Paris."}], "weight": 1}],
]

INVALID = [
    ("no_messages", []),
    ("message_not_object", [USER, "Paris"]),
    ("role_missing", [USER, {"content": "Paris."}]),
    ("unknown_role", [{"role": "human", "content": "Hi"}, ANSWER]),
    ("unknown_message_key", [USER, {**ANSWER, "mood": "happy"}]),
    ("content_missing", [{"role": "user"}, ANSWER]),
    ("content_invalid", [{"role": "user", "content": 42}, ANSWER]),
    ("content_invalid", [{"role": "user", "content": [{"type": "image_url"}]}, ANSWER]),
    ("empty_turn", [{"role": "user", "content": "   "}, ANSWER]),
    ("tool_call_id_missing", [USER, CALL, {"role": "tool", "content": "42"}, ANSWER]),
    ("tool_calls_not_assistant", [{**USER, "tool_calls": CALL["tool_calls"]}, ANSWER]),
    ("tool_calls_invalid", [USER, {"role": "assistant", "tool_calls": "lookup"}, ANSWER]),
    ("tool_calls_invalid", [USER, bad_call(function={"arguments": "{}"}), RESULT, ANSWER]),
    ("tool_call_id_duplicate", [USER, {**CALL, "tool_calls": CALL["tool_calls"] * 2}, RESULT,
                                ANSWER]),
    ("tool_arguments_invalid_json",
     [USER, bad_call(function={"name": "lookup", "arguments": "{city: Paris"}), RESULT, ANSWER]),
    ("system_not_first", [USER, SYSTEM, ANSWER]),
    ("no_turns", [SYSTEM]),
    ("first_turn_not_user", [SYSTEM, ANSWER]),
    ("tool_message_unmatched", [USER, CALL, {**RESULT, "tool_call_id": "call_9"}, ANSWER]),
    ("tool_call_unanswered", [USER, CALL, ANSWER]),
    ("tool_call_unanswered", [USER, CALL]),
    ("alternation", [USER, USER, ANSWER]),
    ("alternation", [USER, ANSWER, ANSWER]),
    ("alternation", [USER, CALL, RESULT, USER, ANSWER]),
    ("last_turn_not_assistant", [USER, ANSWER, USER]),
]


@pytest.mark.parametrize("messages", VALID)
def test_valid_conversations_pass(messages: list) -> None:
    assert ChatSchema().filter(Document(id="ok", messages=messages)) is None


@pytest.mark.parametrize(("reason", "messages"), INVALID, ids=[r for r, _ in INVALID])
def test_each_malformed_kind_has_its_reason(reason: str, messages: list) -> None:
    assert ChatSchema().filter(Document(id="bad", messages=messages)) == reason


def test_chat_upload_with_planted_problems(tmp_path) -> None:
    lines = [
        {"messages": [USER, ANSWER]},                                   # 1 kept
        b'{"messages": [ {"role": "user", "content": "hi"',              # 2 bad JSON
        "caf\xe9".encode("latin-1"),                                    # 3 wrong encoding
        {"messages": [USER, ANSWER]},                                   # 4 duplicate of 1
        {"messages": [USER, USER]},                                     # 5 alternation
        {"messages": [{"role": "user", "content": "Tell me something."},
                      {"role": "assistant", "content": "Shut up you stupid fucking idiot."}]},
        {"messages": [{"role": "user", "content": "Mail me at amy@example.com please."},
                      {"role": "assistant", "content": "Sure, I will write to you."}]},  # 7 PII
        b"   ",                                                         # 8 blank: not a record
        [1, 2, 3],                                                      # 9 not an object
        {"conversation": []},                                           # 10 messages missing
        {"messages": "hello"},                                          # 11 not a list
        {"messages": [SYSTEM, USER, ANSWER], "tools": []},              # 12 kept, extra key kept
    ]
    source = write_jsonl(tmp_path / "chat.jsonl", lines)
    report = run_pipeline(source, "chat", tmp_path / "out")
    cleaned, rejected = read_jsonl(report.cleaned_path), read_jsonl(report.rejected_path)
    by_line = {r["line"]: (r["step"], r["reason"]) for r in rejected}
    assert by_line == {
        2: ("read", "invalid_json"), 3: ("read", "invalid_utf8"),
        4: ("exact_dedup", "exact_duplicate"), 5: ("chat_schema", "alternation"),
        6: ("toxicity", "lexicon"), 9: ("read", "not_an_object"),
        10: ("read", "messages_missing"), 11: ("read", "messages_not_list")}
    assert [r["line"] for r in rejected] == sorted(by_line)  # in input order
    raw = {r["line"]: r.get("raw") for r in rejected}
    assert raw[3] == "caf\\xe9" and raw[2].startswith('{"messages"')
    assert report.lines == 11 and report.blank_lines == 1
    assert report.lines == report.kept + report.rejected == len(cleaned) + len(rejected)
    assert cleaned[1]["messages"][0]["content"] == "Mail me at <EMAIL> please."
    assert cleaned[2] == {"messages": [SYSTEM, USER, ANSWER], "tools": []}
    steps = {s.name: s for s in report.steps}
    assert steps["pii"].changes == {"email": 1}
    assert steps["read"].reasons["invalid_json"].examples[0].line == 2
    assert json.loads(open(tmp_path / "out" / "report.json").read())["rejected"] == 8


def test_empty_file_gives_an_empty_report(tmp_path) -> None:
    source = tmp_path / "empty.jsonl"
    source.write_bytes(b"")
    report = run_pipeline(source, "chat", tmp_path / "out")
    assert (report.lines, report.kept, report.rejected) == (0, 0, 0)
    assert read_jsonl(report.cleaned_path) == []
