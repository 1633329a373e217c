"""Quote-replies (WeChat's 引用): the gateway hands one over as a text, 「name：quoted text」,
a rule, the reply (wechaty-puppet-padlocal's referMsgParser). The member's own words are the
reply: a member who quotes an ad to warn the others did not post it, a quoted question's
option letters are no answer, 「签到」 under a quoted push is a check-in (review s33a Q1,
Q2). Typed by hand, the same format is plain text the group sees: an ad in a quote the group
never saw is the sender's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, Harness

from bot.events import QUOTE_RULE, Kind, Quote, quote_reply

AD = "兼职日结300，手机就能做，加V abc12345"
FIRST_WARNING = "⚠️ 警告 (1/2)：发布联系方式。警告满 2 次将被移出群聊。"
INTERNSHIP = {"i1": "Listener Internship 01", "o1": "Listener Official 01"}


def quoting(name: str, quoted: str, reply: str) -> str:
    """A quote-reply's text as PadLocal renders it."""
    return f"「{name}：{quoted}」\n- - - - - - - - - - - - - - -\n{reply}"


# ---------------------------------------------------------------- the split


@pytest.mark.parametrize(("text", "reply", "quote"), [
    (quoting("兼职小妹", AD, "大家别加，这是骗子"), "大家别加，这是骗子", Quote("兼职小妹", AD)),
    (quoting("小助手", "第 1 题\nA. 是", "A"), "A", Quote("小助手", "第 1 题\nA. 是")),
    (quoting("Bob", "图片", "这是哪里"), "这是哪里", Quote("Bob", "图片")),  # a quoted picture
    (quoting("Bob", "时间：明天", "好"), "好", Quote("Bob", "时间：明天")),  # the name ends first
    (quoting("Bob", "a", f"b{QUOTE_RULE}c"), f"b{QUOTE_RULE}c", Quote("Bob", "a")),
], ids=["ad", "multi-line", "picture", "colon-in-quote", "rule-in-reply"])
def test_a_quote_reply_is_split_into_the_reply_and_the_quote(text: str, reply: str,
                                                               quote: Quote) -> None:
    assert quote_reply(text) == (reply, quote)
    assert quote.around(reply) == text


@pytest.mark.parametrize("text", [
    "「签到」",
    "「Bob：你好」 没有分隔线",
    "「没有冒号」\n- - - - - - - - - - - - - - -\n回复",
    "引用「Bob：你好」\n- - - - - - - - - - - - - - -\n回复",
    "「Bob：你好\n- - - - - - - - - - - - - - -\n回复",
    "",
])
def test_any_other_text_is_the_members_own(text: str) -> None:
    assert quote_reply(text) == (text, None)


# ---------------------------------------------------------------- antispam


@pytest.mark.parametrize("name", ["eve", "招聘：小王"], ids=["name", "name-with-colon"])
async def test_a_member_who_quotes_an_ad_to_report_it_is_not_punished(
        tmp_path: Path, name: str) -> None:
    """A name may hold a 「：」, where the platform's quote ends it (review s33c C5)."""
    async with Harness(SHIPPED, tmp_path) as h:
        h.world.join("r1", ["eve"])
        h.world.rename("r1", "eve", name)
        await h.say("r1", "eve", AD)
        await h.advance("30s")
        await h.say("r1", "alice", quoting(name, AD, "大家别加，这是骗子"))
        await h.advance("10m")
        await h.say("r1", "eve", AD)
        await h.advance("30s")
        await h.say("r1", "alice", quoting(name, AD, "@林运营 又来了，快踢了她"))
        await h.drain()
        warned = [r["mentions"] for r in h.actions("say", group="r1")
                  if r["text"].startswith("⚠️")]
        assert warned == [["eve"]]
        assert [k["member"] for k in h.actions("kick")] == ["eve"]


@pytest.mark.parametrize(("later", "warned"), [
    ("2h", [["eve"]]),                  # past the recent hour: the bot acted on the ad
    ("6d", [["eve"]]),
    ("8d", [["eve"], ["alice"]]),       # a week on, the quote is read as hers again
], ids=["2h", "6d", "8d"])
@pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL
async def test_a_report_quoting_an_ad_the_bot_acted_on_is_no_ad_for_a_week(
        tmp_path: Path, later: str, warned: list[list[str]]) -> None:
    """An ad warned about two hours before, quoted to report it, was taken for the reporter's
    own (review s34 C4): a text the bot acted on is known by its poster for a week."""
    async with Harness(SHIPPED, tmp_path) as h:
        h.world.join("r1", ["eve"])
        await h.say("r1", "eve", AD)
        await h.advance(later)
        await h.say("r1", "alice", quoting("eve", AD, "@林运营 这个人之前发广告"))
        await h.drain()
        assert [r["mentions"] for r in h.actions("say", group="r1")
                if r["text"].startswith("⚠️")] == warned
        # what was kept of eve's ad goes after the week (alice's quote is kept if warned)
        # eve's ad, and alice's report of it (her one) or her quote warned as her own;
        # what was kept of eve's ad goes after the week
        kept = {member for member, in await h.bot.store.all(
            "SELECT member FROM antispam_flagged")}
        assert kept == ({"alice"} if later == "8d" else {"eve", "alice"})


