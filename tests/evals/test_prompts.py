"""Templates: chat and completion, zero- and few-shot, the instruction wrapping the last user
turn, and few-shot examples that never include the item itself."""

from __future__ import annotations

from evals.prompts import fewshot_examples, render
from evals.records import Doc, Message
from evals.task import PromptTemplate

SYSTEM = Message(role="system", content="Answer with a letter.")


def doc(i: int) -> Doc:
    return Doc(id=str(i), input=[SYSTEM, Message(role="user", content=f"Q{i}?")],
               references=[f"A{i}"])


POOL = [doc(i) for i in range(5)]


def test_chat_zero_shot_keeps_the_items_messages() -> None:
    assert render(PromptTemplate(), POOL[0]) == list(POOL[0].input)


def test_chat_few_shot_puts_solved_turns_after_the_system_message() -> None:
    template = PromptTemplate(fewshot=2, instruction="Question: {input}")
    examples = fewshot_examples(POOL, POOL[0], 2)
    assert [e.id for e in examples] == ["3", "4"]
    messages = render(template, POOL[0], examples)
    assert [(m.role, m.content) for m in messages] == [
        ("system", "Answer with a letter."),
        ("user", "Question: Q3?"), ("assistant", "A3"),
        ("user", "Question: Q4?"), ("assistant", "A4"),
        ("user", "Question: Q0?")]


def test_few_shot_never_uses_the_item_itself() -> None:
    assert [e.id for e in fewshot_examples(POOL, POOL[4], 2)] == ["2", "3"]
    assert fewshot_examples(POOL, POOL[0], 0) == []


def test_completion_text_few_shot() -> None:
    template = PromptTemplate(style="completion", fewshot=1, instruction="{input}\nAnswer:")
    text = render(template, POOL[0], fewshot_examples(POOL, POOL[0], 1))
    assert text == "Answer with a letter.\nQ4?\nAnswer: A4\n\nQ0?\nAnswer:"


def test_completion_choices_and_braces() -> None:
    mc = Doc(id="m", input="Which {set}?", choices=[" A", " B"], gold=1)
    template = PromptTemplate(style="completion", fewshot=1, system="Sys {x}")
    assert render(template, POOL[1], [mc]) == "Sys {x}\nWhich {set}? B\n\nQ1?"
    # A system override replaces the item's own system message in chat too.
    assert render(PromptTemplate(system="New"), POOL[1])[0].content == "New"
