"""The pre-filter that spares plain chat the content detectors: it never clears a text that
a detector flags (the corpora, their pieces and random texts), and it does clear chat."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import opencc
from harness import read_yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.banned import BannedWords, Listed, Severity, simplified
from bot.config import Content
from bot.contacts import MARKER_STARTS, MINI_PROGRAM_KEY, find_contacts, find_links
from bot.prefilter import (
    _DIGITS,
    _PUNCTUATION,
    Prefilter,
    _convertible,
    _few_digits,
    _safe_run,
)

ROOT = Path(__file__).resolve().parent.parent
WORDS = ROOT / "content" / "words"
LISTED = [word for path in sorted(WORDS.glob("*.txt")) if path.name != "allow.txt"
          for word in Content(path.name, path.read_text("utf-8")).lines()]
CORPUS = [text for name in ("moderation.yaml", "heldout.yaml", "innocent.yaml")
          for case in read_yaml(ROOT / "tests" / "corpus" / name)["cases"]
          for text in case.get("messages") or [case["text"]]]
CHAT = ["大家好", "今天天气不错", "请问培训什么时候开始？", "我已经提交资料了 1234", "好的收到",
        "这个月的结算什么时候到账", "哈哈哈", "有人在吗", "谢谢小助手", "明天见，下午3点开会",
        "#接龙 周六聚餐～", "在看《三体》【好看】", "【通知】明天下午3点开会", "「好的」"]


@cache
def words() -> BannedWords:
    return BannedWords([Listed(word, "x", Severity.WARN, 0) for word in LISTED])


@cache
def prefilter() -> Prefilter:
    return Prefilter(words())


@cache
def to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def flagged(text: str) -> bool:
    """What the content detectors find in the text, read in full."""
    return bool(find_links(text) or find_contacts(text) or words().find(text))


def test_plain_chat_is_cleared() -> None:
    assert all(prefilter().clean(text) for text in CHAT)


def test_chat_with_a_common_character_of_a_listed_word_is_cleared() -> None:
    """A listed word is known by its rarest character: 果聊 by 聊 and 女票女昌 by 票, not by
    the 果 of 如果 and 结果 or the 女 of 女生 (s37 f13), which would send much chat through
    every detector."""
    assert all(prefilter().clean(text) for text in ("如果明天下雨就改期", "结果出来了",
                                                    "女生们先签到"))


def test_nothing_the_corpora_flag_is_cleared() -> None:
    texts = [*CORPUS, *(t for text in CORPUS for t in (text[:len(text) // 2],
                                                         text[len(text) // 2:]))]
    cleared = [text for text in texts if prefilter().clean(text)]
    assert cleared, "the corpora's innocent sentences include plain chat"
    assert [text for text in cleared if flagged(text)] == []


def test_what_could_be_a_detail_is_not_cleared() -> None:
    """Each needs a detector: a phone in Chinese numerals, an IP address with 点, 點 or 丶
    (also in brackets), a Chinese domain with a bracketed 点, a marker, a listed word, the
    same in traditional characters, and Latin letters."""
    for text in ("一三八零零一三八零零零", "12点34点56点78", "12丶34丶56丶78",
                 "192【点】168【点】1【点】1",
                 "103「 点 」45「点」67「点」89", "例子《点》中国", "12點34點56點78",
                 "192【點】168【點】1【點】1", "加微信", "一夜情",
                 "一夜情".join("看了"), to_traditional().convert("黄色网站"), "ok"):
        assert not prefilter().clean(text), text


# Pieces random texts are made of: chat, listed words and their traditional forms, numerals,
# digits, dots, markers, punctuation, Latin letters, characters traditional only in phrases.
PIECES = [*CHAT, *LISTED, *(to_traditional().convert(word) for word in LISTED),
          *"0123456789一二三四五六七八九零幺么两洞拐勾ⅠⅢⅤ点。.，, ：:？!、丶丨微薇威扣企球vxqat@*",
          *"#＃~～《》【】「」()", "【点】", "「点」", "《 点 》",
          "瞭解", "藉口", "答覆", "甦醒", "著", "臺", "遊戲", "約", "視頻", " ", "\n", "com"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.sampled_from(CORPUS), min_size=1, max_size=8))
def test_a_cleared_text_is_never_flagged(pieces: list[str]) -> None:
    text = "".join(pieces)
    if prefilter().clean(text):
        assert not flagged(text), text


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES) | st.sampled_from(CORPUS), min_size=1,
                         max_size=4).map("".join), min_size=2, max_size=6))
def test_messages_said_to_hold_no_contact_together_hold_none(messages: list[str]) -> None:
    """The split-contact detector reads a member's last messages joined by line breaks."""
    joined = "\n".join(messages)
    if prefilter().no_contact(joined):
        assert not find_contacts(joined), joined


def test_a_phone_over_several_messages_is_not_said_to_hold_no_contact() -> None:
    for messages in (["138 0013", "8000"], ["一三八", "零零一三", "八零零零"],
                     ["电话", "加微", "信"]):
        assert not prefilter().no_contact("\n".join(messages)), messages
    assert prefilter().no_contact("\n".join(["今天 12 点", "开会 345", "好的 6789"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES) | st.sampled_from(CORPUS), min_size=1,
                         max_size=4).map("".join), min_size=2, max_size=6))
