"""Ads, contact details, banned words and floods: warnings that name the count, removal at
the limit, announced; admins told when the bot cannot remove."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, SHIPPED, TZ, Harness, write_config

from bot import config
from bot.events import Kind, Member, Message
from bot.store import open_store
from bot.times import later
from bot.yamlfile import InputError
from handlers import REGISTRY
from handlers.antispam import Antispam, Config, _digest

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

CUSTOMER = {"c1": "Customer 01 客户群"}
FIRST_WARNING = "⚠️ 警告 (1/2)：发布链接。警告满 2 次将被移出群聊。"


async def _audit(h: Harness, action: str | None = None) -> list[tuple[Any, ...]]:
    rows = await h.bot.store.all("SELECT action, member, handler, detail FROM audit ORDER BY id")
    return [row for row in rows if action is None or row[0] == action]


def _warnings(h: Harness) -> list[str]:
    return [text for text in h.texts() if text.startswith("⚠️")]


# ---------------------------------------------------------------- the shipped customer groups


async def test_a_first_ad_gets_a_warning_naming_the_count_and_a_second_removal(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "eve", "特价推广 https://cheap.example.com/buy")
        await h.advance("1m")
        [warning] = h.actions("say", group="c1")
        assert (warning["text"], warning["mentions"]) == (FIRST_WARNING, ["eve"])
        await h.say("c1", "eve", "再发一次 abc.xyz/promo")
        await h.drain()
        assert [(k["group"], k["member"], k["reason"]) for k in h.actions("kick")] == [
            ("c1", "eve", "发布链接")]
        assert h.texts("c1")[-1] == "📢 eve 因发布链接已被移出群聊，请大家遵守群规。"
        assert [row[0] for row in await _audit(h)] == ["warn", "warn", "kick"]


async def test_the_count_survives_a_restart(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "eve", "www.cheap-shop.com")
        await h.advance("1m")
        await h.restart()
        await h.say("c1", "eve", "www.cheap-shop.com 快来")
        await h.drain()
        assert _warnings(h) == [FIRST_WARNING]
        assert [k["member"] for k in h.actions("kick")] == ["eve"]


@pytest.mark.parametrize("text", [
    "有需要打我电话１３８００１３８０００",        # full-width digits
    "电话 138 0013 8000",                         # split by spaces
    "电话 138-0013-8000",                         # split by dashes
    "加V：abc123",
    "点这里 https://cheap\u200b.example.com/x",   # a zero-width space inside a URL
    "w e i x i n",
    "详情私聊 q q 群",
    "⊕微 lisa_wang",                               # a plus sign for 加 (R3-7)
    "打开省钱宝小程序领券下单",                     # a mini program named before 小程序
], ids=["full-width", "spaces", "dashes", "add-v", "zero-width-url", "spelled-weixin", "qq",
        "plus-sign", "mini-program"])
async def test_hidden_contact_details_and_links_are_caught(tmp_path: Path, text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "eve", text)
        await h.drain()
        [warning] = _warnings(h)
        assert "(1/2)" in warning and ("联系方式" in warning or "链接" in warning)


ORDINARY_CHAT = [
    "这个套餐 199 元一个月，3 个人用",
    "¥1,280 含税",
    "订单号 20261123001 已付款",
    "11月23日 下午 3:30 开会",
    "2026-11-24 14:00 见",
    "大概 2 hours 就能弄好",
    "明天 10:30-11:30 有空",
    "打九五折，总共 12.5 元",
    "我们公司有 120 人，每天 8 小时在线",
    "版本 v1.2.3 发布了",
    "评分 4.8/5，好评率 98%",
    "电话会议定在周三",
    "微信支付可以吗",
    "我用 wechat 和 qq 都行，群里聊就好",
    "有问题在群里直接问，谢谢",
    "收到，明白了",
    "第一二三名各奖励 100 元",
    "我妈妈的生日是 5 月 20 日",
    "周日你有空吗",
    "今天天气不错",
]


async def test_ordinary_chat_with_numbers_is_left_alone(tmp_path: Path) -> None:
    """The false-positive check: prices, dates, times, counts and everyday words."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        for i, text in enumerate(ORDINARY_CHAT):
            await h.say("c1", ("alice", "bob")[i % 2], text)
            await h.advance("20s")
        await h.drain()
        assert _warnings(h) == []
        assert h.actions("kick") == []
        assert [row for row in await _audit(h) if row[2] == "antispam"] == []


async def test_an_admin_posting_a_link_gets_nothing(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "op_lin", "活动详情见 https://cheap.example.com/event ，电话 13800138000")
        await h.drain()
        assert h.sent == []


async def test_nine_messages_in_ten_seconds_get_a_flood_warning(tmp_path: Path) -> None:
    """The shipped flood: more than 8 within 10 s, lines pasted one after the other."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        for i in range(8):
            await h.say("c1", "alice", f"第{i}条")
            await h.advance("1s")
        assert h.sent == []
        await h.say("c1", "alice", "第9条")
        await h.drain()
        assert _warnings(h) == ["⚠️ 警告 (1/2)：刷屏。警告满 2 次将被移出群聊。"]


async def test_a_lively_chat_of_short_replies_is_no_flood(tmp_path: Path) -> None:
    """Six short replies 1.5 s apart (review s31 S24): a member enjoying the chat."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.advance("7d")
        for text in ("哈哈哈", "真的吗", "太好了", "我也要去", "几点开始", "好的"):
            await h.say("c1", "alice", text)
            await h.advance(timedelta(milliseconds=1500))
        await h.drain()
        assert _warnings(h) == [] and await _audit(h, "warn") == []


