"""Sign-up questions the shipped invite handler read wrong (s41 h50b): a question about signing
up signs nobody up but is never left unanswered; a sign-up that only says something about the
member (「报名 我符合条件」) asks nothing more; asking when one may sign up is a question."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from harness import BOT_YAML, SHIPPED, Harness, write_config

from bot.text import normalize
from handlers.invite import Config, InviteHandler, Reading

RECRUITMENT = {"r1": "Listener Recruitment 01", "i1": "Listener Internship 01"}
INVITED = "报名成功！已邀请你加入「Listener Internship 01」，请在微信里接受群邀请 📚"
HINT = next(h["invite"] for h in yaml.safe_load(
    (SHIPPED / "types" / "recruitment.yaml").read_text(encoding="utf-8"))["handlers"]
    if "invite" in h)["hint"]


def _faq(name: str) -> str:
    return (SHIPPED.parent / "content" / "faq" / f"{name}.md").read_text().strip()


def _reading(text: str) -> Reading:
    invite = InviteHandler(Config(words=["报名", "join"], to="internship"))
    invite.prepare()
    return invite.reading(normalize(text))


@pytest.mark.parametrize("text", ["报名 我符合条件", "报名，我符合条件", "我要报名 我符合要求"])
async def test_a_sign_up_saying_the_member_qualifies_asks_nothing_more(tmp_path: Path,
                                                                       text: str) -> None:
    """Invited, and the message goes no further: with a mention, faq would answer the
    requirements nobody asked for."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", f"@Helper {text}", mentions=("bot",))
        await h.advance("1m")
        assert [a["action"] for a in h.actions("invite")] == ["invite"]
        assert h.texts("r1") == [INVITED], h.texts("r1")


