"""Banned words: found however disguised, never across a Chinese word boundary."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import opencc
import pytest
from harness import BOT_YAML, SHIPPED, Harness, write_config
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import banned, config, contacts, segment, text
from bot.banned import BannedWords, Listed, Severity
from bot.config import Content
from handlers import REGISTRY

WORDS = Path(__file__).resolve().parent.parent / "content" / "words"
SHIPPED_FILES = sorted(p for p in WORDS.glob("*.txt") if p.name != "allow.txt")
LISTED = [word for path in SHIPPED_FILES
          for word in Content(path.name, path.read_text("utf-8")).lines()]


def lazy_pinyin(word: str) -> list[str]:
    """pypinyin's reading of `word`, imported on the first call: its dictionaries cost a
    test process 0.6 s of CPU to load, which a worker that runs none of these tests skips."""
    from pypinyin import lazy_pinyin as read

    return read(word)


@cache
def to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


@cache
def shipped() -> BannedWords:
    return BannedWords([Listed(word, "x", Severity.WARN, 0) for word in LISTED])


def found(text: str, matcher: BannedWords | None = None) -> list[str]:
    return [hit.listed.word for hit in (matcher or shipped()).find(text)]


# --- disguises of every shipped word -------------------------------------------------------

NOISE = [" ", ".", "·", "-", "*", "\u200b", "\u200d", "〇", "🍑", "❤️", "～", "|", "/"]


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, str]:
    word = draw(st.sampled_from(LISTED))
    text = word
    if not word.isascii() and draw(st.booleans()):
        text = to_traditional().convert(text)  # traditional characters
    if word.isascii():
        if draw(st.booleans()):
            i = draw(st.integers(0, len(text) - 1))
            text = text[:i] + text[i] * draw(st.integers(2, 5)) + text[i + 1:]  # fuuuck
        if draw(st.booleans()):
            text = text.upper()
        text += draw(st.sampled_from(["", "s", "ing", "er", "ers", "ed"]))
    noise = draw(st.sampled_from(NOISE))
    if draw(st.booleans()):
        text = noise.join(text)
    before, after = draw(st.sampled_from([("", ""), ("【", "】"), ("说：", "！"), ("‘", "’")]))
    return word, f"{before}{text}{after}"


@settings(max_examples=100, deadline=None)
@given(disguised())
def test_every_listed_word_is_found_however_disguised(case: tuple[str, str]) -> None:
    word, text = case
    assert word in found(text), text


@settings(max_examples=100, deadline=None)
@given(word=st.sampled_from([w for w in LISTED if not w.isascii() and len(w) > 1
                             and all("\u4e00" <= c <= "\u9fff" for c in w)]),
       separator=st.sampled_from(["", " ", "-"]))
def test_the_pinyin_of_every_listed_chinese_word_is_found_for_review(
        word: str, separator: str) -> None:
    text = separator.join(lazy_pinyin(word))
    hits = [hit for hit in shipped().find(text) if hit.listed.word == word]
    assert hits and all(hit.severity is Severity.REVIEW for hit in hits), text


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_every_listed_chinese_word_is_found_with_some_characters_as_pinyin(
        data: st.DataObject) -> None:
    """约 pao, yue 炮: a pinyin hit, so at most a review."""
    word = data.draw(st.sampled_from([w for w in LISTED if 1 < len(w) <= 4
                                      and all("\u4e00" <= c <= "\u9fff" for c in w)]))
    mix = data.draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)).filter(
        lambda m: any(m) and not all(m)))
    text = " ".join(p if latin else c
                    for c, p, latin in zip(word, lazy_pinyin(word), mix, strict=True))
    hits = [hit for hit in shipped().find(f"今晚 {text} 吗") if hit.listed.word == word]
    assert hits and all(hit.severity is Severity.REVIEW for hit in hits), text


@pytest.mark.parametrize(
    ("text", "word"),
    [("约 pao", "约炮"), ("约p a o吗", "约炮"), ("y u e p a o", "约炮"),
     ("f*ck", "fuck"), ("f**king", "fuck"), ("motherfucker", "fuck"), ("FUCKERS", "fuck"),
     ("sh*t", "shit"), ("fսck", "fuck"), ("shⅰt", "shit"), ("法〇轮〇功", "法轮功"),
     ("支持台獨", "台独"), ("你这个贱人", "贱人"), ("看色情片", "色情")],
)
def test_disguises_named_by_the_issue_are_found(text: str, word: str) -> None:
    assert word in found(text)


@pytest.mark.parametrize(
    ("text", "word"),
    [("约p", "约p"), ("今晚约P吗", "约p"), ("同城约 p", "约p"), ("约🔥p", "约p"), ("约ｐ", "约p"),
     ("今晚约个P吗", "约个p"), ("約砲", "约砲"), ("约个炮吗", "约个炮"), ("约一炮", "约一炮"),
     ("约啪吗", "约啪"), ("今晚约啪啪吗", "约啪啪"),
     # the P before a particle, or ending the clause (R3-6)
     ("约P的私聊", "约p"), ("同城约 p，私我", "约p"), ("同城约.p 私我", "约p"), ("约p私我", "约p"),
     ("约个P啊兄弟", "约个p"), ("约p不", "约p"), ("傻B们", "傻b"), ("傻b吧你", "傻b"),
     ("约两炮", "约两炮"), ("约个啪", "约个啪"),
     # the P in a black square, and the price list after it (R3-7)
     ("约个🅿️", "约个p"), ("同城约🅿️", "约p"), ("约p1次200", "约p"), ("约P一晚500", "约p"),
     ("同城约p2小时300", "约p"),
     # a round price right after it, or the trade's words (同城约P快餐200)
     ("约p200", "约p"), ("同城约 P 快餐200", "约p"), ("约P包夜800", "约p"), ("约P三百", "约p"),
     ("约p 1500 全套", "约p"), ("约个P上门服务", "约个p"),
     # ending the clause, or before times or 私
     ("同城约p200元，真实照片", "约p"), ("约p快餐200，真实照片", "约p"), ("约p三百一次", "约p"),
     ("约p三百，真实照片", "约p"), ("约p200妹妹，真实照片", "约p"), ("约p200学生，可上门", "约p"),
     ("同城约p200 滴滴，真实", "约p"),
     ("约个P 包夜 私我", "约个p"),
     ("约p500起", "约p"),
     # the price with a particle, a unit or a way to reach the seller after it (review 2, C)
     ("约p200哦", "约p"), ("约p200呦", "约p"), ("约p200啦", "约p"), ("约p200的", "约p"),
     ("约p三百哦", "约p"), ("约p包夜哦", "约p"), ("约p包夜800哦", "约p"), ("约p200元哦", "约p"),
     ("约p200块钱", "约p"), ("约p五百元起", "约p"), ("约p200加v", "约p"), ("约p200 加我", "约p"),
     ("约p200速来", "约p"), ("约p200 滴滴", "约p"), ("约p200妹妹", "约p"), ("约p200学生", "约p"),
     ("约p200同城", "约p")],
)
def test_slang_for_a_hookup_is_found(text: str, word: str) -> None:
    """The shipped vulgar list has the slang for 约炮 (review F23)."""
    assert word in found(text)


@pytest.mark.parametrize(
    ("text", "word"),
    [("祼聊 私聊", "祼聊"), ("祼 聊 私我", "祼聊"), ("卖婬 私聊", "卖婬"), ("果聊 私聊", "果聊"),
     ("果聊一对一 加我", "果聊"), ("女票女昌 私聊", "女票女昌"),
     ("女票娼 私聊", "女票娼"), ("嫖女昌 私聊", "嫖女昌")])
def test_the_variants_ad_copy_writes_for_an_offer_are_listed(text: str, word: str) -> None:
    """Review s36 r14 R14-10: 祼 (a libation) for 裸, 婬 for 淫, 果聊 said like 裸聊, 援交 in
    full and 嫖娼 split into its parts were missed; they are content (illegal.txt)."""
    assert word in found(text)


@pytest.mark.parametrize(
    "text",
    ["结果聊天的时候他走了", "如果聊聊天能解决就好了", "如果聊得来就加个好友", "结果聊了一晚上",
     "苹果聊天记录怎么导出", "水果聊天群", "效果聊胜于无", "如 果 聊 得 来 加 我",
     "结果 聊了一晚上", "如果聊不来就私聊我", "我女票女装很好看", "女票女儿都来了",
     "我女票，女昌平人", "婬这个字怎么读"])
def test_the_variants_are_not_found_in_the_words_that_hold_their_characters(text: str) -> None:
    """果聊 is in 结果聊天 and 如果聊聊 only across a word (结果|聊天); 女票 女昌 stand apart."""
    assert found(text) == []


@pytest.mark.parametrize("text", ["约p 同城", "约\u200bp 同城", "约🅿 同城", "约p 同城 私我",
                                  "约个P 同城"])
def test_the_trade_s_word_after_a_space_ends_the_offer(text: str) -> None:
    """Review s36 r14 R14-10: 同城 after 约p and a space ended nothing, so its P read as an
    initial, while 同城约p，私我 was found: 同城 is the trade's word, as 上门 and 快餐 are."""
    assert "约p" in found(text) or "约个p" in found(text)