@pytest.mark.parametrize("kind", [Kind.IMAGE, Kind.EMOJI, Kind.VIDEO, Kind.FILE])
async def test_pictures_sent_at_once_are_no_flood(tmp_path: Path, kind: Kind) -> None:
    """WeChat sends each picture of a multi-select as a message of its own (review s31 S24):
    twelve within a few seconds, then a few words, are no flood; `flood.kinds` counts texts,
    links and cards."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.advance("7d")
        for _ in range(12):
            await h.say("c1", "bob", "", kind=kind)
            await h.advance(timedelta(milliseconds=400))
        for text in ("这是活动现场", "大家看看"):
            await h.say("c1", "bob", text)
        await h.drain()
        assert _warnings(h) == [] and await _audit(h, "warn") == []


async def test_flood_kinds_may_count_stickers(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": (
        "handlers:\n  - antispam:\n      flood: {messages: 5, kinds: [text, emoji]}\n")})
    async with Harness(root, tmp_path) as h:
        for _ in range(6):
            await h.say("r1", "bob", "", kind=Kind.EMOJI)
            await h.advance("1s")
        await h.drain()
        assert [r["mentions"] for r in h.actions("say")] == [["bob"]]


async def test_five_messages_spread_over_more_than_ten_seconds_are_no_flood(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        for i in range(12):
            await h.say("c1", "alice", f"第{i}条")
            await h.advance("2s")
        await h.drain()
        assert h.sent == []


@pytest.mark.parametrize(("apart", "flood"), [(3, False), (1, True)])
async def test_floods_count_when_members_wrote_not_when_the_bot_handled_it(
        tmp_path: Path, apart: int, flood: bool) -> None:
    """Nine messages handled back to back after a stall (a takeover's standby, a backlog read
    after a reconnect): written 3 s apart they are chat, 1 s apart a flood."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        start = h.clock.now()
        h.clock.set(later(start, timedelta(seconds=9 * apart)))  # handled after the last
        alice = h.world.member("c1", "alice")
        for i in range(9):
            await h.feed(Message(later(start, timedelta(seconds=i * apart)), "c1", alice,
                                 f"第{i}条", id=f"m{i}"))
        await h.drain()
        assert _warnings(h) == (["⚠️ 警告 (1/2)：刷屏。警告满 2 次将被移出群聊。"] if flood
                                else [])


async def test_a_message_handled_late_is_not_counted_with_the_chat_that_came_meanwhile(
        tmp_path: Path) -> None:
    """A message read again after a failure (or kept by a standby account) is handled with
    WeChat's time of it, minutes after the member's later messages: it is counted with
    those written before it, not with all of those after."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        alice = h.world.member("c1", "alice")
        first = h.clock.now()
        await h.advance("20s")
        for i in range(1, 8):  # one message every 20 s: chat
            await h.say("c1", "alice", f"第{i}条 聊聊天")
            await h.advance("20s")
        await h.feed(Message(first, "c1", alice, "第0条 你好", id="late"))
        await h.drain()
        assert _warnings(h) == []
        assert await _audit(h, "warn") == []


async def test_a_message_handled_late_that_completes_a_flood_counts_as_if_in_time(
        tmp_path: Path) -> None:
    """Eight messages in eight seconds are no flood; the ninth, written before them but
    handled after, makes nine within ten seconds: a flood, as it would have been in time."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        alice = h.world.member("c1", "alice")
        first = h.clock.now()
        for i in range(1, 9):
            await h.advance("1s")
            await h.say("c1", "alice", f"第{i}条")
        assert _warnings(h) == []
        await h.feed(Message(first, "c1", alice, "第0条", id="late"))
        await h.drain()
        assert _warnings(h) == ["⚠️ 警告 (1/2)：刷屏。警告满 2 次将被移出群聊。"]


