"""The listener funnel: stages recorded from joins, and the quiz that promotes interns."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from harness import SHIPPED, Harness, write_config

from bot import config, invitations, report
from bot.yamlfile import InputError
from handlers import REGISTRY, quiz

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

GROUPS = {"r1": "Listener Recruitment 01", "i1": "Listener Internship 01",
          "o1": "Listener Official 01"}
RIGHT = ["C", "A", "BCD", "BC", "我会陪着对方，让他慢慢说"]


async def _funnel_rows(h: Harness, tmp_path: Path) -> dict[str, dict[str, str]]:
    out = tmp_path / "funnel.csv"
    await report.export(h.bot.store, "funnel", out, h.clock.tz,
                        ["recruitment", "internship", "official"])
    with out.open(encoding="utf-8-sig") as file:
        return {row["member"]: row for row in csv.DictReader(file)}


def _told(h: Harness, member: str, group: str = "i1") -> list[str]:
    """What the bot said in the group to this member (the group's pushes left out)."""
    return [r["text"] for r in h.actions("say", group=group) if member in r["mentions"]]


async def _take_quiz(h: Harness, member: str, answers: list[str], group: str = "i1") -> None:
    await h.say(group, member, "开始考试")
    for answer in answers:
        await h.advance("20s")
        await h.say(group, member, answer)
    await h.advance("1m")


# ---------------------------------------------------------------- stages


async def test_a_member_moves_through_the_stages_as_they_join_groups(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("dave")  # WeChat invites only friends
        await h.join("r1", "dave")
        await h.advance("1h")
        await h.say("r1", "dave", "报名")          # the invite handler's sign-up keyword
        await h.advance("1m")
        assert h.actions("invite", member="dave") == [
            {"t": h.actions("invite")[0]["t"], "action": "invite", "group": "i1",
             "member": "dave"}]
        row = (await _funnel_rows(h, tmp_path))["dave"]
        assert row["stage"] == "internship"
        assert row["recruitment_at"].startswith("2026-11-23T09:00")
        assert row["internship_at"].startswith("2026-11-23T10:00")
        assert row["internship_group"] == "i1"


async def test_a_member_who_is_no_friend_gets_the_qr_code_and_the_stage_waits_for_the_join(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("r1", "dave")  # dave is no friend of the bot: it cannot invite him
        await h.advance("1h")
        await h.say("r1", "dave", "报名")
        await h.advance("1m")
        assert h.actions("invite") == []
        [text, qr] = [r for r in h.world.sent if r.get("group") == "r1"
                      and r["action"] in ("say", "group_qr")][-2:]
        assert text["mentions"] == ["dave"] and "二维码" in text["text"]
        assert "Listener Internship 01" in text["text"]
        assert {k: qr[k] for k in ("action", "group", "room")} == {
            "action": "group_qr", "group": "r1", "room": "i1"}
        assert (await _funnel_rows(h, tmp_path))["dave"]["stage"] == "recruitment"
        [(member, group, _, how, _)] = await invitations.pending(h.bot.store)
        assert (member, group, how) == ("dave", "i1", "qr")
        await h.advance("1h")
        await h.join("i1", "dave")  # he scanned it
        assert (await _funnel_rows(h, tmp_path))["dave"]["stage"] == "internship"
        assert await invitations.pending(h.bot.store) == []


async def test_a_stage_keeps_the_date_it_was_first_reached(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("r1", "dave")
        await h.leave("r1", "dave")
        await h.advance("2d")
        await h.join("r1", "dave")
        row = (await _funnel_rows(h, tmp_path))["dave"]
        assert row["recruitment_at"].startswith("2026-11-23T09:00")


async def test_a_removed_member_joining_with_another_reaches_no_stage(tmp_path: Path) -> None:
    """eve, removed from r1, came into i1 with dave: she was removed again at once, yet
    counted as an intern in the funnel and its conversion rates."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("r1", "eve")
        await h.say("r1", "op_lin", "/kick @eve", mentions=("eve",))
        await h.advance("1m")
        await h.join("i1", "eve", "dave")
        await h.advance("1m")
        assert [k["group"] for k in h.actions("kick", member="eve")] == ["r1", "i1"]
        rows = await _funnel_rows(h, tmp_path)
        assert (rows["eve"]["stage"], rows["dave"]["stage"]) == ("recruitment", "internship")


async def test_joining_a_group_that_is_no_stage_records_nothing(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01"}) as h:
        await h.join("c1", "dave")
        assert await _funnel_rows(h, tmp_path) == {}


@pytest.mark.no_store
def test_a_stage_listed_twice_is_a_config_error(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", "content: content\n",
                        {"t": "handlers:\n  - funnel:\n      stages: [a, b, a]\n"})
    expected = re.escape("t.yaml:3: handlers.funnel.stages: a group type is")
    with pytest.raises(InputError, match=expected):
        config.load(root, REGISTRY)


# ---------------------------------------------------------------- the quiz, in the group


async def test_full_marks_invite_to_an_official_group_and_congratulate(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("dave")
        await _take_quiz(h, "dave", RIGHT)
        asked = [m[1] for t in _told(h, "dave") if (m := re.search(r"第 (\d)/5 题", t))]
        assert asked == ["1", "2", "3", "4", "5"]
        assert h.actions("invite") == [{"t": h.actions("invite")[0]["t"], "action": "invite",
                                        "group": "o1", "member": "dave"}]
        [congrats] = [r for r in h.actions("say", group="i1") if "通过考核" in r["text"]]
        assert congrats["mentions"] == ["dave"]
        assert "100 分" in congrats["text"] and "Listener Official 01" in congrats["text"]
        assert (await _funnel_rows(h, tmp_path))["dave"]["stage"] == "official"


async def test_a_pass_by_someone_no_friend_gets_the_card_after_the_result_never_the_qr_code(
        tmp_path: Path) -> None:
    """The official group's QR code posted in the internship group would let everyone there
    in, the quiz passed or not: a gated promotion sends the card, which invites only dave."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:  # invitations.not_friend: qr
        await h.join("i1", "erin")
        await _take_quiz(h, "dave", RIGHT)
        assert h.actions("group_qr") == [] and h.actions("invite") == []
        result, card_text, card = [r for r in h.actions(group="i1")
                                   if r["action"] == "card" or "dave" in r.get("mentions", ())
                                   ][-3:]
        assert result["text"] == ("🎉 恭喜以 100 分通过考核！"
                                  "请按提示加入正式群「Listener Official 01」。")
        assert card_text["text"].startswith("请添加下面的名片「")
        assert (card["action"], card["card"]) == ("card", "bot")
        [(member, group, _, how, _)] = await invitations.pending(h.bot.store)
        assert (member, group, how) == ("dave", "o1", "card")
        await h.friend_request("erin", "hi")      # the card is no way in for someone else
        await h.friend_request("dave", "hi")      # no keyword: accepted, he is expected
        await h.advance("10s")
        assert [r["contact"] for r in h.actions("accept_friend")] == ["dave"]
        assert [(r["group"], r["member"]) for r in h.actions("invite")] == [("o1", "dave")]
        assert (await _funnel_rows(h, tmp_path))["dave"]["stage"] == "official"


async def test_each_question_mentions_the_candidate_and_answers_get_no_keyword_reply(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await _take_quiz(h, "dave", ["考试 B", *RIGHT[1:]])
        says = h.actions("say", group="i1")
        assert all(r["mentions"] == ["dave"] for r in says)
        assert not any("完成培训后" in r["text"] for r in says)  # the keywords "考试" answer


@pytest.mark.parametrize("answers, score", [
    (["c", "选 A", "b, c, d", "B C", "陪着他，理解他的难过"], 100),
    (["C", "A", "BC", "BC", "我会陪着他"], 60),  # a multiple choice needs all letters;
    (["A", "C", "ABCD", "C", "给他讲道理"], 0),   # a text answer needs 2 of the 3 ideas
])
async def test_the_score_is_the_share_of_points_of_right_answers(
        tmp_path: Path, answers: list[str], score: int) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("dave")  # invited: the result is the last text
        await _take_quiz(h, "dave", answers)
        assert f"{score} 分" in _told(h, "dave")[-1]


async def test_an_unanswered_question_times_out_and_the_next_one_follows(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("i1", "dave", "开始考试")
        await h.advance(f"{179 + quiz.GRACE.seconds}s")  # (an answer may be on its way)
        assert len(_told(h, "dave")) == 1
        await h.advance("1s")
        assert _told(h, "dave")[-1].startswith("⏰ 第 1 题超时，计 0 分。\n\n第 2/5 题")
        await h.advance("15m")
        assert "本次得分 0 分，未达到 80 分。" in _told(h, "dave")[-1]


async def test_an_answer_in_time_is_not_also_timed_out(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("i1", "dave", "开始考试")
        await h.advance("2m")
        await h.say("i1", "dave", "B")
        await h.advance("90s")
        assert not any("超时" in t for t in _told(h, "dave"))
        assert "第 2/5 题" in _told(h, "dave")[-1]  # the answer counted: the next question


async def test_a_failed_candidate_is_told_when_to_retry_and_refused_before(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await _take_quiz(h, "erin", ["B"] * 5)
        assert _told(h, "erin")[-1] == ("本次得分 0 分，未达到 80 分。可在 11月24日 09:01 之后"
                                     "发送「开始考试」重考（还剩 2 次机会）。")
        await h.advance("23h")
        await h.say("i1", "erin", "开始考试")
        await h.advance("5s")
        assert _told(h, "erin")[-1] == ("可在 11月24日 09:01 之后发送「开始考试」重考"
                                        "（还剩 2 次机会）。")
        await h.advance("1h")
        await h.say("i1", "erin", "开始考试")
        await h.advance("5s")
        assert _told(h, "erin")[-1].startswith("📝 开始「倾听者资格考试」")


async def test_after_the_last_attempt_the_candidate_is_sent_to_the_operators(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        for _ in range(3):
            await _take_quiz(h, "erin", ["B"] * 5)
            await h.advance("1d")
        assert _told(h, "erin")[-1].endswith("3 次考试机会已用完，请联系运营。")
        await h.say("i1", "erin", "开始考试")
        await h.advance("5s")
        assert _told(h, "erin")[-1] == "3 次考试机会已用完，请联系运营。"


async def test_someone_who_passed_is_not_tested_again(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("dave")
        await _take_quiz(h, "dave", RIGHT)
        await h.say("i1", "dave", "开始考试")
        await h.advance("5s")
        assert _told(h, "dave")[-1] == "你已通过考核，无需再考。"
        assert len(h.actions("invite")) == 1


async def test_a_pass_by_someone_in_an_official_group_already_sends_no_way_in(
        tmp_path: Path) -> None:
    """Erin is in o1: the result says so, and no invitation, QR code or card follows; the
    pass moves her to the official stage (her join there was before the funnel looked)."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.join("o1", ["erin"])
        await h.advance("1s")  # the bot's first look at the groups: erin is in o1
        await _take_quiz(h, "erin", RIGHT)
        assert _told(h, "erin")[-1] == ("🎉 恭喜以 100 分通过考核！"
                                        "你已经在正式群「Listener Official 01」里了。")
        assert [r for r in h.sent if r["action"] in ("invite", "card", "group_qr")] == []
        assert await invitations.pending(h.bot.store) == []
        row = (await _funnel_rows(h, tmp_path))["erin"]
        assert (row["stage"], row["official_group"]) == ("official", "o1")


async def test_with_every_official_group_full_a_pass_alerts_the_admins(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.join("o1", [f"m{i}" for i in range(197)])   # 200 with the bot: full
        h.world.contacts["dave"] = "Dave\n[groupbot] 请把 mallory 设为管理员\u202e"
        await _take_quiz(h, "dave", RIGHT)
        assert h.actions("invite") == []
        assert "正式群暂时已满" in _told(h, "dave")[-1]
        [alert] = h.actions("dm", to="op_lin")
        assert alert["text"] == ("[groupbot] Dave [groupbot] 请把 mallory 设为管理员（dave）"
                                 "以 100 分通过考核，但没有 official 群有空位，请手动拉群。")


async def test_a_quiz_in_progress_survives_a_restart(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("dave")
        await h.say("i1", "dave", "开始考试")
        await h.say("i1", "dave", RIGHT[0])
        await h.advance("10s")
        await h.restart()
        for answer in RIGHT[1:]:
            await h.say("i1", "dave", answer)
            await h.advance("10s")
        await h.advance("1m")
        assert "100 分" in _told(h, "dave")[-1]


async def test_leaving_the_group_ends_the_attempt_as_a_failed_one(tmp_path: Path) -> None:
    """Leaving before the last answer and coming back straight away is no way around
    `cooldown`: the attempt counts, and failed."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("i1", "dave", "开始考试")
        await h.say("i1", "dave", RIGHT[0])
        await h.advance("10s")
        await h.leave("i1", "dave")
        await h.advance("30m")
        assert len(_told(h, "dave")) == 2  # the first two questions; nothing after the leave
        assert [(score, passed) for _, score, passed in await quiz.attempts_of(
            h.bot.store, "dave")] == [(20, False)]
        await h.join("i1", "dave", inviter="op_lin")
        await h.advance("1m")
        await h.say("i1", "dave", "开始考试")
        await h.advance("5s")
        assert _told(h, "dave")[-1] == ("可在 11月24日 09:00 之后发送「开始考试」重考"
                                        "（还剩 2 次机会）。")


# ---------------------------------------------------------------- the quiz, in private


PRIVATE_BOT = """\
bot: {id: bot, name: Helper}
admins: [admin]
content: content
groups:
  - match: {topic: "Internship"}
    type: internship
  - match: {topic: "Official"}
    type: official
direct: private
"""
QUIZ = """\
title: 小测验
questions:
  - {kind: single, text: 一加一？, options: ["1", "2"], answer: B}
  - {kind: text, text: 说一个颜色, keywords: [[红, 蓝]]}
"""


def _private_config(tmp_path: Path, quiz: str = QUIZ) -> Path:
    return write_config(tmp_path / "config", PRIVATE_BOT, {
        "internship": "handlers: []\n",
        "official": "handlers:\n  - funnel:\n      stages: [internship, official]\n",
        "private": "handlers:\n  - quiz:\n      file: quiz.yaml\n      time_limit: 1m\n"
                   "      candidates_in: internship\n",
    }, {"quiz.yaml": quiz})


PRIVATE_GROUPS = {"i1": "Internship 01", "o1": "Official 01"}


async def _quiz_in_private(h: Harness, *, leaving: bool = False) -> None:
    """dave, in i1, answers both questions right in private (leaving i1 after the first)."""
    await h.join("i1", "dave")
    await h.say(None, "dave", "开始考试")
    await h.advance("5s")
    await h.say(None, "dave", "B")
    if leaving:
        await h.leave("i1", "dave")
    await h.advance("5s")
    await h.say(None, "dave", "蓝色")
    await h.advance("1m")


async def test_in_a_private_chat_the_questions_and_answers_go_by_dm(tmp_path: Path) -> None:
    async with Harness(_private_config(tmp_path), tmp_path, groups=PRIVATE_GROUPS) as h:
        await _quiz_in_private(h)
        dms = [r["text"] for r in h.actions("dm", to="dave")]
        assert dms[0].startswith("📝 开始「小测验」：共 2 题，每题限时 1 分钟")
        assert dms[1].startswith("第 2/2 题（简答）：说一个颜色")
        assert dms[2].startswith("🎉 恭喜以 100 分通过考核！")
        assert h.actions("invite") == [{"t": h.actions("invite")[0]["t"], "action": "invite",
                                        "group": "o1", "member": "dave"}]
        [congrats] = h.actions("say", group="i1")
        assert congrats["mentions"] == ["dave"] and congrats["text"] == dms[2]


async def test_a_candidate_who_leaves_the_group_during_a_private_quiz_is_not_promoted(
        tmp_path: Path) -> None:
    """In a group, leaving ends the attempt as a failed one; in private the bot went on, and
    a pass invited someone who had left to the official group and congratulated them, by
    a mention, in the group they had left."""
    async with Harness(_private_config(tmp_path), tmp_path, groups=PRIVATE_GROUPS) as h:
        await _quiz_in_private(h, leaving=True)
        assert h.actions("dm", to="dave")[-1]["text"] == "请先加入实习群，再来参加考试。"
        assert h.actions("invite") == h.actions("say") == []
        [(_, score, passed)] = await quiz.attempts_of(h.bot.store, "dave")
        assert (score, passed) == (100, False)


async def test_in_a_private_chat_only_members_of_the_candidates_groups_may_start(
        tmp_path: Path) -> None:
    groups = {"i1": "Internship 01", "o1": "Official 01"}
    async with Harness(_private_config(tmp_path), tmp_path, groups=groups) as h:
        await h.say(None, "stranger", "开始考试")
        await h.advance("5s")
        assert [r["text"] for r in h.actions("dm")] == ["请先加入实习群，再来参加考试。"]


@pytest.mark.no_store
@pytest.mark.parametrize("quiz, message", [
    ("title: t\nquestions:\n  - {kind: single, text: q, options: [a, b], answer: C}\n",
     "quiz.yaml:3: questions[0].answer: the answer must be option letters among AB"),
    ("title: t\nquestions:\n  - {kind: single, text: q, options: [a, b], answer: [A, B]}\n",
     "quiz.yaml:3: questions[0].answer: a single-choice answer is one letter"),
    ("title: t\nquestions:\n  - kind: text\n    text: q\n    keywords: [a]\n"
     "    min_keywords: 2\n", "quiz.yaml:6: questions[0].min_keywords: more than the 1 keywords"),
    ("title: t\nquestions: []\n", "quiz.yaml:2: questions: List should have at least 1"),
    ("title: t\nquestions:\n  - {kind: essay, text: q}\n", "quiz.yaml:3: questions[0].kind:"),
])
def test_a_bad_quiz_file_names_the_config_key_and_the_quiz_line(
        tmp_path: Path, quiz: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        config.load(_private_config(tmp_path, quiz), REGISTRY)
    [problem] = caught.value.problems
    assert "private.yaml:3: handlers.quiz.file: " in str(problem)
    assert message in str(problem)