@pytest.mark.parametrize(("text", "word"), [("yuep", "约p"), ("同城yue p", "约p"),
                                            ("yue个p吗", "约个p"), ("今晚yue ge p", "约个p")])
def test_a_listed_word_of_chinese_and_latin_letters_is_found_in_pinyin_for_review(
        text: str, word: str) -> None:
    """约p in pinyin keeps its letter: yuep (R3-7); a pinyin hit is at most a review."""
    hits = [hit for hit in shipped().find(text) if hit.listed.word == word]
    assert hits and all(hit.severity is Severity.REVIEW for hit in hits), text


# --- word boundaries -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["本平台独家首发", "西藏独特的风景", "感谢支援交流活动", "他脸色情绪都不太好", "一夜情绪低落",
     "不要说别人是低贱人群", "Shitake mushrooms", "he is lucky", "hello world", "classic",
     "这个小镇的风景色情调别致", "大约 pao 了 5 公里", "约 paopao 一起玩",
     # the end of a clause ends a word of Chinese and Latin letters: an option letter
     "他说我傻，B 选项才对", "我傻、b 和 c 都选了"],
)
def test_a_listed_word_across_a_word_boundary_is_not_found(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    ["这个傻bug又出现了", "周末约PK一局", "预约PPT讲解", "预约P1会议室", "大约p值小于0.05",
     "大约啪的一声就断了", "约个炮兵连的老战友"],
)
def test_the_latin_letters_of_a_mixed_word_must_be_a_whole_word(text: str) -> None:
    """傻b, 约p: their letter ends a Latin word (傻bug, 约PK are none), and the Chinese
    characters are a word of their own (大约|p值)."""
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    ["约个P图师帮忙修一下证件照", "找人约个P图，简历照片太丑了", "明天约P总开会，大家准备一下材料",
     "约个P总的时间对一下方案", "我想约p老师给我们上课", "帮我约 P 先生下午三点面试",
     "我约P哥吃饭了",
     "周末想约个P大的学长聊聊考研", "下周约P大的老师做个讲座", "约p值小于0.05才显著",
     "约个P社游戏开黑", "我约P站的画师画了头像", "这个傻b站up主", "做个傻B超检查",
     # a P with a number is a name (P1, P2) unless times or hours follow (R3-7)
     "预约P1会议室", "预约P2停车位一次", "约P总一次都没约到", "停车场🅿️在负一层",
     # a number that is no round price, or a room after it: P203, P200会议室
     "明天约P203开会", "约P200会议室的同事请准时", "预约P10会议室", "约P总吃快餐",
     "约P2000型打印机的师傅来修", "约P100s的试用机",
     # a round number or the trade's word with more after it: a model, a head count, a job
     "约P1000相机维修", "约P500工作站的维修", "约P200人的会场", "约P2000打印机的师傅",
     "约P一千字稿子", "约P上门维修", "约P 快餐店吃饭", "约P 同城快递", "约P同城的朋友吃饭",
     "明天约P 同城见面",
     # a particle or the trade's last words that do not end the clause (review 2, C)
     "约P200的会议室", "约P200的师傅明天来", "约P200加班", "约P200学生会", "约P200同城快递",
     # a bare round number and then a clause: a room booked (明天下午约P200，在三楼)
     "明天下午约P200，在三楼", "周五约P300，记得带电脑", "约P1000，相机坏了", "约P200的，在三楼",
     "明天约P300的，记得带电脑",
     "这个视频有几p", "几p的片子", "约个时间开会", "帮我p图", "明天交PPT", "约好了",
     "yue pai yi ci"],
)
def test_a_final_letter_before_a_chinese_word_is_an_initial(text: str) -> None:
    """P总, P大, P图, B站: the letter of 约p or 傻b before a Chinese character other than a
    particle is someone's (or something's) initial (review rev3, R3-6)."""
    assert found(text) == []