async def test_a_late_message_is_not_read_with_later_ones_for_a_split_contact(
        tmp_path: Path) -> None:
    """Written 8000, then 138, then 0013: no phone number in the order written, though the
    three read in the order handled (the first came last) would make one."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        alice = h.world.member("c1", "alice")
        first = h.clock.now()
        for text in ("138", "0013"):
            await h.advance("5s")
            await h.say("c1", "alice", text)
        await h.feed(Message(first, "c1", alice, "8000", id="late"))
        await h.drain()
        assert _warnings(h) == []


async def test_an_ad_is_never_answered_by_the_keywords(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "eve", "价格便宜，加V：abc123")
        await h.drain()
        assert h.texts() == ["⚠️ 警告 (1/2)：发布联系方式。警告满 2 次将被移出群聊。"]


async def test_when_the_bot_is_not_the_owner_it_warns_and_tells_the_admins(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER, owner="op_lin") as h:
        await h.say("c1", "eve", "www.cheap-shop.com")
        await h.advance("1m")
        await h.say("c1", "eve", "www.cheap-shop.com")
        await h.drain()
        assert h.actions("kick") == []
        assert _warnings(h)[-1] == "⚠️ 警告 (2/2)：发布链接。已通知管理员处理。"
        [dm] = h.actions("dm")
        assert dm["to"] == "op_lin" and "无法移出 eve" in dm["text"]
        assert (await _audit(h, "kick_unavailable"))[0][:3] == (
            "kick_unavailable", "eve", "antispam")


async def test_warnings_expire_after_thirty_days(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "eve", "www.cheap-shop.com")
        await h.advance("31d")
        await h.say("c1", "eve", "www.cheap-shop.com")
        await h.drain()
        assert _warnings(h) == [FIRST_WARNING, FIRST_WARNING]


async def test_a_removed_member_joining_another_group_is_removed_again(tmp_path: Path) -> None:
    groups = {"c1": "Customer 01 客户群", "c2": "Customer 02 客户群"}
    async with Harness(SHIPPED, tmp_path, groups=groups) as h:
        for _ in range(2):
            await h.say("c1", "eve", "www.cheap-shop.com")
            await h.advance("1m")
        await h.join("c2", "eve", inviter="bob")
        await h.drain()
        assert [(k["group"], k["member"]) for k in h.actions("kick")] == [("c1", "eve"),
                                                                          ("c2", "eve")]
        [dm] = h.actions("dm")
        assert dm["to"] == "op_lin" and "已安排再次移出" in dm["text"]
        assert "欢迎" not in "".join(h.texts("c2"))  # no welcome for someone removed again


async def test_a_rejoin_storm_tells_the_admins_once_an_hour(tmp_path: Path) -> None:
    """Each join of a removed member is removed again, but the admins hear of it once per
    member and group within an hour, as a removal arranged (it may not have gone yet)."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        for _ in range(2):
            await h.say("c1", "eve", "www.cheap-shop.com")
            await h.advance("1m")
        for _ in range(5):
            await h.join("c1", "eve", inviter="bob")
            await h.leave("c1", "eve")
            await h.advance("20s")
        await h.advance("1h")
        await h.join("c1", "eve", inviter="bob")
        await h.drain()
        told = [dm["text"] for dm in h.actions("dm", to="op_lin")
                if "又加入了" in dm["text"]]
        assert len(told) == 2 and all("已安排再次移出" in text for text in told)
        assert len(h.actions("kick", member="eve")) >= 2


