"""Review s41 r52 of h50a's moderation changes (a0813e1..8ae6253: bot/contacts.py,
bot/prefilter.py, content/words/recruiting.txt), read as an ad poster and as the operator
of a B-side customer group. Each finding is a test that fails on s41 and passes once it is
fixed (strict xfail: a fix turns it into an unexpected pass, and then the mark goes).
Every ad here was caught at a0813e1, every innocent message there left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED

from bot.cli import main
from bot.contacts import find_contacts

CORPUS = Path(__file__).parent / "corpus_r52"
TEST = ["moderation", "test", "--config", str(SHIPPED), "--type", "customer"]


# ------------------------------------------ 1: a class role before a name hides the ad

@pytest.mark.parametrize("text", ["考研学姐小薇 20231234", "理财老师小薇 20231234",
                                  "代写老师小薇 20231234", "情感老师王薇 20231234"])
def test_an_ads_persona_before_the_name_is_no_class_role(text: str) -> None:
    assert find_contacts(text)


@pytest.mark.parametrize("text", ["加老师小薇 20231234", "请加老师小薇 20231234",
                                  "➕老师小薇 20231234", "联系人：老师小薇 20231234",
                                  "客服老师小薇 20231234", "加班长王薇 20231234"])
def test_add_or_a_label_before_the_role_is_still_an_invitation(text: str) -> None:
    assert find_contacts(text)


@pytest.mark.parametrize("text", ["群主小薇 20231234", "管理员小薇 20231234",
                                  "群主小薇 20231234 有事找我"])
def test_the_groups_owner_and_a_number_alone_is_an_impersonators(text: str) -> None:
    assert find_contacts(text)


# ---------------------------- 2: a list word anywhere makes every ask local to its line

@pytest.mark.parametrize("text", ["王薇 20231234\n私聊 名单", "王薇 20231234\n名单\n私聊",
                                  "私聊名单\n王薇 20231234", "报名加我\n王薇 20231234"])
def test_a_list_word_out_of_the_title_or_in_an_ask_makes_no_roster(text: str) -> None:
    assert find_contacts(text)


@pytest.mark.parametrize("text", ["名单\n王薇 20231234\n想赚钱的加我",
                                  "名单\n王薇 20231234\n日结私聊",
                                  "名单\n王薇 20231234\n需要的私聊",
                                  "兼职名单\n王薇 20231234\n私聊",
                                  "王薇 20231234 已交\n想赚钱的私聊"])
def test_an_ask_that_sells_offers_the_whole_list(text: str) -> None:
    assert find_contacts(text)


# ------------------------------------- 3: 联系我们 and an arrow that is not in _POINTS

@pytest.mark.parametrize("text", ["有需要联系我们👇王薇 20231234",
                                  "有需要联系我们⬇️\n王薇 20231234",
                                  "有需要联系我们 ↓ 王薇 20231234",
                                  "有需要联系我们 ➜ 王薇 20231234",
                                  "有需要联系我们 -> 王薇 20231234"])
def test_contact_us_and_any_arrow_points_at_the_entry(text: str) -> None:
    assert find_contacts(text)


# --------------------- 4: 招募宝妈 and a term a community's call offers too (家长群, 业主群)

def test_a_communitys_call_for_mothers_is_not_recruiting(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*TEST, str(CORPUS / "innocent.yaml")])
    out = capsys.readouterr().out
    assert code == 0, out


# ---------------------------------------- 5: eleven digits from 20 after a plus sign

def test_a_plus_before_eleven_digits_from_20_is_no_student_number() -> None:
    assert find_contacts("王薇 +20231234567")


# --------- 6: a customer's number, then a question or a past ask, is read as an ad's entry

def test_a_customers_number_then_a_question_is_no_ad(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*TEST, str(CORPUS / "split_innocent.yaml")])
    out = capsys.readouterr().out
    assert code == 0, out


# ----------- 7 (a judgement): 联系我们, a space, then a name and a number (customer group)

@pytest.mark.parametrize("text", ["有需要联系我们 王薇 20231234", "有需要联系我们 伟信 20231234",
                                  "有需要联系我们 李威 B20231234"])
def test_contact_us_then_an_entry_is_an_invitation(text: str) -> None:
    assert find_contacts(text)


# ----------------- 8 (before h50a too): an ask or a selling word split by a space or an emoji

@pytest.mark.parametrize("text", ["王薇 20231234 私❤聊", "王薇 20231234 私 聊",
                                  "王薇 20231234 日💰结", "王薇 20231234 兼 职 日 结"])
def test_an_ask_split_by_a_space_or_an_emoji_is_an_ask(text: str) -> None:
    assert find_contacts(text)


# ------------------------------------------ all the ads above, through the real handler

def test_the_ads_caught_before_h50a_are_caught(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*TEST, str(CORPUS / "ads.yaml")])
    out = capsys.readouterr().out
    assert code == 0, out
