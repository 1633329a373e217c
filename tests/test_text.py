"""What the shared text pipeline catches, and the ordinary chat it leaves alone."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import text as text_module
from bot.text import WordMatcher, command, normalize, strip_mentions, unmask

# --- normalize -----------------------------------------------------------------------------


def test_full_width_text_reads_as_half_width_lower_case() -> None:
    assert normalize("ＶＩＰ会员　ＷＷＷ．ＡＢＣ．ＣＯＭ") == "vip会员 www.abc.com"


def test_invisible_characters_are_dropped() -> None:
    assert normalize("广\u200b告\u200d\ufeff\u00ad词\u2060\ufe0f") == "广告词"


def test_the_written_out_format_characters_are_unicodes_own() -> None:
    """bot/text.py lists the format characters (category Cf) instead of scanning Unicode at
    every import: they are the ones this Python's unicodedata knows, in every plane. When
    this fails after a Python upgrade, write out `found` as the new table."""
    found: list[tuple[int, int]] = []
    for cp in range(0x110000):
        if unicodedata.category(chr(cp)) == "Cf":
            if found and found[-1][1] == cp - 1:
                found[-1] = (found[-1][0], cp)
            else:
                found.append((cp, cp))
    assert list(text_module._FORMAT_RANGES) == found, f"Unicode {unicodedata.unidata_version}"
    assert text_module._FORMAT_CHARS <= text_module._INVISIBLE
    # an Arabic number sign, an Egyptian hieroglyph joiner and a tag are dropped as well
    assert normalize("广\u0600告\U00013430词\U000E0041") == "广告词"


def test_traditional_characters_are_read_as_simplified() -> None:
    """Review s33a Q10: 「簽到」「我的數據」「報名」「開始考試」 (a phone set to traditional
    characters) matched no command; OpenCC's words too ("乾杯" is "干杯", "乾隆" stays)."""
    assert [command(t) for t in ("簽到", "@小助手\u2005我的數據！", "報名", "開始考試")] == [
        "签到", "我的数据", "报名", "开始考试"]
    assert normalize("乾杯，乾隆") == "干杯,乾隆"
    assert normalize("签到 答覆") == "签到 答覆"  # no character changed alone: left as it is


def test_the_traditional_characters_file_is_opencc_s() -> None:
    """bot/traditional.txt, the characters `simplified` looks for, is what OpenCC changes."""
    written = text_module.TRADITIONAL_CHARS_FILE.read_text("utf-8").strip()
    assert written == text_module.traditional_chars(), "write the file again (bot/text.py)"


def test_the_shortcuts_for_plain_chinese_text_fold_as_nfkc_and_case_folding_do() -> None:
    """`folded` reads text of only these characters without NFKC: each character, alone and
    next to the others that are not Chinese characters, folds as the full way folds it."""
    plain = [chr(cp) for cp in range(0x110000)
             if text_module._WIDE_CHINESE.fullmatch(chr(cp))]
    assert len(plain) > 27_000  # printable ASCII, the Chinese characters, the forms
    for char in plain:
        assert text_module.folded(f"A{char}z") == text_module.fully_folded(f"A{char}z"), char
    others = [char for char in plain if not "\u3400" <= char <= "\u9fff"]
    for first in others:
        for second in others:
            pair = first + second
            assert text_module.folded(pair) == text_module.fully_folded(pair), pair


def test_normalizing_plain_chinese_in_one_scan_is_folding_and_simplifying() -> None:
    """`normalize` reads most chat in one scan, without `folded` and `simplified`: each
    character `folded`'s shortcut reads, alone and between letters, normalizes as the two
    do (a traditional one too: "乾" alone stays, "乾杯" is "干杯")."""
    plain = [chr(cp) for cp in range(0x10000) if text_module._PLAIN_CHINESE.fullmatch(chr(cp))]
    for char in plain:
        for text in (char, f"A{char}z", f"{char}杯"):
            assert normalize.__wrapped__(text) == text_module.simplified(
                text_module.folded(text)), text