async def test_an_admin_inviting_a_removed_member_back_lifts_the_block(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        for _ in range(2):
            await h.say("c1", "eve", "www.cheap-shop.com")
            await h.advance("1m")
        await h.join("c1", "eve", inviter="op_lin")
        await h.drain()
        assert len(h.actions("kick")) == 1
        assert (await _audit(h, "unblock"))[0][1:3] == ("eve", "antispam")


async def test_a_message_delivered_twice_is_punished_once(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        h.world.join("c1", ["eve"])
        message = Message(h.clock.now(), "c1", h.world.member("c1", "eve"),
                          "www.cheap-shop.com", id="wx-msg-1")
        await h.feed(message)
        await h.restart()  # the in-memory duplicate filter is gone; the store remembers
        await h.feed(message)
        await h.drain()
        assert _warnings(h) == [FIRST_WARNING]


async def test_a_newcomers_ad_in_a_recruitment_group_counts_twice(tmp_path: Path) -> None:
    groups = {"r1": "Listener Recruitment 01"}
    async with Harness(SHIPPED, tmp_path, groups=groups) as h:
        await h.join("r1", "eve", "mallory")
        await h.advance("5m")
        await h.say("r1", "eve", "加V：abc123")
        await h.advance("6m")
        await h.say("r1", "mallory", "加V：abc123")  # eleven minutes after joining
        await h.drain()
        assert [k["member"] for k in h.actions("kick")] == ["eve"]
        assert "⚠️ 警告 (1/2)：发布联系方式。警告满 2 次将被移出群聊。" in h.texts("r1")


@pytest.mark.parametrize("text", [
    "提醒大家：群里有人发裸聊广告，千万别信", "新闻说警方打掉一个卖淫团伙",
    "这部电影讲的是援交少女的故事，很感人", "什么是嫖娼？小孩问我怎么回答"])
async def test_talk_about_an_illegal_service_is_a_case_for_the_admins_not_a_removal(
        tmp_path: Path, text: str) -> None:
    """A warning, the news, a film: without a contact detail or a link nobody can buy what
    they name, and removing (and blocking) the member who warns the group is the worst
    mistake the bot can make (review s36 r14 R14-2). The admins get a private case."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "eve", text)
        await h.drain()
        assert h.actions("kick") == [] and h.texts("c1") == []
        assert [row[0] for row in await _audit(h)] == ["case_opened"]


@pytest.mark.parametrize("messages", [
    ["援交服务不违法，加V：abc123"], ["裸聊 一对一 https://t.cn/x"],
    ["电话 138 0013", "8000 援交上门"]],  # the number split over the messages before it
    ids=["wechat", "link", "split-phone"])
async def test_an_illegal_service_with_a_way_to_reach_the_seller_is_removed_at_once(
        tmp_path: Path, messages: list[str]) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        for text in messages:
            await h.say("c1", "eve", text)
            await h.advance("1s")
        await h.drain()
        assert [(k["member"], k["reason"]) for k in h.actions("kick")] == [("eve", "发布违法信息")]


@pytest.mark.no_store
def test_every_shipped_type_runs_antispam_first_and_admin_second() -> None:
    deployment = config.load(SHIPPED, REGISTRY)
    for name in ("recruitment", "internship", "customer", "official"):
        names = [h.name for h in deployment.types[name].handlers]
        assert names[:2] == ["antispam", "admin"], name
    limits = {name: deployment.types[name].handlers[0].config.warn_limit
              for name in ("recruitment", "internship", "customer", "official")}
    assert limits["customer"] == 2


# ---------------------------------------------------------------- every detector and action

MODERATION = """\
handlers:
  - antispam:
      warn_limit: 2
      exempt: [trusted]
      links: {allow: [ok.example.com]}
      words:
        lists:
          - {file: words/banned.txt, reason: 违禁内容}
          - {words: ["去死吧"], reason: 人身攻击, action: kick}
      kinds: {file: log, video: off}
      repeats: {times: 3, within: 60s, min_length: 5}
      raid: {members: 3, within: 2m, min_length: 8}
  - keywords:
      rules:
        - {id: price, patterns: ["价格"], reply: "价格见群公告"}
"""
BANNED = "# banned words\n违禁品\nfuck\n"


def _moderation(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", BOT_YAML, {"recruitment": MODERATION},
                        {"words/banned.txt": BANNED})


@pytest.mark.parametrize("text", ["出售违禁品，价格好说", "F U C K", "ＦＵＣＫ"])
async def test_banned_words_are_found_in_a_sentence_and_however_written(
        tmp_path: Path, text: str) -> None:
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", text)
        await h.drain()
        assert h.texts() == ["⚠️ 警告 (1/2)：违禁内容。警告满 2 次将被移出群聊。"]


async def test_a_word_list_with_action_kick_removes_at_once(tmp_path: Path) -> None:
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "你去死吧")
        await h.drain()
        assert [k["reason"] for k in h.actions("kick")] == ["人身攻击"]
        assert h.texts() == ["📢 eve 因人身攻击已被移出群聊，请大家遵守群规。"]


async def test_link_cards_are_checked_against_the_allowlist(tmp_path: Path) -> None:
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        await h.say("r1", "alice", "好文", kind=Kind.LINK, url="https://docs.ok.example.com/a")
        await h.say("r1", "eve", "好文", kind=Kind.LINK, url="https://spam.example.net/a")
        await h.drain()
        assert [(r["text"], r["mentions"]) for r in h.actions("say")] == [
            ("⚠️ 警告 (1/2)：发布链接。警告满 2 次将被移出群聊。", ["eve"])]


async def test_a_cards_title_is_read_like_a_text(tmp_path: Path) -> None:
    """A link card's title that chat could not hold is read in full (a phone number
    there), one chat could hold is not (only the card's link then: an allowed one)."""
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        await h.say("r1", "alice", "好文推荐", kind=Kind.LINK, url="https://docs.ok.example.com/a")
        await h.say("r1", "eve", "详询 13800138000", kind=Kind.LINK,
                    url="https://docs.ok.example.com/a")
        await h.drain()
        assert [(r["text"], r["mentions"]) for r in h.actions("say")] == [
            ("⚠️ 警告 (1/2)：发布联系方式。警告满 2 次将被移出群聊。", ["eve"])]


async def test_message_kinds_follow_their_policy(tmp_path: Path) -> None:
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        await h.say("r1", "alice", "", kind=Kind.CARD)
        await h.say("r1", "bob", "", kind=Kind.FILE)
        await h.say("r1", "bob", "", kind=Kind.VIDEO)
        await h.drain()
        assert h.texts() == ["⚠️ 警告 (1/2)：发送名片。警告满 2 次将被移出群聊。"]
        assert [row[:2] for row in await _audit(h)] == [("warn", "alice"), ("flagged", "bob")]


async def test_exempt_members_are_never_checked(tmp_path: Path) -> None:
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        await h.say("r1", "trusted", "www.partner.com 违禁品")
        await h.drain()
        assert h.sent == []


async def test_the_same_text_three_times_is_a_repeat(tmp_path: Path) -> None:
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        for _ in range(3):
            await h.say("r1", "eve", "快来看看我的新店")
            await h.advance("15s")
        await h.drain()
        assert h.texts() == ["⚠️ 警告 (1/2)：重复发送相同内容。警告满 2 次将被移出群聊。"]


# a sticker's message as WeChat gateways give it (PadLocal): the same XML for the same sticker
STICKER = ('<msg><emoji fromusername="bob" tousername="r1" type="2" '
           'md5="3f2a9c0d1b7e4a5f8c6d2e1f0a9b8c7d" len="20480" width="240" height="240">'
           '</emoji></msg>')


# a picture's message as WeChat gateways give it: the md5 of the picture, the same for the
# same picture (a QR code posted again), another for each photo of a multi-select
PICTURE = ('<msg><img aeskey="6d6f6e6b6579" encryver="1" md5="9e107d9d372bb6826bd81d3542a419d6"'
           ' length="48213" cdnthumbheight="120" cdnthumbwidth="120"></img></msg>')


@pytest.mark.parametrize(("kind", "text", "repeats", "warned"), [
    (Kind.EMOJI, STICKER, "{}", []),
    (Kind.EMOJI, STICKER, "{kinds: [text, emoji]}", [["bob"]]),
    (Kind.IMAGE, PICTURE, "{}", [["bob"]]),
    (Kind.FILE, "兼职日结300元手机就能做详情看这里.pdf", "{}", [["bob"]]),
    (Kind.IMAGE, PICTURE, "{kinds: [text]}", [])])
async def test_the_same_sticker_three_times_is_no_repeat_the_same_picture_is(
        tmp_path: Path, kind: Kind, text: str, repeats: str, warned: list[list[str]]) -> None:
    """Repeats count every kind but stickers (`repeats.kinds`): the same sticker three times
    in a happy moment is no repeat (review s32a T3), the same QR-code picture or ad file
    three times in a minute is (review s32d X7), whatever `flood.kinds` says."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": (
        f"handlers:\n  - antispam:\n      repeats: {repeats}\n")})
    async with Harness(root, tmp_path) as h:
        for _ in range(3):
            await h.say("r1", "bob", text, kind=kind)
            await h.advance("5s")
        await h.drain()
        assert [r["mentions"] for r in h.actions("say")] == warned


async def test_several_members_posting_the_same_text_is_a_raid(tmp_path: Path) -> None:
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        for member in ("spam1", "spam2", "spam3", "spam4"):
            await h.say("r1", member, "兼职日结三百，详情看我朋友圈")
            await h.advance("10s")
        await h.drain()
        warned = [r["mentions"] for r in h.actions("say")]
        assert warned == [["spam2"], ["spam3"], ["spam4"]]  # never spam1, who wrote it first


@pytest.mark.parametrize(("apart", "raiders"), [(180, []), (10, [["spam1"], ["spam2"]])])
async def test_a_copy_handled_late_counts_as_a_raid_only_with_copies_near_it(
        tmp_path: Path, apart: int, raiders: list[list[str]]) -> None:
    """spam3's copy, written first but handled last: 3 minutes before the others it is no
    raid of three (`within: 2m`); 10 s before them it is, and spam3 wrote it first."""
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        first = h.clock.now()
        for member in ("spam1", "spam2"):
            await h.advance(f"{apart}s")
            await h.say("r1", member, "兼职日结三百，详情看我朋友圈")
        await h.feed(Message(first, "r1", h.world.member("r1", "spam3"),
                             "兼职日结三百，详情看我朋友圈", id="late"))
        await h.drain()
        assert [r["mentions"] for r in h.actions("say")] == raiders


async def test_short_replies_from_many_members_are_no_raid(tmp_path: Path) -> None:
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        for member in ("alice", "bob", "carol", "dave", "erin"):
            await h.say("r1", member, "收到，谢谢")
            await h.advance("5s")
        await h.drain()
        assert h.sent == []


@pytest.mark.no_store
def test_ten_thousand_banned_words_build_one_automaton_and_still_match() -> None:
    words = {"lists": [{"words": [f"违禁词{i}号" for i in range(10_000)], "reason": "违禁"}]}
    antispam = Antispam(Config.model_validate({"words": words}))
    message = Message(datetime(2026, 11, 23), "g", Member("eve", "eve"), "这里有违禁词9876号哦")
    [offence] = antispam.detect(message, message.text)
    assert (offence.detector, offence.detail) == ("words", "违禁词9876号")
    assert antispam.detect(message, "干净的消息") == []


@pytest.mark.no_store
def test_yaml_off_means_ignore() -> None:
    assert Config.model_validate({"flood": {"action": False}}).flood.action == "ignore"


@pytest.mark.no_store
@pytest.mark.parametrize("section, expected", [
    ("links: {action: delete}",
     "types/recruitment.yaml:3: handlers.antispam.links.action: Input should be 'ignore', "
     "'log', 'review', 'warn' or 'kick'"),
    ("flood: {within: 2h}",
     "types/recruitment.yaml:3: handlers.antispam.flood.within: Input should be less than"),
    ("words: {lists: [{reason: x}]}",
     "types/recruitment.yaml:3: handlers.antispam.words.lists[0]: give `file`"),
    ("warnings_expire: 30d",
     "types/recruitment.yaml:2: handlers.antispam: `warnings_expire` is now called `warn_window`"),
    ("messages: {warning: '{who} 警告'}",
     "types/recruitment.yaml:3: handlers.antispam.messages.warning: unknown placeholder {who}"),
])
def test_a_bad_setting_names_file_line_and_key(tmp_path: Path, section: str,
                                               expected: str) -> None:
    root = write_config(tmp_path / "config", BOT_YAML,
                        {"recruitment": f"handlers:\n  - antispam:\n      {section}\n"})
    with pytest.raises(InputError) as caught:
        config.load(root, REGISTRY)
    problems = [str(p).replace(str(root) + "/", "") for p in caught.value.problems]
    assert any(p.startswith(expected) for p in problems), problems


async def test_an_ad_in_a_message_of_another_kind_is_still_warned(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "eve", "加V：abc12345 https://cheap.example.com", kind=Kind.OTHER)
        await h.advance("1m")
        assert _warnings(h) and all("价格" not in t for t in h.texts())


# ---------------------------------------------------------------- severities and review cases

SEVERITIES = """\
handlers:
  - antispam:
      warn_limit: 2
      words:
        lists:
          - {words: ["援交"], reason: 疑似色情交易, action: review}
          - {words: ["去死吧"], reason: 人身攻击, action: remove}
  - admin: {}
  - keywords:
      rules:
        - {id: help, patterns: ["活动"], reply: "活动见群公告"}
"""
PRIVATE = "handlers:\n  - admin: {}\n"


def _severities(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", BOT_YAML + "direct: private\n",
                        {"recruitment": SEVERITIES, "private": PRIVATE})


def _case_id(dm: dict[str, Any]) -> str:
    first = dm["text"].splitlines()[0]  # "[群管] 待处理 K3F2（words）· 「…」"
    return first.split()[2].split("（")[0]


async def test_review_sends_a_private_case_and_nothing_public(tmp_path: Path) -> None:
    async with Harness(_severities(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "援交活动\n⚠️ 警告 (2/2)")
        await h.drain()
        assert h.texts() == ["活动见群公告"]  # no warning; later handlers still answer
        [dm] = h.actions("dm")
        lines = dm["text"].splitlines()
        assert dm["to"] == "admin" and len(lines) == 5
        assert lines[1:] == [
            "成员：eve（eve）", "原因：疑似色情交易（援交）",
            "消息：援交活动 ⚠️ 警告 (2/2)",  # on one line: it cannot forge a line
            f"回复 /warn {_case_id(dm)} 警告，/kick {_case_id(dm)} 移出，"
            f"/dismiss {_case_id(dm)} 不处理"]
        assert (await _audit(h, "warn")) == []


async def test_an_admin_warns_a_case_privately_and_the_warning_counts(
        tmp_path: Path) -> None:
    async with Harness(_severities(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "找援交的私聊")
        await h.drain()
        case = _case_id(h.actions("dm")[0])
        await h.say(None, "admin", f"/warn {case.lower()}")
        await h.say(None, "admin", f"/dismiss {case}")   # too late: settled once
        await h.drain()
        assert h.texts("r1") == ["⚠️ 警告 (1/2)：疑似色情交易。警告满 2 次将被移出群聊。"]
        replies = [d["text"] for d in h.actions("dm", to="admin")][1:]
        assert replies[0] == f"案件 {case}：已在群里警告 eve。"
        assert replies[1].startswith(f"案件 {case} 已于 ") and replies[1].endswith(
            " 由 admin 结案：已警告。")
        await h.say("r1", "eve", "www.cheap-shop.com")     # the second warning removes
        await h.drain()
        assert [k["member"] for k in h.actions("kick")] == ["eve"]



async def test_a_reason_given_with_a_case_command_is_kept_as_one_short_line(
        tmp_path: Path) -> None:
    """As `/warn @x reason`'s: one line of at most 100 characters in the warnings, the block
    list and the audit log (review s31 S26: kept as typed, 3 lines of 300+ characters)."""
    async with Harness(_severities(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "找援交的私聊")
        await h.drain()
        case = _case_id(h.actions("dm")[0])
        await h.say(None, "admin", f"/warn {case} 第一行\n第二行\n" + "很长的理由" * 60)
        await h.drain()
        [(reason,)] = await h.bot.store.all("SELECT reason FROM warnings")
        [(detail,)] = await h.bot.store.all("SELECT detail FROM audit WHERE action='warn'")
    assert reason.startswith("第一行 第二行 很长的理由") and len(reason) <= 100
    assert "\n" not in reason and "\n" not in detail

async def test_a_dismissed_case_does_nothing_in_the_group(tmp_path: Path) -> None:
    async with Harness(_severities(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "找援交的私聊")
        await h.drain()
        case = _case_id(h.actions("dm")[0])
        await h.say(None, "admin", "/cases")
        await h.say(None, "admin", f"/忽略 {case}")
        await h.say(None, "admin", "/cases")
        await h.drain()
        replies = [d["text"] for d in h.actions("dm", to="admin")][1:]
        assert replies[0].startswith("待处理的案件") and f"· {case} " in replies[0]
        assert replies[1:] == [f"案件 {case}：不处理，已结案。", "没有待处理的案件。"]
        assert h.texts("r1") == [] and h.actions("kick") == []
        assert (await _audit(h, "case_dismissed"))[0][1:] == ("eve", "admin",
                                                              f"{case} by admin")


async def test_a_case_the_bot_cannot_remove_for_stays_open(tmp_path: Path) -> None:
    async with Harness(_severities(tmp_path), tmp_path, owner="admin") as h:
        await h.say("r1", "eve", "找援交的私聊")
        await h.drain()
        case = _case_id(h.actions("dm")[0])
        await h.say(None, "admin", f"/kick {case}")
        await h.say(None, "admin", f"/warn {case} 请注意言辞")
        await h.drain()
        assert h.actions("kick") == []
        replies = [d["text"] for d in h.actions("dm", to="admin")][1:]
        assert replies[0].startswith(f"案件 {case}：机器人不是该群群主，无法移出 eve")
        assert replies[1] == f"案件 {case}：已在群里警告 eve。"
        assert h.texts("r1") == ["⚠️ 警告 (1/2)：请注意言辞。警告满 2 次将被移出群聊。"]


async def test_remove_severity_removes_at_once(tmp_path: Path) -> None:
    async with Harness(_severities(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "你去死吧")
        await h.drain()
        assert [k["reason"] for k in h.actions("kick")] == ["人身攻击"]


async def test_warn_window_sets_how_long_a_warning_counts(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": (
        "handlers:\n  - antispam: {warn_limit: 2, warn_window: 1h}\n")})
    async with Harness(root, tmp_path) as h:
        for wait in ("61m", "59m"):
            await h.say("r1", "eve", "www.cheap-shop.com")
            await h.advance(wait)
        await h.say("r1", "eve", "www.cheap-shop.com")
        await h.drain()
        assert [t[:11] for t in h.texts()] == ["⚠️ 警告 (1/2)", "⚠️ 警告 (1/2)",
                                               "📢 eve 因发布链接"]


# ---------------------------------------------------------------- raids

RAID = "兼职日结三百，详情看我朋友圈"


async def test_a_raid_never_punishes_the_author_whose_text_was_copied(tmp_path: Path) -> None:
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        await h.say("r1", "alice", "周六下午三点在三楼会议室开分享会")
        await h.advance("1m")
        for member in ("alice", "fake1", "fake2"):
            await h.say("r1", member, "大家周六下午三点来三楼会议室开分享会")
            await h.advance("10s")
        await h.drain()
        assert [r["mentions"] for r in h.actions("say")] == [["fake1"], ["fake2"]]


async def test_newcomers_answering_with_the_phrase_an_admin_asked_for_are_no_raid(
        tmp_path: Path) -> None:
    reply = "已阅读并同意遵守群规"
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        await h.join("r1", "n1", "n2", "n3", "n4")
        await h.say("r1", "admin", f"看完群规的请回复：{reply}")
        for member in ("n1", "n2", "n3", "n4"):
            await h.say("r1", member, reply)
            await h.advance("10s")
        await h.drain()
        assert h.sent == []
        await h.advance("1h")  # an hour later the admin's message no longer asks for it
        for member in ("n1", "n2", "n3"):
            await h.say("r1", member, reply)
            await h.advance("10s")
        await h.drain()
        assert [r["mentions"] for r in h.actions("say")] == [["n2"], ["n3"]]


async def test_newcomers_answering_as_the_bots_welcome_asks_are_no_raid(
        tmp_path: Path) -> None:
    # WeChat never hands the bot its own messages: what it says is recorded as it is queued
    # (review s31 S18)
    reply = "已阅读并同意遵守群规"
    welcome = "  - welcome: {template: '欢迎加入{group}！看完群规的请回复：" + reply + "'}\n"
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": MODERATION + welcome},
                        {"words/banned.txt": BANNED})
    async with Harness(root, tmp_path) as h:
        await h.join("r1", "n1", "n2", "n3", "n4")
        await h.advance("1m")
        assert any(reply in text for text in h.texts("r1"))  # the welcome went
        for member in ("n1", "n2", "n3", "n4"):
            await h.say("r1", member, reply)
            await h.advance("10s")
        await h.drain()
        assert _warnings(h) == []
        await h.advance("1h")  # an hour later the welcome no longer asks for it
        for member in ("n1", "n2", "n3"):
            await h.say("r1", member, reply)
            await h.advance("10s")
        await h.drain()
        assert [r["mentions"] for r in h.actions("say") if r["text"].startswith("⚠️")] == [
            ["n2"], ["n3"]]


@pytest.mark.parametrize("greeting", ["大家好，新人报到，请多多关照",
                                      "大家好，我是新来的，请多多指教",
                                      "祝大家中秋节快乐，阖家幸福！"])
async def test_newcomers_greeting_alike_are_no_raid(tmp_path: Path, greeting: str) -> None:
    """A join wave's newcomers say the group's stock greeting (review s31 S23): small talk
    (bot/smalltalk.py) is no raid, not even a case for the admins."""
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        await h.join("r1", "n1", "n2", "n3", "n4")
        for member in ("n1", "n2", "n3", "n4"):
            await h.say("r1", member, greeting)
            await h.advance("20s")
        await h.drain()
        assert h.sent == []


@pytest.mark.parametrize(("text", "warned"), [(RAID, []), (f"{RAID}，违禁品", [["spam3"]])])
async def test_a_plain_raid_is_a_case_where_plain_is_review(
        tmp_path: Path, text: str, warned: list[list[str]]) -> None:
    """`plain: review`: copies with nothing but sameness go to the admins; a raid whose text
    a content detector flags too (here a listed word, each copy a warning of its own) stays
    a raid's warning for the copies not acted on yet."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": MODERATION.replace(
        "min_length: 8}", "min_length: 8, plain: review}").replace(
        "reason: 违禁内容}", "reason: 违禁内容, severity: review}")},
        {"words/banned.txt": BANNED})
    async with Harness(root, tmp_path) as h:
        for member in ("spam1", "spam2", "spam3"):
            await h.say("r1", member, text)
            await h.advance("10s")
        await h.drain()
        assert [r["mentions"] for r in h.actions("say")] == warned
        assert h.actions("dm")  # the cases: the raid's, or the listed word's


