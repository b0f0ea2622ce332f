"""PII masking: cards only when Luhn-valid, CN IDs only with a valid check digit, emails, public
IPs, phone numbers; it masks inside chat contents too and counts what it masked."""

from __future__ import annotations

import pytest

from datapipe.document import Document
from datapipe.filters.pii import PIIMask, cn_id_valid, luhn_valid


def mask(text: str) -> str:
    return PIIMask().mask(text)


@pytest.mark.parametrize("card", ["4111 1111 1111 1111", "4111-1111-1111-1111",
                                  "5500000000000004", "3782 822463 10005"])
def test_luhn_valid_cards_are_masked(card: str) -> None:
    assert luhn_valid(card)
    assert mask(f"pay with {card} today") == "pay with <CARD_NUMBER> today"


@pytest.mark.parametrize("number", ["4111 1111 1111 1112", "1234567890123", "5500000000000005"])
def test_luhn_invalid_numbers_are_left(number: str) -> None:
    assert not luhn_valid(number)
    assert mask(f"order {number} shipped") == f"order {number} shipped"


def test_cn_id_masked_only_with_valid_checksum() -> None:
    valid, lower_x = "440304199001011233", "11010519491231002x"
    invalid = "110105194912310027"
    assert cn_id_valid(valid) and cn_id_valid(lower_x) and not cn_id_valid(invalid)
    assert mask(f"身份证号 {valid}。") == "身份证号 <CN_ID>。"
    assert mask(f"ID:{lower_x}") == "ID:<CN_ID>"
    assert mask(f"编号 {invalid} 无效") == f"编号 {invalid} 无效"


@pytest.mark.parametrize(("text", "expected"), [
    ("mail jane.doe+news@example.co.uk now", "mail <EMAIL> now"),
    ("server at 8.8.8.8, backup 1.1.1.1.", "server at <IP_ADDRESS>, backup <IP_ADDRESS>."),
    ("v6 2001:4860:4860::8888 ok", "v6 <IP_ADDRESS> ok"),
    ("call (415) 555-2671 or +44 20 7946 0958", "call <PHONE> or <PHONE>"),
    ("手机 13812345678，请回电", "手机 <PHONE>，请回电"),
    ("+86 139 1234 5678", "<PHONE>"),
])
def test_emails_ips_phones_are_masked(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "the router is 192.168.1.1 and localhost 127.0.0.1",  # private: identifies nobody
    "version 1.2.3.4.5 and 999.1.1.1",  # not addresses
    "the year 2023 had 365 days and 12:30:45 is a time",
    "order number 2024-01-15 and ratio 3.14159",
])
def test_non_pii_is_left_alone(text: str) -> None:
    assert mask(text) == text


def test_chat_contents_masked_and_counted() -> None:
    doc = Document(id="c", messages=[
        {"role": "user", "content": "I am bob@example.com, card 4111111111111111"},
        {"role": "assistant", "content": [{"type": "text", "text": "Noted, call 13812345678."}]},
    ])
    changes = PIIMask().apply(doc)
    assert doc.messages[0]["content"] == "I am <EMAIL>, card <CARD_NUMBER>"
    assert doc.messages[1]["content"][0]["text"] == "Noted, call <PHONE>."
    assert changes == {"email": 1, "card": 1, "phone": 1}


def test_settings_switch_kinds_off() -> None:
    step = PIIMask(PIIMask.Settings(emails=False, only_public_ips=False))
    assert step.mask("a@b.org at 10.0.0.1") == "a@b.org at <IP_ADDRESS>"
