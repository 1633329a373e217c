"""The first look of a matcher (bot/literals.py) never turns away a text that matches: what
`needed` says a pattern needs is in every normalized text RE2 finds it in, and keyword rules
match the same with and without it."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.literals import Literals, needed
from bot.regex import Pattern
from bot.text import normalize
from handlers.keywords import Keywords

PATTERNS = [
    "(要求|条件|门槛).{0,6}(什么|哪些|吗)", r"require(ment)?s?\b", "ab+c", "[ab]cd", "x{2,3}y",
    "(?i)HELLO", r"\d+元", "收入|赚多少", "Straße", "ΣΊΣΥΦΟΣ", "Kelvin", "ſs", "(a|b)(c|d)e",
    "怎么(报名|参加)?", "(?:退款|退钱)+", "[Kk]ey", "x{,3}z", r"\bvip\b", "包邮.*", "a.b",
    "Ⅻ号", "ＡＢＣ", "[[:alpha:]]+9", "(hi|)there", "(a+|b)c", "q(?:uu)*x",
]
# Characters near what the patterns look for, in every case and width.
ALPHABET = list("abcdekxyzsKSſKΣσςΊίΥυΦφΟοßẞ9元号 ")
ALPHABET += list("怎么报名参加退款钱包邮要求条件门槛什么吗收入赚多少")
ALPHABET += ["Ⅻ", "ＡＢＣ", "abc", "require", "REQUIREMENTS", "hello", "Vip", "there", "hi"]


def _found(pattern: str, text: str) -> bool:
    return Pattern(pattern).compiled.search(normalize(text)) is not None


def _looked(pattern: str, text: str) -> bool:
    needs = needed(pattern)
    return needs is None or Literals(needs).any_in(normalize(text))


def test_what_a_pattern_needs() -> None:
    assert needed("(要求|条件|门槛).{0,6}(什么|哪些|吗)") == {"要求", "条件", "门槛"}
    assert needed(r"require(ment)?s?\b") == {"require"}
    assert needed("(?i)HELLO") == {"hello"}
    assert needed(r"\d+元") == {"元"}
    for nothing_known in (".*", "a|.*", r"\d+", "[[:alpha:]]+9", r"\p{Han}", "(hi|)"):
        assert needed(nothing_known) is None, nothing_known


def test_literals_tell_whether_any_is_in_a_text() -> None:
    few, many = Literals(["收入", "vip"]), Literals(f"词{i}" for i in range(500))
    assert few.any_in("问下收入多少") and few.any_in("vip群") and not few.any_in("大家好")
    assert many.any_in("这是词499吧") and not many.any_in("词语")
    assert not Literals([]).any_in("anything") and not Literals([""]).any_in("")


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(PATTERNS), st.data())
def test_a_text_a_pattern_matches_always_has_what_it_needs(pattern: str, data: Any) -> None:
    pieces = st.lists(st.sampled_from(ALPHABET), max_size=12).map("".join)
    if pattern == "[[:alpha:]]+9":  # a class in RE2, characters in Python's re
        text = data.draw(pieces)
    else:
        text = data.draw(st.from_regex(pattern) | pieces)
    if _found(pattern, text):
        assert _looked(pattern, text), (pattern, text)


RULES: list[dict[str, Any]] = [
    {"id": "a", "patterns": ["报名", "ＶＩＰ"], "reply": "a"},
    {"id": "b", "match": "prefix", "patterns": ["请问"], "reply": "b"},
    {"id": "c", "match": "exact", "patterns": ["hi", "你好"], "reply": "c"},
    {"id": "d", "match": "regex", "patterns": ["(要求|条件).{0,6}(什么|吗)", "require(ment)?s?"],
     "reply": "d"},
    {"id": "e", "patterns": ["rules"], "reply": "e"},
]
WORDS = ["报名", "vip", "ＶＩＰ", "请问", "hi", "你好", "要求", "条件", "是什么", "吗", "require",
         "ments", "rules", "prules", "大家好", " ", "@小助手\u2005", "Ｒequire"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=6).map("".join))
def test_keyword_rules_match_the_same_with_and_without_the_first_look(text: str) -> None:
    looking = Keywords(Keywords.Config.model_validate({"rules": RULES}))
    matching = Keywords(Keywords.Config.model_validate({"rules": RULES}))
    matching._first_look = None  # every text goes through the automaton and the RE2 set
    assert looking.match(text) == matching.match(text)