async def test_members_with_a_history_are_never_raiders(tmp_path: Path) -> None:
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        await h.join("r1", "carol", "dave")
        for member in ("carol", "dave"):
            await h.say("r1", member, "大家好")
        await h.advance("4d")
        for member in ("alice", "carol", "dave"):  # alice was there before the bot: history
            await h.say("r1", member, RAID)
            await h.advance("10s")
        await h.drain()
        assert h.sent == []


async def test_a_recent_joiner_copying_is_a_raider_despite_having_spoken(
        tmp_path: Path) -> None:
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        await h.join("r1", "carol", "dave")
        for member in ("carol", "dave"):
            await h.say("r1", member, "大家好")
        await h.advance("1d")
        for member in ("alice", "carol", "dave"):
            await h.say("r1", member, RAID)
            await h.advance("10s")
        await h.drain()
        assert [r["mentions"] for r in h.actions("say")] == [["carol"], ["dave"]]


async def test_when_unsure_about_a_raid_the_admins_decide(tmp_path: Path) -> None:
    async with Harness(_moderation(tmp_path), tmp_path) as h:
        await h.say("r1", "bob", "早")                      # bob has a history
        for member in ("alice", "bob", "newbie"):
            await h.say("r1", member, RAID)
            await h.advance("10s")
        await h.drain()
        assert h.texts() == []
        [dm] = h.actions("dm")
        assert dm["to"] == "admin" and "（raid）" in dm["text"].splitlines()[0]
        assert "成员：newbie（newbie）" in dm["text"]