@pytest.mark.parametrize(("text", "word"), [("你个傻B", "傻b"), ("你个傻.逼", "傻逼"),
                                            ("傻😡逼", "傻逼"), ("台 . 独", "台独"),
                                            ("约,炮", "约炮"), ("约，炮", "约炮"),
                                            ("援、交", "援交"), ("f,u,c,k", "fuck")])
def test_other_punctuation_between_the_characters_is_still_noise(text: str,
                                                                 word: str) -> None:
    assert word in found(text)


def test_an_allow_phrase_hides_the_words_inside_it_and_nowhere_else() -> None:
    matcher = BannedWords([Listed("台独", "x", Severity.WARN, 0)], allow=["台独立团"])
    assert found("台 独 立 团", matcher) == []
    assert found("支持台独", matcher) == ["台独"]


def test_hits_carry_their_list_category_and_severity() -> None:
    matcher = BannedWords([Listed("援交", "illegal", Severity.REMOVE, 2),
                           Listed("色情", "vulgar", Severity.REVIEW, 1)])
    hits = matcher.find("援交和色情")
    assert [(h.listed.category, h.severity, h.listed.source) for h in hits] == [
        ("illegal", Severity.REMOVE, 2), ("vulgar", Severity.REVIEW, 1)]


# --- a sentence that warns against a word ---------------------------------------------------


