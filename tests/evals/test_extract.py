"""Answer extraction on the outputs that break harnesses: markdown fences, trailing prose, chat
preambles, <think> blocks, and text with nothing to extract (unparsed, never a guess)."""

from __future__ import annotations

import pytest

from evals.extract import EXTRACTORS, extractor

code = EXTRACTORS["code_block@1"]
letter = EXTRACTORS["choice_letter@1"]
number = EXTRACTORS["last_number@1"]
first_line = EXTRACTORS["first_line@1"]

FUNCTION = "def add(a, b):\n    return a + b"


@pytest.mark.parametrize("output", [
    f"```python\n{FUNCTION}\n```",
    f"Sure! Here is the code:\n\n```python\n{FUNCTION}\n```\n\nThis adds two numbers.",
    f"```\n{FUNCTION}\n```\nHope this helps!",
    f"<think>Add them. ```python\nprint('draft')\n```</think>\n```python\n{FUNCTION}\n```",
    f"Here's the function:\n{FUNCTION}\n\nThis function returns the sum of a and b.",
    f"```py\n{FUNCTION}",  # cut by max_tokens before the closing fence
    f"{FUNCTION}\n\nExplanation: it adds.",
])
def test_code_block_finds_the_function(output: str) -> None:
    assert code(output) == FUNCTION


def test_code_block_keeps_a_completion_continuing_the_prompt() -> None:
    # Completion-style: the body continues the prompt's header; its indentation must survive.
    body = "    total = a + b\n    return total"
    assert code(body + "\n\nThis function adds two numbers.") == body
    assert code("\n" + body + "\n```\n\nThe function above adds.") == body


def test_code_block_prefers_a_python_block_over_other_languages() -> None:
    output = f"```bash\npip install nothing\n```\n```python\n{FUNCTION}\n```"
    assert code(output) == FUNCTION


@pytest.mark.parametrize("output", [
    "",
    "I cannot help with that.",
    "```\n\nThis function takes a list and returns a list.",  # a fence, then only prose
    "<think>I should write a loop but I ran out of tokens",
])
def test_code_block_unparsed(output: str) -> None:
    assert code(output) is None


@pytest.mark.parametrize(("output", "expected"), [
    ("C", "C"),
    ("C.C.Zhang chose to travel by car.", "C"),
    ("c) Atrophy\n\nThe correct answer is c) Atrophy.", "C"),
    ("The answer is (B).", "B"),
    ("Answer: D", "D"),
    ("Sure! Let me think.\nB) is right because ...", "B"),
    ("<think>Maybe A? No, A is wrong.</think>The answer is C", "C"),
    ("A person who reads the passage would choose option B", "B"),
    ("I think it is D", "D"),
    ("(a)", "A"),
])
def test_choice_letter(output: str, expected: str) -> None:
    assert letter(output) == expected


@pytest.mark.parametrize("output", [
    "I am not sure about this one.",
    "A person cannot know.",
    "<think>It is B because",
])
def test_choice_letter_unparsed(output: str) -> None:
    assert letter(output) is None


@pytest.mark.parametrize(("output", "expected"), [
    ("The result is 480.", "480"),
    ("First 12, then 1,234.", "1234"),
    ("x = -3.50", "-3.5"),
    ("12.0", "12"),
    ("about 3/4 of it", "3/4"),
    ("<think>maybe 7</think>So 9", "9"),
])
def test_last_number(output: str, expected: str) -> None:
    assert number(output) == expected


def test_last_number_unparsed() -> None:
    assert number("no digits here") is None
    assert number("<think>42") is None


@pytest.mark.parametrize(("output", "expected"), [
    ("bathtub", "bathtub"),
    ("Sure! Here is the answer:\n\nbathtub\nbecause it was there", "bathtub"),
    ("Answer: **pantry**", "pantry"),
    ("<think>where?</think>\nkitchen", "kitchen"),
])
def test_first_line(output: str, expected: str) -> None:
    assert first_line(output) == expected


def test_first_line_unparsed_and_unknown_names() -> None:
    assert first_line("   \n  ") is None
    with pytest.raises(ValueError, match="unknown extraction 'code_block'"):
        extractor("code_block")
    assert all("@" in name for name in EXTRACTORS)
