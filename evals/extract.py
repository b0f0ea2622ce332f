"""Versioned answer extraction: `name@version` -> a function from raw model text to the answer,
or None when nothing can be extracted (counted as unparsed). A version is never changed once
released; a better rule is a new version, so old scores stay reproducible."""

from __future__ import annotations

import re
from collections.abc import Callable

THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
# A chat opener ("Sure!", "Certainly, ...") or a line announcing what follows ("Here is the code:").
PREAMBLE = re.compile(r"^\s*((sure|certainly|of course|okay|ok|absolutely)\b.{0,40}"
                      r"|.*\b(here('s| is| are)|below|following)\b.*:\s*)$", re.I)
FENCE = re.compile(r"```[ \t]*([\w+-]*)[ \t]*\n?(.*?)(?:```|\Z)", re.S)
# Lines that start Python code at column 0; an English sentence ("This function ...") does not.
CODE_START = re.compile(r"^(def |class |import |from |@|#|if |for |while |with |try:|except|"
                        r"finally:|elif |else:|return\b|assert |print\(|async |raise |"
                        r"[A-Za-z_][\w.]*\s*(=|\(|\[|\+=|-=))")
# Upper-case letters anywhere; lower-case only as "c)" (medmcqa's style), never the word "a".
ANSWER_IS = re.compile(r"(?i:answer)\s*(?i:is)?\s*[:\-]?\s*\(?\**([A-D]\b|[a-d](?=\)))")
LEADING = re.compile(r"^\W{0,3}([A-D](?=[).:\]]|\s*$|\s+[-–—])|[a-d](?=[).\]]|\s*$))")
OPTION = re.compile(r"(?i:option|choice)\s+\(?([A-D])\b")
BRACKETED = re.compile(r"\(([A-D])\)|\b([A-D])[).]")
BARE = re.compile(r"\b([B-D])\b|\b(A)\b(?!\s+[a-z])")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+")
LABEL = re.compile(r"^\s*(?:final answer|answer|a)\s*[:\-]\s*", re.I)


def strip_think(text: str) -> str | None:
    """Drop `<think>...</think>` blocks; an unclosed `<think>` means no answer was given."""
    text = THINK.sub("", text)
    if re.search(r"<think>", text, re.I):
        return None
    return text.replace("</think>", "")


def _drop_preamble(lines: list[str]) -> list[str]:
    while lines and (not lines[0].strip() or PREAMBLE.match(lines[0])):
        lines = lines[1:]
    return lines


def _code_lines(text: str) -> str:
    """The code in unfenced text: from the first code line to the first prose line after it."""
    lines = _drop_preamble(text.splitlines())
    start = next((i for i, line in enumerate(lines)
                  if line[:1] in (" ", "\t") and line.strip() or CODE_START.match(line)), None)
    if start is None:
        return ""
    kept = [lines[start]]
    for line in lines[start + 1:]:
        if line.strip() and line[:1] not in (" ", "\t") and not CODE_START.match(line):
            break  # trailing prose at column 0 ends the code
        kept.append(line)
    return "\n".join(kept).rstrip()


def code_block_v1(text: str) -> str | None:
    """Code before any fence (a completion continuing the prompt), else the first non-empty
    fenced block, preferring one tagged python; preambles and trailing prose are dropped."""
    text = strip_think(text)
    if text is None:
        return None
    head = _code_lines(text.split("```", 1)[0])
    if head.strip():
        return head
    blocks = [(lang.lower(), body.rstrip()) for lang, body in FENCE.findall(text)]
    blocks = [(lang, body) for lang, body in blocks if body.strip()]
    for lang, body in blocks:
        if lang in ("python", "py", "python3"):
            return body
    for lang, body in blocks:
        if lang in ("", "text") and (code := _code_lines(body)).strip():
            return code
    return None


def choice_letter_v1(text: str) -> str | None:
    """A-D (upper-cased): "the answer is (C)", a leading "C." / "c) ...", then "(C)" / "C)",
    then a bare capital letter not followed by a lower-case word ("A person" is not an answer)."""
    text = strip_think(text)
    if text is None:
        return None
    text = "\n".join(_drop_preamble(text.strip().splitlines()))
    for pattern in (ANSWER_IS, LEADING, OPTION, BRACKETED, BARE):
        if match := pattern.search(text):
            return next(g for g in match.groups() if g).upper()
    return None


def last_number_v1(text: str) -> str | None:
    """The last number (thousands commas dropped, "12.0" -> "12"), or a fraction as written."""
    text = strip_think(text)
    if text is None:
        return None
    numbers = NUMBER.findall(text)
    if not numbers:
        return None
    number = numbers[-1].replace(",", "")
    if "/" in number:
        return number
    value = float(number)
    return str(int(value)) if value.is_integer() else repr(value)


def first_line_v1(text: str) -> str | None:
    """The first non-preamble line, without an "Answer:" label or wrapping quotes/markup."""
    text = strip_think(text)
    if text is None:
        return None
    lines = _drop_preamble([line for line in text.splitlines() if line.strip()])
    if not lines:
        return None
    line = LABEL.sub("", lines[0]).strip().strip("*`\"'").strip()
    return line or None


def raw_v1(text: str) -> str | None:
    """The whole answer, think blocks removed and whitespace stripped."""
    text = strip_think(text)
    return text.strip() or None if text is not None else None


EXTRACTORS: dict[str, Callable[[str], str | None]] = {
    "code_block@1": code_block_v1,
    "choice_letter@1": choice_letter_v1,
    "last_number@1": last_number_v1,
    "first_line@1": first_line_v1,
    "raw@1": raw_v1,
}


def extractor(name: str) -> Callable[[str], str | None]:
    """Look up `name@version`; a bare name is refused so that every score names its rule."""
    try:
        return EXTRACTORS[name]
    except KeyError:
        raise ValueError(f"unknown extraction {name!r}; choose from "
                         f"{', '.join(EXTRACTORS)}") from None
