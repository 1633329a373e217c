"""A reload of a large config does each piece of work once: the walk for warnings reads a
rule's words once, and a file whose text is as it was is not parsed again. What an operator
gets stays the same: the data, the warnings, and every error at its file and line."""

from __future__ import annotations

from typing import Any

import pytest

from bot import config
from handlers import REGISTRY


def test_a_rules_words_are_read_once_by_the_walk_for_warnings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk for warnings reads a list of words (a rule's `patterns`) once, for words
    written as regular expressions, and does not go over it again for leaves it cannot
    hold (5,000 rules: 15,000 words); a rule's patterns that are regexes are still walked
    for their warnings, and a regex-looking word is still warned of."""
    rules = REGISTRY["keywords"].Config.model_validate({"rules": [
        {"patterns": ["价格|多少钱", "报价"], "reply": "x"},
        {"match": "regex", "patterns": ["c", "d+"], "reply": "y"}]})
    walked: list[tuple[Any, ...]] = []
    collect = config._collect

    def spied(value: Any, path: tuple[Any, ...], found: list[Any]) -> None:
        walked.append(path)
        collect(value, path, found)

    monkeypatch.setattr(config, "_collect", spied)
    found = config._leaves(rules)
    assert [path for path, _ in found] == [("rules", 0, "patterns", 0),
                                           ("rules", 1, "patterns", 0),
                                           ("rules", 1, "patterns", 1)]
    assert "is matched as written" in found[0][1].text
    assert ("rules", 1, "patterns") in walked and ("rules", 0, "patterns") not in walked


@pytest.mark.parametrize("text, names, shown", [
    ("回答 1：请看群公告", set(), "回答 1：请看群公告"),  # no placeholder: nothing parsed
    ("{member} 你好", {"member"}, "M 你好"),
    ("{{member}} 是占位符", set(), "{member} 是占位符"),
])
def test_a_reply_reads_the_same_with_or_without_placeholders(
        text: str, names: set[str], shown: str) -> None:
    reply = config.placeholders("member", "group").func(config._template(text))
    assert reply.names == names and reply.render({"member": "M"}) == shown


def test_an_unknown_placeholder_is_still_refused_with_those_available() -> None:
    with pytest.raises(ValueError, match=r"unknown placeholder \{count\}; available: "
                                         r"\{member\}, \{group\}"):
        config.placeholders("member", "group").func(config._template("{count} 人"))
