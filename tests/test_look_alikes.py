"""Letters and digits of other scripts that look like ASCII ones, read as what they look like
by the content detectors, capitals too (review s36 R14-4)."""

from __future__ import annotations

import unicodedata

import pytest

from bot import text as text_module
from bot.contacts import Finding, find_contacts, find_links
from bot.text import look_alikes, unmask


def test_every_look_alike_reads_as_the_letter_or_digit_it_looks_like() -> None:
    """Each entry of the table, alone. Case folding ran before the table was read, so its
    capitals were lost: Cyrillic З (3) became з, in no entry; Greek Η (h) became η, which
    reads n. A character that NFKC changes reads as what it becomes (𝚴 as Ν, 𝟏 as 1, ſ as
    s), and the Roman numerals Ⅰ-Ⅸ are digits (bot/text.py `_roman_digits`)."""
    found = look_alikes()
    wrong = []
    for cp, looks_like in {**found.letters, **found.digits}.items():
        char = chr(cp)
        if cp in text_module._ROMAN_DIGITS:
            continue
        compatible = unicodedata.normalize("NFKC", char)
        expected = looks_like if compatible == char else unmask(compatible)
        if unmask(char) != expected:
            wrong.append(f"{char} U+{cp:04X} {unicodedata.name(char, '?')}: "
                         f"{unmask(char)!r}, not {expected!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("text", "found"), [
    ("1З8 0013 8000 兼职", Finding("phone", "13800138000")),  # Cyrillic capital Ze
    ("1Ʒ8 0013 8000 兼职", Finding("phone", "13800138000")),  # Latin capital Ezh
    ("WΧ：abc12345", Finding("wechat", "abc12345")),  # Greek capital Chi
    ("WEIΧIN：abc12345", Finding("wechat", "abc12345")),
    ("WЕСНАТ：abc12345", Finding("wechat", "abc12345")),  # Cyrillic capitals
    ("WΕCΗΑΤ：abc12345", Finding("wechat", "abc12345")),  # Greek capitals (Η is h, η is n)
    ("𝐖𝚾：abc12345", Finding("wechat", "abc12345")),  # a mathematical Chi is a Chi
])
def test_capital_look_alikes_of_other_scripts_are_read_as_ascii(text: str,
                                                                found: Finding) -> None:
    assert find_contacts(text) == [found]


def test_a_domain_in_greek_capitals_is_a_link() -> None:
    assert find_links("领券 EVIL.ΝΕΤ/x") == [Finding("link", "evil.net")]


@pytest.mark.parametrize("text", [
    "Привет, как дела? Завтра в 13:00", "ΑΒΓ 三角形的边长 3、4、5", "Σ 求和，Δ 是变化量",
    "ΗΝΤ 这几个希腊字母怎么读", "俄语 ЗДРАВСТВУЙТЕ 是你好"])
def test_capitals_of_other_scripts_in_chat_are_no_contact(text: str) -> None:
    assert find_contacts(text) == []
    assert find_links(text) == []