def test_a_message_said_to_hold_no_part_of_a_contact_completes_none(
        messages: list[str]) -> None:
    """Read after a member's earlier messages, it adds no contact detail to theirs."""
    *earlier, last = messages
    if prefilter().no_contact_part(last):
        assert set(find_contacts("\n".join(messages))) <= set(
            find_contacts("\n".join(earlier))), messages


def test_a_digit_or_a_marker_may_be_part_of_a_contact() -> None:
    for text in ("8000", "好的 2", "零", "幺", "拐", "勾", "Ⅲ", "微", "加 v", "@", "com"):
        assert not prefilter().no_contact_part(text), text
    assert all(prefilter().no_contact_part(text) for text in ("好的", "谢谢！", "【通知】开会"))


def _dictionaries(node: Any) -> Iterator[str]:
    """The files of the dictionaries an OpenCC config names."""
    if isinstance(node, dict):
        if node.get("type") == "ocd2":
            yield node["file"]
        for value in node.values():
            yield from _dictionaries(value)
    elif isinstance(node, list):
        for value in node:
            yield from _dictionaries(value)


def _cleared(char: str) -> bool:
    """A character a cleared text may hold once normalized: a CJK character, ASCII (digits,
    punctuation) or the CJK punctuation NFKC leaves."""
    return "\u4e00" <= char <= "\u9fff" or char.isascii() or char in "、。“”《》「」【】"


def test_a_text_without_a_convertible_character_needs_no_conversion(tmp_path: Path) -> None:
    """Every key of OpenCC's traditional-to-simplified dictionaries that the conversion
    changes, of the characters a cleared text has, holds one the pre-filter takes for
    convertible: in a text without any, nothing is changed, so it is not converted. (The
    keys are read with the dictionary tool OpenCC ships.)"""
    clib = Path(opencc.__file__).parent / "clib"
    share = clib / "share" / "opencc"
    files = set(_dictionaries(json.loads((share / "t2s.json").read_text("utf-8"))))
    assert "TSPhrases.ocd2" in files
    changed = 0
    for name in sorted(files):
        dumped = tmp_path / f"{name}.txt"
        subprocess.run([clib / "bin" / "opencc_dict", "-i", share / name, "-o", dumped,
                        "-f", "ocd2", "-t", "text"], check=True)
        for line in dumped.read_text("utf-8").splitlines():
            key = line.split("\t")[0]
            if all(_cleared(c) for c in key) and simplified(key) != key:
                changed += 1
                assert _convertible().search(key), (name, key)
    assert changed > 3000  # the characters and the phrases were read


def test_chat_has_no_convertible_character_and_traditional_text_has() -> None:
    assert not any(_convertible().search(text) for text in CHAT)
    for text in ("臺灣", "遊戲", "深沈", "答覆", "瞭解"):
        assert _convertible().search(text), text


def test_a_safe_run_is_every_safe_character_and_nothing_else() -> None:
    """`_safe_run` writes the CJK block's safe characters as the ranges between its unsafe
    ones: at the block's ends too (一 is U+4E00, the last U+9FFF), with unsafe characters
    side by side (丰 丱) or one apart, digits and punctuation unsafe or not, and an unsafe
    key of two characters, which is no character."""
    unsafe = frozenset("一\u9fff中丰丱点。7abc") | frozenset({"多字"}) | words().keys
    expected = ({chr(cp) for cp in range(0x4E00, 0xA000)} | set("0123456789" + _PUNCTUATION)) \
        - unsafe
    run = _safe_run(unsafe)
    assert {chr(cp) for cp in range(0x30000) if run.fullmatch(chr(cp))} == expected
    assert run.fullmatch("") and run.fullmatch("你好，今天 12") and not run.fullmatch("中")
    assert {c for c in map(chr, range(0x4E00, 0xA000)) if prefilter()._safe.fullmatch(c)} == {
        c for c in map(chr, range(0x4E00, 0xA000))} - prefilter_unsafe()


def prefilter_unsafe() -> frozenset[str]:
    return frozenset(MARKER_STARTS + MINI_PROGRAM_KEY + "丶") | words().keys


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"一二九零〇幺两0379中丰丱点。7abc多字 ，\n", *sorted(_DIGITS)]),
                max_size=30).map("".join))
def test_a_run_with_few_digits_is_a_safe_run_with_fewer_than_eleven_digits(text: str) -> None:
    """`_few_digits` (plain chat told apart in one scan): exactly the texts `_safe_run` takes
    that hold fewer than 11 digits, counted as a phone number counts them (Chinese numerals
    too)."""
    unsafe = frozenset("中丰丱点。7abc") | frozenset({"多字"})
    digits = sum(1 for c in text if c in _DIGITS)
    expected = _safe_run(unsafe).fullmatch(text) is not None and digits < 11
    assert (_few_digits(unsafe).fullmatch(text) is not None) == expected, (text, digits)


def test_a_run_with_eleven_digits_is_not_few() -> None:
    few = _few_digits(frozenset("中"))
    assert few.fullmatch("电话 138 0013 800") and few.fullmatch("一三八零零一三八零零")
    assert not few.fullmatch("电话 138 0013 8000") and not few.fullmatch("一三八零零一三八零零零")
    assert not few.fullmatch("138 0013 800 中")