@given(st.text(alphabet=st.sampled_from("签到，？！Ａｚ　 \t。、“”—ﬁ①\u200bΣς")))
def test_text_with_or_without_the_shortcut_folds_the_same(text: str) -> None:
    assert text_module.folded(text) == text_module.fully_folded(text)


def test_whitespace_runs_become_one_space() -> None:
    assert normalize("  hello \t\n  world\u3000 ") == "hello world"


def test_chinese_characters_are_kept_and_full_width_punctuation_becomes_ascii() -> None:
    assert normalize("今天下午三点开会，记得带电脑！") == "今天下午三点开会,记得带电脑!"


@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


# --- unmask --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unmasked"),
    [
        ("⑴⑶⑻", "138"),  # parenthesized digits, which NFKC would spell "(1)(3)(8)"
        ("❶❸❽⓿", "1380"),
        ("1️⃣3️⃣8️⃣", "138"),  # keycaps
        ("𝟏𝟑𝟖", "138"),  # mathematical digits
        ("wеіхіn", "weixin"),  # Cyrillic е і х
        ("vх", "vx"),
        ("ＷＸ", "wx"),
    ],
)
def test_unmask_reads_every_digit_style_and_look_alike_letter(text: str, unmasked: str) -> None:
    assert unmask(text) == unmasked


@pytest.mark.parametrize(
    ("text", "unmasked"),
    [("🇼🇽：abc12345", "wx:abc12345"), ("🇶🇶 12345678", "qq 12345678"), ("🇻 🇽", "v x"),
     ("🇨🇳 加油", "🇨🇳 加油"), ("🇨🇳🇺🇸", "🇨🇳🇺🇸"), ("🇼🇽🇨🇳", "wx🇨🇳"), ("🇻🇨🇳", "🇻🇨n")],
)
def test_regional_indicators_are_letters_unless_they_make_a_flag(text: str,
                                                                 unmasked: str) -> None:
    """Two are a flag only where emoji has one (a country's); WX, QQ, VX are shown as
    letters, and read as them (review s32a T4). Unicode pairs a run from its start."""
    assert unmask(text) == unmasked


@pytest.mark.parametrize(("text", "unmasked"), [("ωx", "wx"), ("ΩX", "wx"), ("(・ω・)", "(・w・)")])
def test_omega_is_w(text: str, unmasked: str) -> None:
    assert unmask(text) == unmasked


def test_unmask_never_folds_chinese_characters() -> None:
    assert unmask("口一〇二") == "口一〇二"


@given(st.text())
def test_unmask_is_idempotent(text: str) -> None:
    assert unmask(unmask(text)) == unmask(text)


# --- mentions ------------------------------------------------------------------------------


def test_an_at_sign_is_a_mention_only_when_the_platform_says_so() -> None:
    assert strip_mentions("abc@qq.com @13800138000", ()) == "abc@qq.com @13800138000"
    assert strip_mentions("@张三\u2005你好 abc@qq.com", ["张三"]) == "你好 abc@qq.com"
    assert strip_mentions("/警告@bob\u2005", ["bob"]) == "/警告"
    assert strip_mentions("@bob hi x@y.com", ["bob"]) == "hi x@y.com"
    assert strip_mentions("@Bob Li\u2005 你好", ["Bob Li"]) == "你好"  # a name with a space


def test_only_the_mentions_of_the_members_the_platform_names_are_taken_away() -> None:
    # anyone can type U+2005: a made-up mention before the real one stays text
    fake = "@加微信abc12345\u2005@Bob\u2005 兼职日结"
    assert strip_mentions(fake, ["Bob"]) == "@加微信abc12345\u2005兼职日结"
    assert strip_mentions("@Bobby\u2005 hi", ["Bob"]) == "@Bobby\u2005 hi"
    assert strip_mentions("x@bob.com hi", ["bob.com"]) == "x@bob.com hi"


# --- word lists ----------------------------------------------------------------------------


