"""A roster's entry after s42 h72: a class role before the name in traditional characters,
and a member's ask addressed to the class role who is to answer it."""

from __future__ import annotations

import pytest

from bot.contacts import find_contacts

ENTRY = "王薇 20231234"  # a roster's entry: a name and a student number


# ------------------------------------- a role before the name, in traditional characters

@pytest.mark.parametrize("text", [
    "老師小薇 20231234", "班長王薇 20231234", "輔導員小薇 20231234", "有需要聯繫群主小薇 20231234"])
def test_a_class_role_in_traditional_characters_names_its_holder(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", [
    "加老師小薇 20231234", "客服老師小薇 20231234", "聯繫人：王薇 20231234", "群主小薇 20231234",
    "理財老師小薇 20231234", "考研學姐小薇 20231234"])
def test_an_ad_s_persona_or_label_in_traditional_characters_is_still_found(text: str) -> None:
    assert find_contacts(text)


# ------------------- a sentence that speaks to a class role asks that person to reach the writer

@pytest.mark.parametrize("then", [
    "老师，孩子请假了，有事私聊我", "王老师，孩子请假了，有事私信我",
    "班主任：孩子发烧了，有事加我", "王老师好，孩子请假了，有事私聊我",
    "老师您好，孩子请假了，有事私聊我", "老師，孩子請假了，有事私聊我"])
def test_an_ask_to_the_class_role_the_sentence_speaks_to_is_chat(then: str) -> None:
    assert find_contacts(f"{ENTRY}\n{then}") == []


@pytest.mark.parametrize("then", [
    # the group, many, each parent (as a tutoring ad speaks to them), or no one addressed
    "老师们，孩子请假了，有事私聊我", "各位老师，孩子请假了，有事私聊我",
    "宝妈，孩子请假了，有事私聊我", "家长，暑假班开课了，私聊我报名",
    "客服，孩子请假了，有事私聊我", "姐妹们，名额不多了，私聊我",
    # whoever wants it is asked, whomever the sentence speaks to
    "老师，名额不多了，需要的私聊", "老师，名额不多了，感兴趣私聊我",
    "老师，名额不多了，想要的加我",
    "老师好，打扰了，我们机构提供托管，感兴趣的私聊我",
    # a pitch, another channel, an ask in a sentence of its own
    "老师，孩子请假了，兼职日结私聊我", "老师，孩子请假了，有事进群", "老师，孩子请假了，有事加V",
    "老师，孩子请假了。有事私聊我",
    # an ask without a matter is an ad's, as main reads it (s42 f77: review s42 r75 finding 4)
    "老师，资料到了，私聊我"])
def test_an_ask_to_many_or_a_pitch_after_an_entry_is_still_an_ad_s(then: str) -> None:
    assert find_contacts(f"{ENTRY}\n{then}")