def _warning_matcher(context: tuple[str, ...] = banned.CONTEXT) -> BannedWords:
    illegal = [Listed(w, "illegal", Severity.REMOVE, 0) for w in ("卖淫", "嫖娼", "援交")]
    vulgar = [Listed(w, "vulgar", Severity.WARN, 1) for w in ("黄色网站", "婊子", "色情")]
    return BannedWords(illegal + vulgar, context=context)


def _severities(text: str, matcher: BannedWords) -> list[tuple[str, Severity]]:
    return [(hit.found, hit.severity) for hit in matcher.find(text)]


@pytest.mark.parametrize(
    ("text", "words"),
    [("提醒大家：卖淫嫖娼是违法的，遇到这种广告请举报", ["卖淫", "嫖娼"]),
     ("黄色网站的危害讲座", ["黄色网站"]), ("卖淫嫖娼是违法的，大家注意", ["卖淫", "嫖娼"]),
     ("谨防援交诈骗", ["援交"]), ("在群里发布色情内容是违法的！", ["色情"]),
     ("打击卖淫嫖娼违法犯罪活动", ["卖淫", "嫖娼"]), ("警惕黃色網站", ["黄色网站"]),
     # a victim's story, and a question on how to help one
     ("来访者说她被逼卖淫，我应该怎么帮她求助？", ["卖淫"])],
)
def test_a_listed_word_in_a_sentence_that_warns_against_it_is_only_reviewed(
        text: str, words: list[str]) -> None:
    """An admin decides (severity review); without the context words it is the list's."""
    assert _severities(text, _warning_matcher()) == [(w, Severity.REVIEW) for w in words]
    assert {severity for _, severity in _severities(text, _warning_matcher(()))} != {
        Severity.REVIEW}