async def test_a_member_quoting_an_old_ad_again_or_one_who_joined_after_it_answers_for_it(
        tmp_path: Path) -> None:
    """A typed quote is an ad the group sees: an accomplice reposting a warned ad as a quote
    day after day, or an account that joined after it, is warned (review s38 R29-2). One
    report a member; a newcomer never saw the ad in the group."""
    async with Harness(SHIPPED, tmp_path) as h:
        h.world.join("r1", ["eve"])
        await h.say("r1", "eve", AD)
        await h.advance("1d")
        await h.join("r1", "sock")
        await h.say("r1", "sock", quoting("eve", AD, "有需要的看这里"))
        for day in range(2):
            await h.advance("1d")
            await h.say("r1", "alice", quoting("eve", AD, f"又看到这个了{day}"))
        await h.drain()
        assert [r["mentions"] for r in h.actions("say", group="r1")
                if r["text"].startswith("⚠️")] == [["eve"], ["alice"]]
        assert [k["member"] for k in h.actions("kick")] == ["sock"]  # (a newcomer's ad)


async def test_a_report_does_not_make_the_ad_last_longer(tmp_path: Path) -> None:
    """A report on the 6th day kept the ad known for a week from then, and on the 9th its
    poster quoting it was taken for a reporter (review s38 R30-5)."""
    async with Harness(SHIPPED, tmp_path) as h:
        h.world.join("r1", ["eve"])
        await h.say("r1", "eve", AD)
        await h.advance("6d")
        await h.say("r1", "alice", quoting("eve", AD, "@林运营 这个人之前发广告"))
        await h.advance("3d")
        await h.say("r1", "eve", quoting("eve", AD, "还有名额，私我"))
        await h.say("r1", "bob", quoting("eve", AD, "有需要的看这里"))
        await h.drain()
        assert [r["mentions"] for r in h.actions("say", group="r1")
                if r["text"].startswith("⚠️")] == [["eve"], ["bob"]]
        assert [k["member"] for k in h.actions("kick")] == ["eve"]