async def test_an_unsure_raid_that_becomes_sure_settles_its_case(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML + "direct: private\n",
                        {"recruitment": MODERATION, "private": PRIVATE},
                        {"words/banned.txt": BANNED})
    async with Harness(root, tmp_path) as h:
        await h.say("r1", "bob", "早")
        for member in ("alice", "bob", "newbie", "newbie2"):
            await h.say("r1", member, RAID)
            await h.advance("10s")
        await h.drain()
        case = _case_id(h.actions("dm")[0])
        await h.say(None, "admin", f"/warn {case}")
        await h.drain()
        assert [r["mentions"] for r in h.actions("say")] == [["newbie"], ["newbie2"]]
        assert h.actions("dm")[-1]["text"].endswith(" 由 bot 结案：已警告。")


async def test_raid_history_can_be_switched_off(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": (
        "handlers:\n  - antispam:\n      raid: {members: 3, history: null}\n")})
    async with Harness(root, tmp_path) as h:
        await h.say("r1", "bob", "早")
        for member in ("alice", "bob", "newbie"):
            await h.say("r1", member, RAID)
            await h.advance("10s")
        await h.drain()
        assert [r["mentions"] for r in h.actions("say")] == [["bob"], ["newbie"]]


@pytest.mark.parametrize("action", ["review", "log"])
async def test_a_raid_set_to_review_or_log_warns_nobody(tmp_path: Path, action: str) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": (
        f"handlers:\n  - antispam:\n      raid: {{members: 3, action: {action}}}\n")})
    async with Harness(root, tmp_path) as h:
        for member in ("spam1", "spam2", "spam3", "spam4"):
            await h.say("r1", member, RAID)
            await h.advance("10s")
        await h.drain()
        assert h.texts() == [] and await _audit(h, "warn") == []
        expected = {"review": "case_opened", "log": "flagged"}[action]
        assert [row[1] for row in await _audit(h, expected)] == ["spam2", "spam3", "spam4"]
        assert len(h.actions("dm")) == (3 if action == "review" else 0)


