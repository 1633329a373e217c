"""What the shared text pipeline catches, and the ordinary chat it leaves alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text import (
    Finding,
    WordMatcher,
    find_contacts,
    find_links,
    find_spelled_markers,
    normalize,
    squeeze,
)


def phone(value: str) -> Finding:
    return Finding("phone", value)


def wechat(value: str) -> Finding:
    return Finding("wechat", value)


def link(value: str) -> Finding:
    return Finding("link", value)


# --- normalize -----------------------------------------------------------------------------


def test_full_width_text_reads_as_half_width_lower_case() -> None:
    assert normalize("ＶＩＰ会员　ＷＷＷ．ＡＢＣ．ＣＯＭ") == "vip会员 www.abc.com"


def test_invisible_characters_are_dropped() -> None:
    assert normalize("广\u200b告\u200d\ufeff\u00ad词\u2060\ufe0f") == "广告词"


def test_whitespace_runs_become_one_space() -> None:
    assert normalize("  hello \t\n  world\u3000 ") == "hello world"


def test_chinese_characters_are_kept_and_full_width_punctuation_becomes_ascii() -> None:
    assert normalize("今天下午三点开会，记得带电脑！") == "今天下午三点开会,记得带电脑!"


@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


# --- squeeze -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "squeezed"),
    [
        ("w e i x i n", "weixin"),
        ("w.e.i.x.i.n", "weixin"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("一三八零零一三八零零零", "13800138000"),
        ("壹叁捌 零零壹叁 捌零零零", "13800138000"),
        ("l38oo138ooo", "13800138000"),
        ("❶❸❽00138000", "13800138000"),
    ],
)
def test_squeeze_undoes_hiding_tricks(text: str, squeezed: str) -> None:
    assert squeeze(normalize(text)) == squeezed


@pytest.mark.parametrize(
    "text",
    ["一个人", "三天后见", "第一二三名", "三三两两", "we chat about it", "lolol", "hello123"],
)
def test_squeeze_leaves_words_and_short_numerals_alone(text: str) -> None:
    assert squeeze(normalize(text)) == normalize(text)


# --- contacts ------------------------------------------------------------------------------


def test_a_mobile_number_in_full_width_digits_is_caught() -> None:
    assert find_contacts("电话１３８００１３８０００") == [phone("13800138000")]


@pytest.mark.parametrize(
    "text", ["138 0013 8000", "138-0013-8000", "1 3 8 0 0 1 3 8 0 0 0", "+86 138.0013.8000"]
)
def test_a_number_split_by_spaces_or_dashes_is_caught(text: str) -> None:
    assert find_contacts(f"有事打 {text} 找我") == [phone("13800138000")]


def test_chinese_numerals_hiding_a_phone_are_caught() -> None:
    assert find_contacts("一三八零零一三八零零零") == [phone("13800138000")]


def test_letters_hiding_a_phone_are_caught() -> None:
    assert find_contacts("call l38OO138OOO") == [phone("13800138000")]


@pytest.mark.parametrize(
    "text", ["加V：abc123", "加v abc123", "+v abc123", "vx:abc123", "微信 abc123"]
)
def test_a_wechat_id_after_a_marker_is_caught(text: str) -> None:
    assert find_contacts(text) == [wechat("abc123")]


def test_w_e_i_x_i_n_is_caught_as_a_wechat_marker() -> None:
    assert squeeze(normalize("w e i x i n")) == "weixin"
    assert find_contacts("w e i x i n: abc123") == [wechat("abc123")]


def test_a_phone_given_as_wechat_is_both() -> None:
    assert find_contacts("vx 138 0013 8000") == [phone("13800138000"), wechat("13800138000")]


def test_a_letters_only_wechat_id_counts_only_when_announced() -> None:
    assert find_contacts("微信号 zhangsan") == [wechat("zhangsan")]
    assert find_contacts("wechat: zhangsan") == [wechat("zhangsan")]
    assert find_contacts("join the wechat group today") == []


def test_a_latin_marker_inside_a_word_is_not_a_marker() -> None:
    assert find_contacts("the newx box12 is out") == []


def test_qq_numbers_and_emails_are_caught() -> None:
    assert find_contacts("扣扣：12345678") == [Finding("qq", "12345678")]
    assert find_contacts("QQ号 1234 5678") == [Finding("qq", "12345678")]
    assert find_contacts("邮箱 Someone.Name@Example.com") == [
        Finding("email", "someone.name@example.com")
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("w e i x i n", [wechat("weixin")]),
        ("私聊 W.E.I.X.I.N 哦", [wechat("weixin")]),
        ("加 v x", [wechat("vx")]),
        ("w-x", [wechat("wx")]),
        ("q q 群", [Finding("qq", "qq")]),
    ],
)
def test_a_contact_marker_spelled_out_is_caught(text: str, found: list[Finding]) -> None:
    assert find_spelled_markers(text) == found


@pytest.mark.parametrize(
    "text", ["wechat group", "qq音乐", "I use wechat every day", "we chat about it", "W X Y Z"]
)
def test_a_marker_written_normally_is_not_a_spelled_marker(text: str) -> None:
    assert find_spelled_markers(text) == []


# --- links ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("看这里 https://example.com/a?b=1 很好", "https://example.com/a?b=1"),
        ("http://abc.xyz/download.", "http://abc.xyz/download"),
        ("www.x.com", "www.x.com"),
        ("去abc.com/xyz看看", "abc.com/xyz"),
        ("t.cn/abc", "t.cn/abc"),
        ("x.example", "x.example"),
        ("ｗｗｗ．ＳＨＯＰ．ＣＯＭ", "www.shop.com"),
    ],
)
def test_links_with_or_without_scheme_are_caught(text: str, url: str) -> None:
    assert find_links(text) == [link(url)]


def test_a_url_with_a_zero_width_space_inside_is_caught() -> None:
    assert find_links("点 www.ex\u200bample.com 领") == [link("www.example.com")]


def test_allowlisted_domains_and_their_subdomains_are_not_links() -> None:
    allow = ["Example.com"]
    assert find_links("https://example.com/rules", allow) == []
    assert find_links("docs.example.com/faq", allow) == []
    assert find_links("badexample.com", allow) == [link("badexample.com")]
    assert find_links("spam.cn", allow) == [link("spam.cn")]


def test_an_email_address_is_not_a_link() -> None:
    assert find_links("abc@qq.com") == []


# --- ordinary chat -------------------------------------------------------------------------

ORDINARY_MESSAGES = [
    "这个199元",
    "¥1,280",
    "价格：1,299.00",
    "共 3 件 合计 ￥399.00",
    "12.5元一斤",
    "转账 13800 元",
    "2026-11-23",
    "2026/11/23 14:00",
    "2026年11月23日 星期一",
    "11月23日",
    "12:30",
    "明天 10:30-11:30 开会",
    "3点半",
    "下午3点到5点",
    "2 hours",
    "20 分钟后",
    "我有3年经验",
    "验证码是 654321",
    "订单 1024 单，已发 998 单",
    "单号 1234567890",
    "编号 12345678901234",
    "第一二三名",
    "一个人",
    "三天后见",
    "一五一十地说",
    "打九五折",
    "v1.2.3",
    "版本 v1.2 发布了",
    "3.14",
    "1.5倍速",
    "评分 4.8/5",
    "file.txt 发我",
    "身高 180cm 体重 75kg",
    "1 2 3 4 5 6 7 8 9 10",
    "ISBN 978-7-111-12345-6",
    "e.g. this, i.e. that",
    "I use wechat every day",
    "qq音乐 2024 年度歌单",
]


@pytest.mark.parametrize("text", ORDINARY_MESSAGES)
def test_ordinary_chat_with_numbers_gives_no_findings(text: str) -> None:
    assert find_contacts(text) == []
    assert find_links(text) == []
    assert find_spelled_markers(text) == []


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