@pytest.mark.parametrize("text", ["我要报名，条件", "我要报名，收入呢"])
async def test_a_sign_up_beside_a_thing_of_signing_up_alone_still_asks_it(tmp_path: Path,
                                                                          text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", f"@Helper {text}", mentions=("bot",))
        await h.advance("1m")
        assert [a["action"] for a in h.actions("invite")] == ["invite"]
        texts = h.texts("r1")
    assert len(texts) == 2 and texts[0] == INVITED, texts


@pytest.mark.parametrize("text", ["可以报名的时间？", "能报名的时间？"])
async def test_asking_when_one_may_sign_up_gets_the_answer_and_no_invitation(
        tmp_path: Path, text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", text)
        await h.advance("1m")
        assert h.actions("invite") == []
        texts = h.texts("r1")
    assert len(texts) == 1 and texts[0].startswith("报名流程："), texts


@pytest.mark.parametrize("text", ["我可以报名吗？", "现在还能报名吗", "可以报名不？", "我想报名",
                                  "可以报名，我的时间很自由"])
async def test_asking_whether_one_may_sign_up_still_signs_up(tmp_path: Path, text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", text)
        await h.advance("1m")
        assert [a["action"] for a in h.actions("invite")] == ["invite"]
        assert h.texts("r1")[0] == INVITED, h.texts("r1")


# questions about signing up that neither keywords nor faq answer in the shipped recruitment type
UNANSWERED = ["报名 时间自由吗", "报名 时间怎么安排", "报名入口？", "报名地址？", "报名截止了吗",
              "什么时候可以报名", "报名要交钱吗？", "我还没报名，报名要交钱吗", "为什么不能报名"]


@pytest.mark.parametrize("text", UNANSWERED)
async def test_a_question_about_signing_up_nothing_answers_gets_the_hint(tmp_path: Path,
                                                                        text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        await h.say("r1", "alice", text)
        await h.advance("1m")
        assert h.actions("invite") == []
        [reply] = h.actions("say", group="r1")
    assert reply["text"] == HINT and reply["mentions"] == ["alice"], reply


@pytest.mark.parametrize(("text", "faq"), [("怎么报名", "signup"), ("报名流程？", "signup"),
                                           ("可以报名的时间？", "signup"),
                                           ("报名 收入怎么算", "income"),
                                           ("报名要求？", "requirements")])
async def test_a_question_keywords_answers_gets_that_answer_alone(tmp_path: Path, text: str,
                                                                  faq: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        await h.say("r1", "alice", text)
        await h.advance("1m")
        assert h.actions("invite") == []
        texts = h.texts("r1")
    assert len(texts) == 1 and _faq(faq) in texts[0], texts


async def test_a_question_to_the_bot_gets_faq_s_answer_not_the_hint(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        await h.say("r1", "alice", "@Helper 报名有年龄限制吗", mentions=("bot",))
        await h.advance("1m")
        texts = h.texts("r1")
    assert texts == [_faq("requirements")], texts


@pytest.mark.parametrize("text", ["先不报名了", "明天报名", "我还没报名", "报名不收任何费用",
                                  "先不报名了，报名群好吵吗"])
async def test_a_no_to_signing_up_gets_nothing(tmp_path: Path, text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        await h.say("r1", "alice", text)
        await h.advance("1m")
        assert h.sent == [], h.sent


@pytest.mark.parametrize(("member", "text"), [
    ("op_lin", "报名入口？"),  # an admin knows how
    ("op_lin", "@所有人 报名截止时间？明天中午！"),  # an announcement asks nobody
    ("op_lin", "@所有人 大家快来报名！"),  # nor signs its writer up (s41 f56: a member's
])  # typed 「@所有人」 is text: tests/test_r53.py)
async def test_an_admin_s_question_and_an_announcement_get_no_hint(tmp_path: Path, member: str,
                                                                   text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        await h.say("r1", member, text)
        await h.advance("1m")
        sent = h.sent
    assert sent == [], sent


async def test_the_hint_is_given_a_member_once_a_minute(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        for text in ("报名入口？", "报名地址？"):
            await h.say("r1", "alice", text)
            await h.advance("10s")
        await h.advance("10s")  # past the group's 20 s guard (s41 f56)
        await h.say("r1", "bob", "报名入口？")
        await h.advance("1m")
        await h.say("r1", "alice", "报名截止了吗")
        await h.advance("1m")
        hints = [r["mentions"] for r in h.actions("say", group="r1")]
    assert hints == [["alice"], ["bob"], ["alice"]], hints


def _deployment(tmp_path: Path, hint: str) -> Path:
    bot_yaml = BOT_YAML + "  - match: {topic: Internship}\n    type: internship\n"
    return write_config(tmp_path / "config", bot_yaml, {
        "recruitment": "handlers:\n  - invite:\n      words: [join, 报名]\n"
                       f"      to: internship\n{hint}",
        "internship": "handlers: []\n"})


@pytest.mark.parametrize(("hint", "expected"), [
    ("", ["想报名的话，直接发送「join」即可。"]),  # the default, with the first word
    ("      hint: '{member}，发送「{word}」'\n", ["alice，发送「join」"]),
    ("      hint: null\n", [])])
async def test_the_hint_is_configurable_and_may_be_turned_off(tmp_path: Path, hint: str,
                                                              expected: list[str]) -> None:
    async with Harness(_deployment(tmp_path, hint), tmp_path, groups=RECRUITMENT) as h:
        await h.say("r1", "alice", "报名要交钱吗？")
        await h.advance("1m")
        assert h.texts("r1") == expected


@pytest.mark.parametrize(("text", "reading"), [
    ("报名", Reading.SIGN_UP), ("我想报名", Reading.SIGN_UP), ("报名 我符合条件", Reading.SIGN_UP),
    ("报名要求？", Reading.QUESTION), ("怎么报名", Reading.QUESTION),
    ("报名 时间自由吗", Reading.QUESTION), ("可以报名的时间？", Reading.QUESTION),
    ("报名不收费吗？", Reading.QUESTION), ("我还没报名呢", Reading.QUESTION),
    ("报名截止了吗", Reading.QUESTION), ("报名地址？", Reading.QUESTION),
    ("先不报名了", Reading.NOTHING), ("取消报名", Reading.NOTHING), ("哈哈", Reading.NOTHING)])
def test_what_a_message_says_of_signing_up(text: str, reading: Reading) -> None:
    assert _reading(text) is reading


async def test_a_private_sign_up_with_a_question_is_invited_and_answered(
        tmp_path: Path) -> None:
    """The shipped private type names faq before invite, but faq there takes only the
    operators' /answer (docs/handlers/faq.md): a member's question goes past it to invite,
    then to keywords (probed for s41 h50b: nothing to reorder)."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("dave")
        await h.say(None, "dave", "我要报名，收入怎么算？")
        await h.advance("1m")
        assert [a["action"] for a in h.actions("invite")] == ["invite"]
        dms = [r["text"] for r in h.actions("dm", to="dave")]
    assert len(dms) == 2 and dms[0].startswith("已邀请你加入"), dms
    assert dms[1].startswith("报名要求、流程、收入等问题"), dms


async def test_an_operator_s_private_answer_holding_the_word_signs_nobody_up(
        tmp_path: Path) -> None:
    """Why faq stays before invite in the shipped private type."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("op_lin")
        await h.say(None, "op_lin", "/answer K3F2 报名！")
        await h.advance("1m")
        assert h.actions("invite") == []
        [reply] = h.actions("dm", to="op_lin")
    assert reply["text"].startswith("没有待答复的问题"), reply
