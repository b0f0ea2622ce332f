"""PII masking (a transform: it masks, it never drops): emails, public IP addresses, phone
numbers, card numbers that pass the Luhn check, CN resident IDs whose checksum is valid.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import ClassVar

from datapipe.document import Document, map_text
from datapipe.steps import Key, Settings, Transform

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CN_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
                    r"(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
                   r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\.?\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_PHONE = re.compile(
    r"(?<![\w+])\+\d{1,3}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}(?!\d)"  # E.164-style
    r"|(?<!\d)(?:\+?86[ -]?)?1[3-9]\d{9}(?!\d)"  # CN mobile
    r"|(?<![\w(])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?!\d)")  # NANP: (555) 123-4567
_DIGIT = re.compile(r"\d")

_CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def cn_id_valid(number: str) -> bool:
    """GB 11643-1999 check digit: weighted sum mod 11 indexes "10X98765432"."""
    total = sum(int(c) * w for c, w in zip(number[:17], _CN_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


class PIISettings(Settings):
    emails: bool = True
    ips: bool = True
    # datatrove formatters/pii.py only_remove_public_ips=True: private and loopback addresses
    # identify nobody.
    only_public_ips: bool = True
    phones: bool = True
    cards: bool = True
    cn_ids: bool = True
    email_mask: Key = "<EMAIL>"
    ip_mask: Key = "<IP_ADDRESS>"
    phone_mask: Key = "<PHONE>"
    card_mask: Key = "<CARD_NUMBER>"
    cn_id_mask: Key = "<CN_ID>"


class PIIMask(Transform):
    name: ClassVar[str] = "pii"
    Settings = PIISettings

    def __init__(self, settings: PIISettings | None = None) -> None:
        super().__init__(settings)
        s = self.settings
        rules: list[tuple[str, re.Pattern[str], str, Callable[[str], bool] | None, bool]] = [
            ("email", _EMAIL, s.email_mask, None, s.emails),
            ("cn_id", _CN_ID, s.cn_id_mask, cn_id_valid, s.cn_ids),
            ("card", _CARD, s.card_mask, self._card, s.cards),
            ("ip", _IPV4, s.ip_mask, self._ip, s.ips),
            ("ip", _IPV6, s.ip_mask, self._ip, s.ips),
            ("phone", _PHONE, s.phone_mask, None, s.phones),
        ]
        self._rules = [r[:4] for r in rules if r[4]]
        self._counts: dict[str, int] = {}

    @staticmethod
    def _card(match: str) -> bool:
        digits = re.sub(r"\D", "", match)
        return 13 <= len(digits) <= 19 and luhn_valid(digits)

    def _ip(self, match: str) -> bool:
        try:
            address = ipaddress.ip_address(match)
        except ValueError:
            return False
        return address.is_global or not self.settings.only_public_ips

    def mask(self, text: str) -> str:
        has_digit = _DIGIT.search(text) is not None
        for kind, pattern, replacement, valid in self._rules:
            if kind == "email" and "@" not in text:
                continue
            if kind != "email" and (not has_digit or (pattern is _IPV6 and ":" not in text)):
                continue

            def sub(m: re.Match[str], kind: str = kind, replacement: str = replacement,
                    valid: Callable[[str], bool] | None = valid) -> str:
                if valid is not None and not valid(m.group(0)):
                    return m.group(0)
                self._counts[kind] = self._counts.get(kind, 0) + 1
                return replacement

            text = pattern.sub(sub, text)
        return text

    def apply(self, doc: Document) -> dict[str, int] | None:
        self._counts = {}
        map_text(doc, self.mask)
        return self._counts
