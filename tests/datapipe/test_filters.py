"""Every reason of every text filter: a document that trips it, and the prose that passes."""

from __future__ import annotations

import pytest

from datapipe.document import Document
from datapipe.filters.boilerplate import Boilerplate
from datapipe.filters.garbled import Garbled
from datapipe.filters.normalize import Normalize
from datapipe.filters.quality import C4Lines, FineWebQuality, GopherQuality
from datapipe.filters.repetition import GopherRepetition
from datapipe.filters.toxicity import Toxicity
from datapipe.steps import Filter
from tests.datapipe.conftest import GOOD_TEXT

FILTERS = [Garbled, Toxicity, Boilerplate, GopherRepetition, GopherQuality, C4Lines,
           FineWebQuality]


def unique_words(n: int, prefix: str = "w") -> list[str]:
    """Distinct filler words (letters only, so they read as words)."""
    letters = "bcdfghjklmnpqrstvwxz"
    return [prefix + "".join(letters[(i // 20 ** k) % 20] for k in range(3)) for i in range(n)]


def repeated_ngram(n: int, ratio: float) -> str:
    """One line where an n-word sequence occurs twice, its last word long, so that only the
    duplicated-n-gram rule for this n sees more than `ratio` of the characters repeated; its
    first words are one letter long, so the top 2-4-gram rules stay below their limits."""
    seq = [chr(ord("a") + i) for i in range(n - 1)] + ["q" * 40]
    dup_chars = sum(map(len, seq))
    filler = unique_words(400)
    # total chars ~ 2 * (dup_chars + n) + len(filler words) -> solve for how much filler
    words, total = [], 2 * (dup_chars + n)
    while filler and dup_chars / (total + len(filler[0]) + 1) > ratio + 0.005:
        w = filler.pop()
        words.append(w)
        total += len(w) + 1
    half = len(words) // 2
    return " ".join(words[:half] + seq + words[half:] + seq)


def para(words: list[str]) -> str:
    return " ".join(words) + "."


CASES = [
    (Garbled, "replacement_chars", GOOD_TEXT + " \ufffd\ufffd\ufffd\ufffd\ufffd"),
    (Garbled, "private_use_chars", GOOD_TEXT + " \ue000\ue001\ue002\ue003\ue004"),
    (Garbled, "control_chars", GOOD_TEXT + " \x07\x07\x07\x07\x07"),
    (Garbled, "symbol_ratio", GOOD_TEXT + " ~~~~ ^^^^ |||| @@@@" * 30),
    (Garbled, "mojibake", GOOD_TEXT.replace("keeper's", "keeperÃ¢â‚¬â„¢s") + " Itâ€™s â€œgoodâ€."),
    (Garbled, "empty", ""),
    (Toxicity, "lexicon", "You are a fucking idiot, fuck off and go away."),
    (Toxicity, "lexicon", "你这个傻逼，去死吧，王八蛋。"),
    (Toxicity, "profanity_model", "you are an idiot and a moron, shut up you stupid loser"),
    (Boilerplate, "lorem_ipsum", GOOD_TEXT + "\nLorem ipsum dolor sit amet, consectetur."),
    (Boilerplate, "curly_bracket", GOOD_TEXT + "\nfunction f() { return 1; }"),
    (Boilerplate, "url_ratio", "See https://example.com/a/very/long/path/to/a/page/index.html "
                               "and https://example.org/another/long/path/for/the/reader.html now."),
    (Boilerplate, "boilerplate_lines", "This site uses cookies.\nRead our privacy policy.\n"
                                       "Please enable JavaScript.\nWelcome."),
    (GopherRepetition, "dup_para_frac", "\n\n".join(["Same paragraph here."] * 3 + ["Other."])),
    (GopherRepetition, "dup_para_char_frac",
     "\n\n".join([para(unique_words(40, "r"))] * 2 + [para(unique_words(5, p)) for p in "abcde"])),
    (GopherRepetition, "empty", ""),
    (GopherRepetition, "dup_line_frac", "line one.\nline one.\nline one.\nline two."),
    (GopherRepetition, "dup_line_char_frac",
     "\n".join([para(unique_words(40, "r"))] * 2 + [para(unique_words(5, p)) for p in "abcdef"])),
    (GopherRepetition, "top_2_gram", " ".join(f"alpha beta {w}" for w in unique_words(60))),
    (GopherRepetition, "top_3_gram",
     " ".join(f"ab cd efghijklm {w}" if i % 2 else w for i, w in enumerate(unique_words(120)))),
    (GopherRepetition, "top_4_gram",
     " ".join(f"a b c defghijklmnopqrstu {w}" if i % 3 == 0 else w
              for i, w in enumerate(unique_words(160)))),
    *[(GopherRepetition, f"duplicated_{n}_gram", repeated_ngram(n, frac))
      for n, frac in [(5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)]],
    (GopherQuality, "too_few_words", "Just a few words here, and that is all."),
    (GopherQuality, "too_many_words", "the word and " * 33_400),
    (GopherQuality, "mean_word_length_low", "I am at it, so we go to be by me. " * 8),
    (GopherQuality, "mean_word_length_high",
     "the and internationalization characteristically " * 20),
    (GopherQuality, "hash_ratio", GOOD_TEXT + " #tag" * 20),
    (GopherQuality, "ellipsis_ratio", GOOD_TEXT + " wait..." * 20),
    (GopherQuality, "bullet_lines", "\n".join(f"- the item {w} of the list with words"
                                              for w in unique_words(12))),
    (GopherQuality, "ellipsis_lines", "\n".join(f"the story of {w} and the sea went on and on..."
                                                for w in unique_words(8))),
    (GopherQuality, "alpha_words", GOOD_TEXT + " " + " ".join(str(i) for i in range(100))),
    (GopherQuality, "stop_words", " ".join(["cats chase mice quickly across gardens"] * 10)),
    (C4Lines, "too_few_sentences", "One sentence only, and a long one at that.\nok\nyes"),
    (FineWebQuality, "empty", "\n\n  \n"),
    (FineWebQuality, "line_punct_ratio", "\n".join(f"a line about {w} without an end mark"
                                                   for w in unique_words(10))),
    (FineWebQuality, "short_line_ratio", "\n".join(f"Short {w}." for w in unique_words(10))),
    (FineWebQuality, "char_dup_ratio", GOOD_TEXT + "\nThis line appears twice in the text.\n"
                                       "This line appears twice in the text."),
    (FineWebQuality, "list_ratio", "\n".join(f"Supercalifragilisticexpialidocious{w}!"
                                             for w in unique_words(10))),
]


@pytest.mark.parametrize(("cls", "reason", "text"), CASES,
                         ids=[f"{c.name}-{r}" for c, r, _ in CASES])
def test_filter_trips_with_reason(cls: type[Filter], reason: str, text: str) -> None:
    assert cls().filter(Document(id="bad", text=text)) == reason


@pytest.mark.parametrize("cls", FILTERS, ids=[c.name for c in FILTERS])
def test_good_prose_passes_every_filter_unchanged(cls: type[Filter]) -> None:
    doc = Document(id="good", text=GOOD_TEXT)
    assert cls().filter(doc) is None
    assert doc.text == GOOD_TEXT


def test_every_reason_in_the_source_has_a_case() -> None:
    import inspect
    import re

    covered = {r for _, r, _ in CASES}
    for module in {inspect.getmodule(cls) for cls in FILTERS}:
        found = set(re.findall(r'return "([a-z0-9_]+)"', inspect.getsource(module)))
        assert found <= covered, found - covered
    assert {f"top_{n}_gram" for n in (2, 3, 4)} <= covered
    assert {f"duplicated_{n}_gram" for n in range(5, 11)} <= covered


def test_long_text_with_one_swear_word_is_kept() -> None:
    doc = Document(id="ok", text=GOOD_TEXT + " The keeper said the storm was a shitty night.")
    assert Toxicity().filter(doc) is None


def test_lexicon_matches_whole_words_only() -> None:
    assert Toxicity().flagged_ratio("a scunthorpe analysis of cocktails") == 0.0
    assert Toxicity().flagged_ratio("shit happens") == 0.5


def test_boilerplate_removes_policy_lines_and_counts_the_change() -> None:
    doc = Document(id="p", text=GOOD_TEXT + "\nThis website uses cookies to improve things.")
    assert Boilerplate().filter(doc) is None
    assert doc.text == GOOD_TEXT


def test_c4_drops_citations_and_long_word_lines() -> None:
    text = GOOD_TEXT.replace("century.", "century.[1]") + "\n" + "x" * 1001 + " tail words here."
    doc = Document(id="c", text=text)
    assert C4Lines().filter(doc) is None
    assert doc.text == GOOD_TEXT


def test_normalize_repairs_mojibake_and_composes_nfc() -> None:
    doc = Document(id="n", text="The café’s owner said â€œhelloâ€\u009d. Cafe\u0301 again.")
    changes = Normalize().apply(doc)
    assert doc.text == "The café’s owner said “hello”. Café again."
    assert changes == {"ftfy": 1, "nfc": 1}


def test_normalize_fast_path_leaves_plain_ascii_as_ftfy_would() -> None:
    import random

    import ftfy

    step = Normalize()
    rng = random.Random(0)
    alphabet = [chr(c) for c in range(32, 127) if chr(c) != "&"] + ["\n", "\t", "\r"]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 200)))
        assert step.repair(text) == ftfy.fix_text(text, config=step._config)
    assert step.repair("Fish &amp; chips") == "Fish & chips"  # entities still reach ftfy


def test_chinese_prose_passes_the_quality_rules() -> None:
    text = ("长城是中国古代的军事防御工程，是一道高大、坚固而且连绵不断的长垣，用以限隔敌骑的行动。"
            "长城不是一道单纯孤立的城墙，而是以城墙为主体，同大量的城、障、亭、标相结合的防御体系。\n\n"
            "长城修筑的历史可上溯到西周时期。春秋战国时期列国争霸，互相防守，长城修筑进入第一个高潮。\n\n"
            "秦灭六国统一天下后，秦始皇连接和修缮战国长城，始有万里长城之称。明朝是最后一个大规模修筑"
            "长城的朝代，今天人们所看到的长城多是此时修筑。")
    for cls in FILTERS:
        assert cls().filter(Document(id="zh", text=text)) is None, cls.name