async def test_the_poster_quoting_her_own_ad_the_bot_acted_on_hours_later_is_removed(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        h.world.join("r1", ["eve"])
        await h.say("r1", "eve", AD)
        await h.advance("3h")
        await h.say("r1", "eve", quoting("eve", AD, "还有名额"))
        await h.drain()
        assert [k["member"] for k in h.actions("kick")] == ["eve"]


async def test_an_ad_in_a_quote_the_group_never_saw_is_the_senders_own(
        tmp_path: Path) -> None:
    """Anyone can type the format: the group sees the ad all the same."""
    async with Harness(SHIPPED, tmp_path) as h:
        await h.say("r1", "bob", "大家好")
        await h.say("r1", "mallory", quoting("bob", AD, "有需要的看这里"))
        await h.drain()
        [warning] = [r for r in h.actions("say", group="r1") if r["text"].startswith("⚠️")]
        assert (warning["text"], warning["mentions"]) == (FIRST_WARNING, ["mallory"])


async def test_an_ad_for_the_name_of_a_quote_the_group_saw_is_the_senders_own(
        tmp_path: Path) -> None:
    """A text the group saw, under a name that is none of its posters': the name is typed."""
    async with Harness(SHIPPED, tmp_path) as h:
        await h.say("r1", "bob", "大家好，今天的培训几点开始")
        await h.say("r1", "alice", quoting("bob", "大家好，今天的培训几点开始", "八点"))
        await h.say("r1", "mallory", quoting("加V abc12345", "大家好，今天的培训几点开始", "同问"))
        await h.drain()
        [warning] = [r for r in h.actions("say", group="r1") if r["text"].startswith("⚠️")]
        assert (warning["text"], warning["mentions"]) == (FIRST_WARNING, ["mallory"])


async def test_a_quote_of_the_bots_own_text_is_neither_a_case_nor_a_request(
        tmp_path: Path) -> None:
    """The rules forbid 色情 (a listed word, a case for the admins in a sentence that
    forbids it); quoting them with 「收到」 is neither that nor a request for the rules."""
    async with Harness(SHIPPED, tmp_path) as h:
        await h.say("r1", "alice", "群规")
        await h.drain()
        [rules] = h.texts("r1")
        await h.say("r1", "bob", quoting("小助手", rules, "收到"))
        await h.drain()
        assert h.texts("r1") == [rules]
        assert h.actions("dm") == []
        # typed by a member who was never shown them: read as theirs (a case, no warning)
        await h.say("r1", "carol", quoting("小助手", rules.replace("群规", "规矩"), "收到"))
        await h.drain()
        [case] = h.actions("dm")
        assert "色情" in case["text"] and "carol" in case["text"]
        assert h.texts("r1") == [rules]


# ---------------------------------------------------------------- the member flows


async def test_quiz_answers_given_by_quoting_the_question_count(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=INTERNSHIP) as h:
        await h.say("i1", "dave", "开始考试")
        for answer in ["C", "A", "BCD", "BC", "我会陪着对方，让他慢慢说"]:
            await h.advance("20s")
            question = h.texts("i1")[-1]
            await h.say("i1", "dave", quoting("小助手", question, answer))
        await h.advance("1m")
        assert any(t.startswith("🎉 恭喜以 100 分通过") for t in h.texts("i1"))


async def test_a_check_in_and_a_quiz_start_by_quoting_the_bot(tmp_path: Path) -> None:
    push = "☀️ 早上好！新的一天从打卡开始：发送「签到」，连续签到 7 天额外奖励 30 分。"
    lesson = "📚 实习培训 第 5/5 课\n最后一课结束后，发送「开始考试」参加考核。"
    async with Harness(SHIPPED, tmp_path, groups=INTERNSHIP) as h:
        await h.say("i1", "dave", quoting("小助手", push, "签到"))
        await h.say("i1", "dave", quoting("小助手", lesson, "开始考试"))
        await h.advance("1m")  # (within the first question's 3 minutes)
        [checked_in, started] = h.texts("i1")
        assert checked_in.startswith("✅ dave 签到成功！")
        assert started.startswith("📝 开始「")


async def test_a_warned_member_who_reposts_her_ad_as_a_quote_of_herself_is_removed(
        tmp_path: Path) -> None:
    """A quote of the sender's own words is her text again, seen or not (review s33c C8)."""
    async with Harness(SHIPPED, tmp_path) as h:
        await h.say("r1", "bob", "大家好")
        await h.say("r1", "eve", AD)
        for i in range(2):
            await h.advance("2m")
            await h.say("r1", "eve", quoting("eve", AD, f"看{i}"))
        await h.drain()
        assert [k["member"] for k in h.actions("kick")] == ["eve"]


SPAM = "点我头像领取免费红包福利，名额有限先到先得"


async def test_a_typed_quote_repeated_is_a_repeat(tmp_path: Path) -> None:
    """Repeats compare the whole text the group sees, typed quote and all (s33c C7)."""
    async with Harness(SHIPPED, tmp_path) as h:
        await h.say("r1", "bob", "大家好")
        for _ in range(4):
            await h.say("r1", "eve", quoting("bob", SPAM, "看"))
            await h.advance("10s")
        await h.drain()
        warned = [(r["text"], r["mentions"]) for r in h.actions("say", group="r1")
                  if r["text"].startswith("⚠️")]
        assert warned == [("⚠️ 警告 (1/2)：重复发送相同内容。警告满 2 次将被移出群聊。", ["eve"])]


@pytest.mark.parametrize(("quoted", "reply", "raid"), [
    (SPAM, "看看", True),  # typed: a raid as the plain ad is
    ("明天上午九点在三楼会议室开会，请大家准时参加", "收到", False),  # the notice was seen
], ids=["typed", "seen"])
async def test_newcomers_posting_one_quote_are_a_raid_unless_the_group_saw_it(
        tmp_path: Path, quoted: str, reply: str, raid: bool) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.join("r1", "x1", "x2", "x3", "x4", "x5")
        await h.advance("1m")
        await h.say("r1", "bob", "明天上午九点在三楼会议室开会，请大家准时参加")
        for member in ["x1", "x2", "x3", "x4", "x5"]:
            await h.say("r1", member, quoting("bob", quoted, reply))
            await h.advance("5s")
        await h.drain()
        cases = [r["text"] for r in h.actions("dm") if "（raid）" in r["text"]]
        assert bool(cases) is raid



NOTICE = "明天上午九点在三楼会议室开会，请大家准时参加"


@pytest.mark.parametrize("newcomers", [True, False], ids=["newcomers", "old members"])
@pytest.mark.parametrize(("age", "quoted", "bob_says"), [
    ("1m", NOTICE, NOTICE),     # the notice is in the recent hour
    ("61m", NOTICE, NOTICE),    # older than the recent hour
    ("1m", "图片", None),        # a quote of the picture bob posted
], ids=["notice-1m", "notice-61m", "picture"])
async def test_members_acknowledging_a_quote_are_no_raid(
        tmp_path: Path, age: str, quoted: str, bob_says: str | None, newcomers: bool) -> None:
    """Five members quoting a notice of more than an hour ago, or a picture, with 「收到」
    were a raid: the admins got a case for each after the first (review s33e E3). A reply of
    small talk is no raid whatever it quotes; a quoted picture has no text anyone typed."""
    async with Harness(SHIPPED, tmp_path) as h:
        members = ["x1", "x2", "x3", "x4", "x5"]
        if newcomers:
            await h.join("r1", *members)
        if bob_says is None:
            await h.say("r1", "bob", "", kind=Kind.IMAGE)
        else:
            await h.say("r1", "bob", bob_says)
        await h.advance(age)
        for member in members:
            await h.say("r1", member, quoting("bob", quoted, "收到"))
            await h.advance("5s")
        await h.drain()
        assert [r["text"] for r in h.actions("dm") if "（raid）" in r["text"]] == []
        assert h.actions("kick") == [] and h.actions("say", mentions=["x1"]) == []