@pytest.mark.parametrize(
    ("text", "severity"),
    [("援交服务 加微信 abc123 不违法", Severity.REMOVE),  # a contact detail: an ad
     ("卖淫 违法 13800138000", Severity.REMOVE), ("黄色网站 www.abc.com 举报", Severity.WARN),
     ("援交服务，随叫随到。警惕骗子", Severity.REMOVE),  # the warning is another sentence
     ("这个婊子真不要脸", Severity.WARN),
     ("婊子", Severity.WARN),
     # words ad copy says of itself are no context, nor one denied (不违法: "it is legal")
     ("援交服务 不要998 只要198 私聊我", Severity.REMOVE),
     ("想找援交的不要犹豫 私聊我", Severity.REMOVE),
     ("援交 上门服务 小心别错过 私我", Severity.REMOVE),
     ("援交服务，不要错过，看我头像", Severity.REMOVE),
     ("援交 服务 禁止外传 私聊", Severity.REMOVE),
     ("援交服务 绝对不违法 私聊我", Severity.REMOVE), ("援交没违规，放心来", Severity.REMOVE),
     ("识别二维码 进援交群", Severity.REMOVE),
     # nor what ad copy says of itself about force, help or scams
     ("诚信援交，拒绝诈骗，私聊我", Severity.REMOVE), ("援交妹妹，被迫营业，私聊", Severity.REMOVE),
     ("高端援交 求助请私聊", Severity.REMOVE), ("专业卖淫 防诈骗 来撩", Severity.REMOVE)],
)
def test_a_context_word_does_not_launder_an_ad_or_an_insult(text: str,
                                                            severity: Severity) -> None:
    assert {hit.severity for hit in _warning_matcher().find(text)} == {severity}


def test_an_offered_service_counts_in_full_only_with_a_way_to_reach_the_seller() -> None:
    """A list's `offer` words (卖淫, 援交) sell nothing without a contact detail or a link,
    in the message or split over it and what the sender said just before: news, a warning
    or a film is at most review (review s36 r14 R14-2). A name is its member's way."""
    offers = BannedWords([Listed("援交", "illegal", Severity.REMOVE, 0, offer=True),
                          Listed("去死", "abuse", Severity.REMOVE, 1)])

    def severities(text: str, before: str | None = "") -> list[tuple[str, Severity]]:
        return [(hit.found, hit.severity) for hit in offers.find(text, before=before)]

    assert severities("这部电影讲的是援交少女的故事") == [("援交", Severity.REVIEW)]
    assert severities("援交 去死") == [("援交", Severity.REVIEW), ("去死", Severity.REMOVE)]
    for said, before in [("援交服务，加V：abc123", ""), ("援交 https://t.cn/x", ""),
                         ("8000 援交", "电话 138 0013"), ("援交妹妹", None)]:
        assert severities(said, before) == [("援交", Severity.REMOVE)], said
    assert severities("援交", "今天天气不错") == [("援交", Severity.REVIEW)]