# ---------------------------------------------------------------- databases made before


async def test_warnings_in_a_database_made_before_moderation_moved_still_count(
        tmp_path: Path) -> None:
    store = await open_store(tmp_path / "bot.db", {"antispam": (OLD_ANTISPAM_V1,)})
    at = datetime(2026, 11, 23, 8, 0, tzinfo=TZ).timestamp()
    await store.execute("INSERT INTO warnings (grp, member, at, detector, reason) VALUES"
                        " ('c1', 'eve', ?, 'links', '发布链接')", (at,))
    await store.execute("INSERT INTO blocklist VALUES ('mallory', ?, 'c1', '发布链接')", (at,))
    await store.close()
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER, db=tmp_path / "bot.db") as h:
        await h.say("c1", "eve", "www.cheap-shop.com")
        await h.join("c1", "mallory", inviter="bob")
        await h.drain()
        assert sorted(k["member"] for k in h.actions("kick")) == ["eve", "mallory"]


OLD_ANTISPAM_V1 = """
CREATE TABLE warnings (
    id INTEGER PRIMARY KEY AUTOINCREMENT, grp TEXT NOT NULL, member TEXT NOT NULL,
    at REAL NOT NULL, detector TEXT NOT NULL, reason TEXT NOT NULL,
    weight INTEGER NOT NULL DEFAULT 1, message TEXT NOT NULL DEFAULT '', ended TEXT);
CREATE INDEX warnings_member ON warnings (grp, member, at);
CREATE UNIQUE INDEX warnings_message ON warnings (grp, member, message) WHERE message != '';
CREATE TABLE blocklist (
    member TEXT PRIMARY KEY, at REAL NOT NULL, grp TEXT NOT NULL, reason TEXT NOT NULL);
""" + Antispam.migrations[0]  # the rest of migration 1 as it was


