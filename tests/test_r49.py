"""r49: a hostile review of f48a (invite lets a sign-up's question go on to keywords;
「报名要求？」 is a question) and f48b (a list's title counts for its entries; 有需要联系 but
a class role; numerals after an id), `git diff 857ee13 09d1c52`. Each finding is a strict
xfail that passes once fixed; every case here behaved as expected at 857ee13."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness import SHIPPED, Harness

from bot.cli import main
from bot.contacts import Finding, find_contacts

RECRUITMENT = {"r1": "Listener Recruitment 01", "i1": "Listener Internship 01"}
INVITED = "报名成功！已邀请你加入「Listener Internship 01」，请在微信里接受群邀请 📚"


@pytest.mark.parametrize("text", [
    "班服团购优惠名单\n王薇 20231234\n李威 20231235",
    "暑期兼职招聘会报名\n王薇 20231234\n李威 20231235",
    "教材优惠报名统计\n王薇 20231234\n李威 20231235",
    "团购下单接龙\n王薇 20231234 2份\n李威 20231235 1份",
    "书法班优惠报名\n王薇 20231234\n李威 20231235",
    "周末兼职家教报名统计\n王薇 20231234\n李威 20231235"])
def test_r49_1_a_roster_s_title_selling_its_own_flags_nobody(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", [
    "未交作业名单\n王薇 20231234\n李威 20231235\n有需要联系王老师",
    "王薇 20231234 已交，有需要联系张老师", "有需要联系教务处\n王薇 20231234",
    "有需要联系宿管阿姨\n王薇 20231234"])
def test_r49_2_if_you_need_it_contact_a_named_teacher_or_an_office_is_a_class_s(
        text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(("text", "found"), [
    ("QQ 1234 五六七八年入百万", Finding("qq", "12345678")),
    ("扣扣 1234 五六七八班级群", Finding("qq", "12345678")),
    ("李威 2023 一二三四年赚十万", Finding("wechat", "20231234"))])
def test_r49_3_an_id_s_numeral_tail_before_an_ad_s_word_is_still_its_tail(
        text: str, found: Finding) -> None:
    assert found in find_contacts(text)


@pytest.mark.parametrize("text", ["报名，可以吗？", "我要报名，可以吗"])
async def test_r49_4_a_private_sign_up_asking_if_it_may_gets_the_invitation_alone(
        tmp_path: Path, text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("dave")
        await h.say(None, "dave", text)
        await h.advance("1m")
        dms = [r["text"] for r in h.actions("dm", to="dave")]
    assert len(dms) == 1 and dms[0].startswith("已邀请你加入"), dms


@pytest.mark.parametrize("text", ["报名 时间自由吗", "报名 时间怎么安排"])
async def test_r49_5_a_sign_up_then_a_question_is_answered(tmp_path: Path, text: str) -> None:
    """The finding: 报名 + a space + a question about a noun was no sign-up, and nothing
    answered it. As r47 finding 7's 「报名 收入怎么算」 it stays a question that signs nobody
    up (s41 h50b's brief settled the two), but it is never left unanswered now: invite's
    `hint` says how to sign up."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", text)
        await h.advance("1m")
        assert h.actions("invite") == [], h.texts("r1")
        [answer] = h.texts("r1")
    assert "发送「报名」" in answer, answer


@pytest.mark.parametrize("text", ["兼职日结报名\n张薇 20231234 已交",
                                  "刷单返利名单\n张薇 20231234 已领"])
def test_r49_6_a_selling_title_with_a_paid_entry_is_still_an_ad_s(text: str) -> None:
    assert find_contacts(text) == [Finding("wechat", "20231234")]


@pytest.mark.parametrize(("corpus", "figures"), [
    ("innocent", r"^all\s+0/0\s+100%\s+10\s+0$"),  # 10/10 flagged before the fixes
    ("ads", r"^all\s+6/6\s+100%\s+0\s+0$")])  # 0/6 caught before
def test_the_corpora_of_the_findings(corpus: str, figures: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Findings 1, 2, 3 and 6 as `moderation test` reads tests/corpus_r49's files."""
    code = main(["moderation", "test", "--config", str(SHIPPED), "--type", "customer",
                 str(Path(__file__).parent / "corpus_r49" / f"{corpus}.yaml")])
    out = capsys.readouterr().out
    assert code == 0 and re.search(figures, out, re.M), out