@pytest.mark.parametrize(("said", "severity"), [
    ("加我看援交视频", Severity.REMOVE), ("援 交 私聊", Severity.REMOVE),
    ("援交服务不违法，私聊我", Severity.REMOVE), ("援交 请私聊", Severity.REMOVE),
    ("援交妹妹 看我头像", Severity.REMOVE), ("援\n交\n私\n聊", Severity.REMOVE),
    # a few more of them (s36 r17 R17-1), also across punctuation
    ("援交 滴滴我", Severity.REMOVE), ("援交 看我朋友圈", Severity.REMOVE),
    ("援交；加我", Severity.REMOVE),
    # told in a story, or the way to someone else, or a word that holds one (s36 r19)
    ("有人私聊我发援交广告", Severity.REVIEW), ("骗子加我好友说要援交", Severity.REVIEW),
    ("遇到援交广告，请私信管理员", Severity.REVIEW),
    ("这部讲援交的纪录片，想看私我", Severity.REVIEW),
    ("有关援交的法律问题，可以联系我们律所", Severity.REVIEW),
    ("今天讲座主题是拒绝援交，有什么问题加我", Severity.REVIEW),
    # an office, or a report of an ad, the news, a film, a paper (s36 r20)
    ("援交的事，找我们居委会", Severity.REVIEW), ("如果看到援交广告，请私聊我", Severity.REVIEW),
    ("关于援交的那篇论文写完了，私我要", Severity.REVIEW),
    # as unclear as a member's warning: the admins decide (left: s36 r17 R17-1)
    ("援交服务，有意者加我", Severity.REVIEW), ("援交找我", Severity.REVIEW)])
def test_an_offer_that_invites_the_reader_to_reach_the_seller_counts_in_full(
        said: str, severity: Severity) -> None:
    """加我, 私聊 and the like written out are the seller's way too, as an invitation where a
    clause starts (or after 请); not in a story (有人私聊我), nor to an office (联系我们),
    nor in a message that reports an ad (广告, 新闻, 截图...)."""
    offers = BannedWords([Listed("援交", "illegal", Severity.REMOVE, 0, offer=True)])
    assert [hit.severity for hit in offers.find(said)] == [severity]


@pytest.mark.parametrize("said", ["援交 加我", "援交，加微信", "援交\n加 我", "裸聊 友情价"])
def test_a_word_before_a_space_or_a_comma_ends_there(said: str) -> None:
    """Review s36 r17 R17-3: 援交 followed by a character that makes a word with 交 (加, 友,
    流...) gave no hit at all, across a space, a comma or a newline: segmentation ran on the
    text with them dropped and read 援|交加. A dropped separator ends a word written whole."""
    offers = BannedWords([Listed("援交", "illegal", Severity.REMOVE, 0, offer=True),
                          Listed("裸聊", "illegal", Severity.REMOVE, 1, offer=True)])
    assert [hit.found for hit in offers.find(said)] in (["援交"], ["裸聊"])


@pytest.mark.parametrize("said", ["本 平 台 独 家 首 发", "本平🔥台🔥独🔥家", "感 谢 支 援 交 流",
                                  "西 藏 独 特 的 风 景"])
def test_a_text_written_in_pieces_is_read_across_them(said: str) -> None:
    """Review s36 r19 R19-1: with a space or an emoji between every character, each piece
    was read alone, so 台独 in 「本 平 台 独 家」 was a whole word: the pieces of a word
    written in pieces are read with what is around them, as they always were."""
    listed = BannedWords([Listed("台独", "politics", Severity.WARN, 0),
                          Listed("援交", "illegal", Severity.REMOVE, 1, offer=True),
                          Listed("藏独", "politics", Severity.WARN, 2)])
    assert listed.find(said) == []


class _CountingAutomaton:
    """An automaton that counts the characters it is asked to read."""

    def __init__(self, automaton: Any) -> None:
        self.automaton, self.read = automaton, 0

    def iter(self, text: str, start: int = 0, end: int | None = None) -> Any:
        end = len(text) if end is None else end
        self.read += end - start
        return self.automaton.iter(text, start, end)