def test_a_chinese_word_inside_a_sentence_matches() -> None:
    matcher = WordMatcher([("广告", "ad")])
    text = normalize("这是广告吗")
    assert matcher.find_all(text) == [(2, 4, "ad")]
    assert matcher.first(text) == (2, 4, "ad")


def test_an_empty_matcher_matches_nothing() -> None:
    matcher: WordMatcher[str] = WordMatcher([])
    assert matcher.find_all("anything") == []
    assert matcher.first("anything") is None
    assert WordMatcher([(" ", 1)]).find_all("a b") == []


def test_full_width_and_any_case_match_the_same_word() -> None:
    matcher = WordMatcher([("ＶＩＰ群", 1), ("Free", 2)])
    assert [value for _, _, value in matcher.find_all(normalize("加入vip群 FREE"))] == [1, 2]


def test_whole_word_rejects_a_latin_word_inside_a_longer_one() -> None:
    matcher = WordMatcher(
        [("rules", "whole", True), ("rules", "part", False), ("规则", "cn", True)]
    )
    assert [value for _, _, value in matcher.find_all("prules")] == ["part"]
    assert [value for _, _, value in matcher.find_all("rules2")] == ["part"]
    assert [value for _, _, value in matcher.find_all("read the rules!")] == ["whole", "part"]
    assert [value for _, _, value in matcher.find_all("群规则123")] == ["cn"]


def test_matches_are_ordered_by_start_longest_first() -> None:
    matcher = WordMatcher([("广告", 1), ("发广告", 2), ("告", 3)])
    assert matcher.find_all("别发广告") == [(1, 4, 2), (2, 4, 1), (3, 4, 3)]


def test_ten_thousand_patterns_build_and_match() -> None:
    matcher = WordMatcher([(f"违禁词{i}号", i) for i in range(10_000)])
    assert matcher.first(normalize("这里有违禁词9999号")) == (3, 11, 9999)
    assert matcher.first("干净的消息") is None


def test_building_a_matcher_of_many_patterns_leaves_the_message_cache_alone() -> None:
    """normalize() keeps the texts of the last messages (each handler normalizes the same
    message again): a reload's thousands of keyword patterns, each normalized once, do not
    push them out."""
    normalize.cache_clear()
    normalize("请问培训什么时候开始？")
    WordMatcher([(f"问题{i}号", i) for i in range(1000)])
    assert normalize.cache_info().currsize == 1
    normalize("请问培训什么时候开始？")
    assert normalize.cache_info().hits == 1
    assert WordMatcher([("ＶＩＰ群", 1)]).words == {normalize("ＶＩＰ群")}


# --- commands ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "read"),
    [("签到", "签到"), ("签到！", "签到"), ("签到✅", "签到"), ("【签到】", "签到"),
     ("#签到", "签到"), ("签到👍🏻", "签到"), ("「开始考试」😊", "开始考试"),
     ("@小助手\u2005 签到~", "签到"), ("✅", "✅"), ("签到1", "签到1"),
     ("请问什么时候可以开始考试？", "请问什么时候可以开始考试"),
     ("签到 ✅ 第3天", "签到 ✅ 第3天"),
     # WeChat's emoji panel sends its faces as bracketed names (review s32d X2)
     ("签到[强]", "签到"), ("[太阳]签到", "签到"), ("签到[玫瑰][玫瑰]", "签到"),
     ("签到[OK]", "签到"), ("【签到】[强]", "签到"),
     ("@小助手\u2005[太阳] 开始考试 [加油]", "开始考试"),
     ("[签到]", "签到"), ("请问什么时候可以开始考试？[疑问]", "请问什么时候可以开始考试"),
     ("[太阳]今天签到了吗[疑问]", "今天签到了吗"), ("签到[强]第3天", "签到[强]第3天")],
)
def test_a_command_is_the_whole_message_without_the_decoration_around_it(text: str,
                                                                        read: str) -> None:
    """Punctuation, brackets, # and emoji around it go (review s32a T11); a message of
    nothing else stays as it is, so a trigger "✅" is not every emoji."""
    assert command(text) == read