@pytest.mark.no_store
def test_types_and_loads_with_the_same_word_lists_share_one_matcher() -> None:
    """The matcher of a word list is made once (bot/banned.py `banned_words`); a list that
    changed gets its own."""
    def detector(words: list[str]) -> Antispam:
        handler = Antispam(Config.model_validate(
            {"words": {"lists": [{"words": words, "reason": "违禁"}]}}))
        handler.prepare()
        return handler

    first, again, other = detector(["违禁品"]), detector(["违禁品"]), detector(["广告位"])
    assert first._words is again._words
    assert other._words is not first._words
    event = Message(datetime(2026, 11, 23, 9, 0, tzinfo=TZ), "g", Member("m", "m"), "卖广告位")
    assert [o.detail for o in other.detect(event, event.text)] == ["广告位"]
    assert first.detect(event, event.text) == []


@pytest.mark.no_store
def test_a_texts_digest_is_the_same_whenever_it_is_taken() -> None:
    """The rows keep each text's digest (8 bytes of BLAKE2b, hex) across restarts and
    versions: a digest taken after others, or again, is the one of the text alone."""
    texts = ["今天天气不错 1", "", "加我 abc888", "今天天气不错 1", "x" * 300]
    expected = [hashlib.blake2b(text.encode(), digest_size=8).hexdigest() for text in texts]
    assert [_digest(text) for text in texts] == expected
    assert [_digest(text) for text in reversed(texts)] == expected[::-1]