def test_a_long_sentence_of_hits_is_read_once_for_the_words_that_warn_against_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether a sentence warns against its hits is read once a message, not once a hit: a
    sentence of many hits was read again for each (约炮 10,000 times cost 10 s)."""
    matcher = BannedWords([Listed(f"bad{i:04d}", "x", Severity.WARN, 0) for i in range(500)],
                          context=["report"])
    context = _CountingAutomaton(matcher._context)
    monkeypatch.setattr(matcher, "_context", context)
    text = " ".join(f"bad{i:04d}" for i in range(500)) + " report"
    hits = matcher.find(text)
    assert len(hits) == 500 and {hit.severity for hit in hits} == {Severity.REVIEW}
    assert context.read <= len(text)


def test_a_word_said_many_times_is_one_hit() -> None:
    """Each listed word once, where it first counts: a message of it 20,000 times is read
    as one hit (antispam acts on the first hit of each list), not checked and warned about
    20,000 times over."""
    assert found("约炮 " * 20_000) == ["约炮"]
    assert found("约P200人的会场 " * 5_000 + "约p200") == ["约p"]
    assert found("f*ck " * 20_000 + "f**king") == ["fuck"]  # starred too (hostile round 3)


class _CountingList(list[int]):
    """A list that counts the items read as it is looked through."""

    read = 0

    def __iter__(self) -> Any:
        self.read += len(self)
        return super().__iter__()

    def __contains__(self, item: object) -> bool:
        self.read += len(self)
        return super().__contains__(item)


@pytest.mark.parametrize("unit", ["约P总，", "傻b站，", "约p200，", "约P 快餐店，"])
def test_a_long_message_of_candidates_that_do_not_count_costs_in_proportion_to_it(
        unit: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A candidate that does not count (约P总: an initial; 约p200 then a clause: a room) is
    looked at again where each copy stands, against the message's clause ends: those are
    read once a message, not looked through again for each candidate, which made 20,000
    characters of 约P总， cost a fifth of a second, 100,000 ten (review s36 r14 R14-3)."""
    read: list[_CountingList] = []
    sentences = banned._sentences

    def counting(*args: Any) -> list[int]:
        read.append(_CountingList(sentences(*args)))
        return read[-1]

    monkeypatch.setattr(banned, "_sentences", counting)

    def cost(length: int) -> int:
        read.clear()
        assert found(unit * (length // len(unit)) + "好的") == []
        return sum(clauses.read for clauses in read)

    assert cost(20_000) <= 5 * cost(5_000)


def test_ten_thousand_words_build_one_automaton_and_still_match(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # their pinyin is kept here, not in
    #                                                     the cache every later process reads
    matcher = BannedWords([Listed(f"违禁词{i}号", "x", Severity.WARN, 0) for i in range(10_000)])
    assert found("这里有违 禁 词 9999 号", matcher) == ["违禁词9999号"]
    assert found("干净的消息", matcher) == []


async def test_the_bot_loads_the_segmenter_as_it_starts_and_a_config_alone_does_not(
        tmp_path: Path) -> None:
    segment._loaded.clear()
    config.load(SHIPPED, REGISTRY)  # what check, report and export do: no dictionary
    assert not segment._loaded
    async with Harness(SHIPPED, tmp_path):  # a bot: loaded before its first message
        assert segment._loaded


async def test_the_bot_prepares_unmasking_and_contact_patterns_as_it_starts(
        tmp_path: Path) -> None:
    """Every bot looks for contact details in unmasked text (member names in its messages,
    bot/sanitize.py): the confusables data and the patterns compiled on first use are ready
    as it starts, even when no word list needed them to load its config."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"})
    prepared = (text.look_alikes, contacts._markers, contacts._mini_program_patterns)
    for table in prepared:
        table.cache_clear()
    config.load(root, REGISTRY)
    assert [table.cache_info().currsize for table in prepared] == [0, 0, 0]
    async with Harness(root, tmp_path):
        assert [table.cache_info().currsize for table in prepared] == [1, 1, 1]


def test_pypinyin_reads_the_words_in_a_child_process_and_never_enters_the_bots(
        tmp_path: Path) -> None:
    """Its phrase dictionary is 55 MB once loaded: the readings come from a child process,
    and the pinyin of a heteronym is still the one the phrase dictionary gives (银行: yin hang).
    They are kept in the cache directory for the next process."""
    code = ("import sys; from bot.banned import BannedWords, Listed, Severity; "
            "m = BannedWords([Listed('银行', 'x', Severity.WARN, 0)]); "
            "print([h.listed.word for h in m.find('yin hang')], [h.listed.word for h in "
            "m.find('yin xing')], 'pypinyin' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parent.parent,
                         env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)}).stdout
    assert out.split() == ["['银行']", "[]", "False"]
    kept = json.loads((tmp_path / "groupbot" / "pinyin.json").read_text(encoding="utf-8"))
    assert kept["readings"] == {"银行": ["yin", "hang"]}


def _bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, python: str = "/bin/false") -> (
        BannedWords):
    """A matcher of 银行 made as in a new process with its cache directory in tmp_path. Its
    child process is `python`: by default one that fails at once, so that the readings not
    kept are read in this process (pypinyin, without a child's 0.2 s of CPU)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(banned, "_syllables", {})
    monkeypatch.setattr(sys, "executable", python)
    return BannedWords([Listed("银行", "x", Severity.WARN, 0)])


def test_the_next_process_reads_the_kept_readings_and_starts_no_child(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    _bank(tmp_path, monkeypatch)  # 银行 is read, and its reading kept
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.banned"):
        matcher = _bank(tmp_path, monkeypatch, "/nonexistent/python3")  # no child can start
    assert [h.listed.word for h in matcher.find("yin hang")] == ["银行"]
    assert matcher.find("yin xing") == []
    assert "read in this process" not in caplog.text  # nor was one needed


@pytest.mark.parametrize("kept", [
    {"pypinyin": "0.0.1", "readings": {"银行": ["yin", "xing"]}},  # another pypinyin's
    {"pypinyin": banned._pypinyin(), "readings": {"银行": "yin xing"}},
    {"pypinyin": banned._pypinyin(), "readings": ["银行"]},
    ["银行"],
    "{not json",
])
def test_readings_kept_by_another_pypinyin_or_damaged_are_read_again(
        kept: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "groupbot" / "pinyin.json"
    cache.parent.mkdir()
    cache.write_text(kept if isinstance(kept, str) else json.dumps(kept), encoding="utf-8")
    matcher = _bank(tmp_path, monkeypatch)
    assert [h.listed.word for h in matcher.find("yin hang")] == ["银行"]
    assert matcher.find("yin xing") == []
    assert json.loads(cache.read_text(encoding="utf-8")) == {
        "pypinyin": banned._pypinyin(), "readings": {"银行": ["yin", "hang"]}}


def test_kept_readings_start_again_past_their_bound(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(banned, "_KEPT", 2)
    _bank(tmp_path, monkeypatch)
    BannedWords([Listed("台独", "x", Severity.WARN, 0)])
    cache = tmp_path / "groupbot" / "pinyin.json"
    assert json.loads(cache.read_text(encoding="utf-8"))["readings"].keys() == {"银行", "台独"}
    BannedWords([Listed("援交", "x", Severity.WARN, 0)])
    assert json.loads(cache.read_text(encoding="utf-8"))["readings"].keys() == {"援交"}


@pytest.mark.parametrize("python", ["/nonexistent/python3", "/bin/false"])
def test_without_a_working_child_process_the_readings_are_read_here(
        python: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A child that cannot start or fails costs memory, not the word list: the same readings,
    read in this process, and a warning saying why."""
    with caplog.at_level(logging.WARNING, logger="bot.banned"):
        matcher = _bank(tmp_path, monkeypatch, python)
    assert [h.listed.word for h in matcher.find("yin hang")] == ["银行"]
    assert matcher.find("yin xing") == []
    assert "read in this process" in caplog.text
