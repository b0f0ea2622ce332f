"""ftfy encoding repair + Unicode NFC: the text pipeline's first step (a transform).

Counts what it changed: `ftfy` (mojibake, HTML entities, control characters) and `nfc`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import ClassVar, Literal

import ftfy

from datapipe.document import Document, map_text
from datapipe.steps import Settings, Transform

# With the settings below, ftfy only touches ASCII text through HTML entities and control or
# terminal-escape characters; ASCII text without them is returned unchanged, so skip the call.
_ASCII_SUSPECT = re.compile(r"[&\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class NormalizeSettings(Settings):
    # ftfy switches as datatrove's FTFYFormatter sets them (pipeline/formatters/ftfy.py): repair
    # the encoding, leave the writing style alone (width folding forces wrong CJK punctuation).
    unescape_html: Literal["auto"] | bool = "auto"
    remove_terminal_escapes: bool = True
    fix_encoding: bool = True
    restore_byte_a0: bool = True
    replace_lossy_sequences: bool = True
    decode_inconsistent_utf8: bool = True
    fix_c1_controls: bool = True
    fix_latin_ligatures: bool = False
    fix_character_width: bool = False
    uncurl_quotes: bool = False
    fix_line_breaks: bool = False
    fix_surrogates: bool = True
    remove_control_chars: bool = True
    # DESIGN.md "Data pipeline": NFC after repair (composes accents, keeps compatibility forms).
    normalization: Literal["NFC", "NFD", "NFKC", "NFKD"] | None = "NFC"


class Normalize(Transform):
    name: ClassVar[str] = "normalize"
    Settings = NormalizeSettings

    def __init__(self, settings: NormalizeSettings | None = None) -> None:
        super().__init__(settings)
        s = self.settings
        self._config = ftfy.TextFixerConfig(
            unescape_html=s.unescape_html, remove_terminal_escapes=s.remove_terminal_escapes,
            fix_encoding=s.fix_encoding, restore_byte_a0=s.restore_byte_a0,
            replace_lossy_sequences=s.replace_lossy_sequences,
            decode_inconsistent_utf8=s.decode_inconsistent_utf8, fix_c1_controls=s.fix_c1_controls,
            fix_latin_ligatures=s.fix_latin_ligatures, fix_character_width=s.fix_character_width,
            uncurl_quotes=s.uncurl_quotes, fix_line_breaks=s.fix_line_breaks,
            fix_surrogates=s.fix_surrogates, remove_control_chars=s.remove_control_chars,
            normalization=None, explain=False)
        self._fast_ascii = not (s.fix_line_breaks or s.uncurl_quotes or s.fix_character_width
                                or s.fix_latin_ligatures)

    def repair(self, text: str) -> str:
        if self._fast_ascii and text.isascii() and not _ASCII_SUSPECT.search(text):
            return text
        return ftfy.fix_text(text, config=self._config)

    def nfc(self, text: str) -> str:
        form = self.settings.normalization
        if form is None or text.isascii() or unicodedata.is_normalized(form, text):
            return text
        return unicodedata.normalize(form, text)

    def apply(self, doc: Document) -> dict[str, int] | None:
        changes = {}
        if map_text(doc, self.repair):
            changes["ftfy"] = 1
        if map_text(doc, self.nfc):
            changes["nfc"] = 1
        return changes
